/*
 * arena.h - the start-up arena of the static binary.
 *
 * A start allocates a few thousand small blocks (keys, sources, rules,
 * messages) and frees most of them just before execve, which discards
 * them anyway. musl's allocator maps and unmaps memory for them: about
 * 150 of the 360 system calls of a start with a 280-key manifest were
 * mmap, munmap and madvise. The release binary is linked with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free (every
 * caller: envinit, libc, inih, libsodium), and while the arena is open,
 * blocks of up to ARENA_MAX_BLOCK bytes come from a few large mappings,
 * in order; a freed block is wiped at once and its bytes are used again
 * when they can be (arena.c says how). Bigger blocks, and every block
 * after arena_close(), come from libc's malloc.
 *
 * Callers still wipe secrets before they free (wipe_free, envset): libc's
 * free does not, and the arena is not always the allocator. Loops that
 * run for the service's lifetime (the supervisor, --watch rebuilds,
 * --wait probes) close the arena first, so that what they free is given
 * back to the system.
 *
 * Without ENVINIT_ARENA (the glibc builds: unit tests, valgrind, fuzzing)
 * nothing is wrapped and arena_close() does nothing.
 */
#ifndef ARENA_H
#define ARENA_H

#include <stddef.h>

#define ARENA_MAX_BLOCK ((size_t)64 * 1024)

/* From now on every allocation comes from libc; arena blocks stay valid. */
void arena_close(void);

/* Bytes taken from the free part of the mappings and not given back to
 * it (holes count as taken), for tests/unit/test_arena.c. */
size_t arena_used(void);

#endif
