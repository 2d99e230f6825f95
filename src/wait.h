/*
 * wait.h - --wait SECONDS: wait for sources a sidecar has not written yet.
 *
 * Vault Agent, the Secrets Store CSI driver and External Secrets write
 * their files after the container starts. With --wait, a missing source
 * (env file, secrets dir, private key file, KEY_FILE target) or a
 * required key that is not set (or still empty) yet is waited for, up to
 * SECONDS, with inotify on the nearest existing directory of each (no
 * polling); one line on stderr says what is waited for. Any other problem
 * ends the wait at once: waiting cannot fix a typo. The caller then checks
 * as usual, so a timeout gives the normal errors.
 *
 * SIGTERM and SIGINT during the wait end it: the caller exits 128+N and
 * runs nothing.
 */
#ifndef WAIT_H
#define WAIT_H

#include "config.h"
#include "diag.h"

/* Assemble and check once, appending problems to D; returns the errors. */
typedef int (*wait_probe_fn)(void *ctx, struct diag *d);

/*
 * Wait as --wait asks (C->wait seconds; nothing when unset or 0). PROBE
 * is called before and after each change. Returns 0 when the caller
 * should go on and check as usual, or 128+N when signal N ended the wait.
 * Problems of the wait itself (no inotify) are warnings in D.
 */
int wait_sources(const struct config *c, wait_probe_fn probe, void *ctx,
		 struct diag *d);

#endif
