/*
 * fuzz_pipeline.c - the whole pipeline: command line, manifest, env file
 * and inherited environment, assembled, policed, checked and reported.
 *
 * The input is four parts separated by NUL bytes: command-line words (one
 * a line), a manifest, an env file and inherited `KEY=value` lines. The
 * harness owns every path: words and directives that name files are
 * replaced by its own env file and one secrets dir (on /dev/shm) holding
 * `db_password` = the canary; `_FILE` indirection is off; the inherited
 * DB_PASSWORD and API_TOKEN hold the canary too. Oracles beyond ASan/UBSan:
 *   1. the canary appears in no diagnostic (stderr and termination log
 *      lines), no --explain line and no print output without --reveal
 *      (env, shell and json), however the input interpolates it;
 *   2. `--format shell` output (with --reveal) parses back, as a shell
 *      reads single quotes, to exactly the kept keys whose names are
 *      shell identifiers, with their values, in order;
 *   3. every file the secrets dir reader opens is an entry of the secrets
 *      dir itself (secretdir_read_hook), never a path outside it.
 * Inputs that hold the canary text are skipped for oracle 1.
 */
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assemble.h"
#include "cli.h"
#include "common.h"
#include "manifest.h"
#include "policy.h"
#include "report.h"
#include "rules.h"
#include "secretdir.h"

/* Bytes of the values in ENV. */
static size_t values_total(const struct envset *env)
{
	size_t t = 0;
	for (size_t i = 0; i < env->n; i++)
		t += env->v[i].len;
	return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], envpath[96], secdir[96];

static void setup_once(void)
{
	if (dir[0])
		return;
	snprintf(dir, sizeof dir, "/dev/shm/fuzz-pipeline.%d", (int)getpid());
	snprintf(envpath, sizeof envpath, "%s/f.env", dir);
	snprintf(secdir, sizeof secdir, "%s/secrets", dir);
	mkdir(dir, 0700);
	mkdir(secdir, 0700);
	char p[160];
	snprintf(p, sizeof p, "%s/db_password", secdir);
	FILE *f = fopen(p, "w");
	fputs(CANARY, f);
	fclose(f);
}

static void read_hook(const char *name)
{
	/* oracle 3: a plain entry of the directory, opened beneath it */
	FUZZ_CHECK(name && *name && !strchr(name, '/') && strcmp(name, "..") != 0,
		   "secrets dir read outside its directory");
}

/* Part I of the input (NUL-separated), as a C string. */
static char *part(const uint8_t *data, size_t size, int i)
{
	const char *s = (const char *)data, *e = s + size;
	for (; i > 0 && s < e; i--) {
		const char *z = memchr(s, '\0', (size_t)(e - s));
		s = z ? z + 1 : e;
	}
	const char *z = memchr(s, '\0', (size_t)(e - s));
	return strndup(s, z ? (size_t)(z - s) : (size_t)(e - s));
}

/* Options whose argument is a path the harness owns, or that steer what
 * is not under test (run mode, users, signals). */
static int dropped(const char *w)
{
	static const char *const prefixes[] = {
		"-f", "--env-file", "--secrets-dir", "-c", "--config",
		"--require-from", "--private-key-file", "--termination-log",
		"--file-suffix", "--reveal", "-u", "--user", "--watch", "-s",
		"--service", "--rewrite", "-g", "--remap",
	};
	for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
		if (strncmp(w, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return w[0] == '-' && w[1] && w[1] != '-' && strchr(w + 1, 'f');
}

static void own_paths(struct config *c)
{
	for (size_t i = 0; i < c->env_files.n; i++)
		free(c->env_files.v[i].path);
	for (size_t i = 0; i < c->secret_dirs.n; i++)
		free(c->secret_dirs.v[i].path);
	c->env_files.n = c->secret_dirs.n = 0;
	strlist_free(&c->require_from);
	strlist_free(&c->private_keys);
	srclist_add(&c->env_files, envpath, 0);
	srclist_add(&c->secret_dirs, secdir, 0);
	free(c->file_suffix);
	c->file_suffix = strdup("");
}

static char *capture_print(const struct envset *env, enum format f, int reveal)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	report_print(out, env, f, reveal);
	fclose(out);
	return buf;
}

/* Oracle 2: read `export NAME='v'...` back and compare with ENV. */
static void shell_round_trip(const struct envset *env, const char *s)
{
	for (size_t i = 0; i < env->n; i++) {
		const struct envvar *v = &env->v[i];
		if (!envset_live(v) || (v->flags & EV_STRIPPED) ||
		    !envset_valid_name(v->key))
			continue;
		FUZZ_CHECK(strncmp(s, "export ", 7) == 0, "shell: export");
		s += 7;
		size_t k = strlen(v->key);
		FUZZ_CHECK(strncmp(s, v->key, k) == 0 && s[k] == '=' && s[k + 1] == '\'',
			   "shell: name");
		s += k + 2;
		size_t j = 0;
		for (;;) {
			const char *q = strchr(s, '\'');
			FUZZ_CHECK(q != NULL, "shell: unterminated quote");
			size_t n = (size_t)(q - s);
			FUZZ_CHECK(j + n <= v->len && memcmp(v->val + j, s, n) == 0,
				   "shell: value differs");
			j += n;
			if (strncmp(q, "'\\''", 4) == 0) {
				FUZZ_CHECK(j < v->len && v->val[j] == '\'', "shell: quote");
				j++;
				s = q + 4;
				continue;
			}
			s = q + 1;
			break;
		}
		FUZZ_CHECK(j == v->len && *s == '\n', "shell: value length");
		s++;
	}
	FUZZ_CHECK(*s == '\0', "shell: extra output");
}

static void lacks(const char *s, const char *what)
{
	FUZZ_CHECK(!s || !strstr(s, CANARY), what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup_once();
	secretdir_read_hook = read_hook;
	char *words = part(data, size, 0), *ini = part(data, size, 1);
	char *envtext = part(data, size, 2), *inh = part(data, size, 3);
	int clean = !fuzz_has(data, size, "CANARY");

	FILE *f = fopen(envpath, "w");
	fputs(envtext, f);
	fclose(f);

	/* argv: "envinit print" and the kept words */
	char *argv[68];
	int argc = 0;
	argv[argc++] = "envinit";
	argv[argc++] = "print";
	for (char *w = strtok(words, "\n"); w && argc < 64; w = strtok(NULL, "\n"))
		if (!dropped(w))
			argv[argc++] = w;
	argv[argc] = NULL;

	/* inherited: the input's lines, then the canaries */
	char *envp[70];
	size_t ne = 0;
	for (char *l = strtok(inh, "\n"); l && ne < 64; l = strtok(NULL, "\n"))
		envp[ne++] = l;
	envp[ne++] = "DB_PASSWORD=" CANARY;
	envp[ne++] = "API_TOKEN=" CANARY;
	envp[ne] = NULL;

	struct config c;
	struct diag d;
	struct envset env;
	config_init(&c);
	diag_init(&d);
	envset_init(&env);
	struct manifest *m = NULL;
	optind = 0;
	if (cli_parse(argc, argv, &c, &d) == 0 && c.cmd == CMD_PRINT) {
		m = manifest_parse("fuzz.ini", ini, strlen(ini), &d);
		if (!m || manifest_apply(m, NULL, &c, &d) == 0) {
			own_paths(&c);
			struct required req;
			policy_required_load(&c, &req);
			assemble(&c, envp, &env, &req.keys, &d);
			rules_defaults(c.rules, &env);
			policy_apply(&c, &env, &req, &d);
			policy_required_free(&req);
			rules_check(c.rules, &env, &d);
			policy_taint(&c, &env, &d);
			report_print_warnings(&env, c.format, &d);
			if (values_total(&env) > ((size_t)256 << 10))
				goto done; /* interpolation's doubling: printing
					      1 MiB values only slows the target */

			char *shell = capture_print(&env, FMT_SHELL, 1);
			shell_round_trip(&env, shell);
			free(shell);
			for (int fm = FMT_ENV; clean && fm <= FMT_SHELL; fm++) {
				char *p = capture_print(&env, (enum format)fm, 0);
				lacks(p, "canary in print without --reveal");
				free(p);
			}
			char *ex = NULL;
			size_t exlen = 0;
			FILE *xf = open_memstream(&ex, &exlen);
			report_explain(xf, &env);
			fclose(xf);
			if (clean)
				lacks(ex, "canary in --explain");
			FUZZ_CHECK(!ex || !strchr(ex, '\r'), "explain: CR");
			free(ex);
		}
	}
done:
	for (size_t i = 0; i < d.n; i++) {
		char *line = diag_format(&d.v[i]);
		if (clean)
			lacks(line, "canary in a diagnostic");
		FUZZ_CHECK(!strchr(line, '\n') && !strchr(line, '\r'),
			   "a diagnostic spans lines");
		free(line);
	}
	envset_free(&env);
	diag_free(&d);
	config_free(&c);
	manifest_free(m);
	free(words);
	free(ini);
	free(envtext);
	free(inh);
	return 0;
}
