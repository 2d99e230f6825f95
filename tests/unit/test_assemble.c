/* Unit tests for assemble.c: precedence of the layers, --override,
 * --clear-env/--keep, KEY_FILE indirection. */
// OBJS: assemble config envfile interp secretdir policy rename rules envset diag fileio xalloc
#include "preamble.h"

#include <sys/stat.h>

#include "assemble.h"
#include "policy.h"

static char dir[64];

/* assemble with the required keys read as a build reads them. */
static int assemble_req(const struct config *c, char *const *envp,
			struct envset *out, struct diag *d)
{
	struct required r;
	policy_required_load(c, &r);
	int errs = assemble(c, envp, out, &r.keys, d);
	policy_required_free(&r);
	return errs;
}

static void put(const char *name, const char *content)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static char *at(const char *name)
{
	static char path[4][256];
	static int i;
	i = (i + 1) % 4;
	snprintf(path[i], sizeof path[i], "%s/%s", dir, name);
	return path[i];
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/envinit-assemble-XXXXXX");
	assert_non_null(mkdtemp(dir));
	put("one.env", "A=one\nB=one\nC=one\nD=one\nREF=${D}\n");
	put("two.env", "B=two\nC=two\n");
	char sd[256];
	snprintf(sd, sizeof sd, "%s/sec", dir);
	mkdir(sd, 0700);
	put("sec/C", "secret\n");
	put("sec/D", "secret\n");
	put("pw.txt", "from-file\r\n");
	snprintf(sd, sizeof sd, "%s/sec2", dir);
	mkdir(sd, 0700);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static const char *val(const struct envset *s, const char *k)
{
	const struct envvar *v = envset_get(s, k);
	return v ? v->val : NULL;
}

static void layers_in_order(void **state)
{
	(void)state;
	struct config c;
	struct diag d;
	struct envset out;
	config_init(&c);
	diag_init(&d);
	envset_init(&out);
	srclist_add(&c.env_files, at("one.env"), 0);
	srclist_add(&c.env_files, at("two.env"), 0);
	srclist_add(&c.secret_dirs, at("sec"), 0);
	char *envp[] = { "D=inherited", "E=inherited", "D=second", "ENVINIT_X=1", NULL };
	assert_int_equal(assemble_req(&c, envp, &out, &d), 0);
	assert_string_equal(val(&out, "A"), "one");
	assert_string_equal(val(&out, "B"), "two");
	assert_string_equal(val(&out, "C"), "secret");
	assert_string_equal(val(&out, "D"), "inherited");
	assert_string_equal(val(&out, "E"), "inherited");
	/* interpolation looks in the inherited environment first */
	assert_string_equal(val(&out, "REF"), "inherited");
	assert_null(val(&out, "ENVINIT_X"));
	assert_true(envset_get(&out, "C")->flags & EV_SECRET);
	assert_non_null(strstr(envset_get(&out, "C")->overrode, "two.env:2"));
	envset_free(&out);
	diag_free(&d);
	config_free(&c);
}

static void override_puts_inherited_last(void **state)
{
	(void)state;
	struct config c;
	struct diag d;
	struct envset out;
	config_init(&c);
	diag_init(&d);
	envset_init(&out);
	c.override = 1;
	srclist_add(&c.env_files, at("one.env"), 0);
	srclist_add(&c.secret_dirs, at("sec"), 0);
	char *envp[] = { "A=inherited", "D=inherited", NULL };
	assert_int_equal(assemble_req(&c, envp, &out, &d), 0);
	assert_string_equal(val(&out, "A"), "one");
	assert_string_equal(val(&out, "D"), "secret");
	envset_free(&out);
	diag_free(&d);
	config_free(&c);
}

static void clear_env_and_keep(void **state)
{
	(void)state;
	struct config c;
	struct envset out;
	config_init(&c);
	envset_init(&out);
	c.clear_env = 1;
	strlist_add_split(&c.keep, "PATH H*");
	char *envp[] = { "PATH=/bin", "HOME=/root", "TOKEN=t", "noequals", NULL };
	assemble_inherited(&c, envp, &out, NULL);
	assert_string_equal(val(&out, "PATH"), "/bin");
	assert_string_equal(val(&out, "HOME"), "/root");
	assert_null(val(&out, "TOKEN"));
	assert_int_equal(envset_count(&out), 2);
	envset_free(&out);
	config_free(&c);
}

static void file_refs(void **state)
{
	(void)state;
	struct config c;
	struct diag d;
	struct envset out;
	config_init(&c);
	diag_init(&d);
	envset_init(&out);
	char ref[300], both[300], miss[300];
	snprintf(ref, sizeof ref, "PW_FILE=%s", at("pw.txt"));
	snprintf(both, sizeof both, "X_FILE=%s", at("pw.txt"));
	snprintf(miss, sizeof miss, "M_FILE=%s", at("nope"));
	strlist_add_split(&c.require, "PW X M");
	char *envp[] = { ref, both, "X=direct", miss, NULL };
	assert_int_equal(assemble_req(&c, envp, &out, &d), 2);
	assert_string_equal(val(&out, "PW"), "from-file");
	assert_true(envset_get(&out, "PW")->flags & EV_SECRET);
	assert_int_equal(envset_get(&out, "PW")->origin, ORIG_FILEREF);
	assert_null(val(&out, "PW_FILE"));
	assert_null(val(&out, "X_FILE"));
	assert_null(val(&out, "M_FILE"));
	assert_string_equal(d.v[0].subject, "X");
	assert_non_null(strstr(d.v[0].text, "exclusive"));
	assert_string_equal(d.v[1].subject, "M");
	/* names the key and where the pointer was set, never the path */
	assert_string_equal(d.v[1].text,
			    "cannot read the file M_FILE names: no such file");
	assert_string_equal(d.v[1].source, "M_FILE is inherited");
	envset_free(&out);
	diag_free(&d);
	config_free(&c);
}

/* Only declared keys are resolved; any other *_FILE is an ordinary key. */
static void file_refs_only_declared(void **state)
{
	(void)state;
	struct config c;
	struct diag d;
	struct envset out;
	config_init(&c);
	diag_init(&d);
	envset_init(&out);
	put("refs.env", "LOG_FILE=/var/log/app.log\nDB_FILE=\nQ_FILE=/nope\n");
	srclist_add(&c.env_files, at("refs.env"), 0);
	strlist_add_split(&c.file_keys, "Q");
	char tok[300];
	snprintf(tok, sizeof tok, "AWS_WEB_IDENTITY_TOKEN_FILE=%s", at("pw.txt"));
	char *envp[] = { tok, NULL };
	assert_int_equal(assemble_req(&c, envp, &out, &d), 1);
	assert_string_equal(val(&out, "AWS_WEB_IDENTITY_TOKEN_FILE"), at("pw.txt"));
	assert_null(val(&out, "AWS_WEB_IDENTITY_TOKEN"));
	assert_string_equal(val(&out, "LOG_FILE"), "/var/log/app.log");
	assert_string_equal(val(&out, "DB_FILE"), "");
	assert_null(val(&out, "Q_FILE"));
	assert_int_equal(d.n, 1 + 1); /* the env file's info line, Q's error */
	assert_string_equal(d.v[1].subject, "Q");
	char where[300];
	snprintf(where, sizeof where, "Q_FILE set at %s:3", at("refs.env"));
	assert_string_equal(d.v[1].source, where);
	envset_free(&out);
	diag_free(&d);
	config_free(&c);
}

/* A secrets-dir file named X_FILE is a value, never a pointer. */
static void secretdir_file_is_value(void **state)
{
	(void)state;
	struct config c;
	struct diag d;
	struct envset out;
	config_init(&c);
	diag_init(&d);
	envset_init(&out);
	put("sec2/PW_FILE", "/etc/passwd\n");
	srclist_add(&c.secret_dirs, at("sec2"), 0);
	strlist_add_split(&c.file_keys, "*");
	char *envp[] = { NULL };
	assert_int_equal(assemble_req(&c, envp, &out, &d), 0);
	assert_string_equal(val(&out, "PW_FILE"), "/etc/passwd");
	assert_null(val(&out, "PW"));
	envset_free(&out);
	diag_free(&d);
	config_free(&c);
}

/* No source yields the private key: not a KEY_FILE, not an env file. */
static void private_key_never_loaded(void **state)
{
	(void)state;
	struct config c;
	struct diag d;
	struct envset out;
	config_init(&c);
	diag_init(&d);
	envset_init(&out);
	put("key", "ENVINIT-PRIVATE-KEY-V1:AAAA\n");
	put("copy", "ENVINIT-PRIVATE-KEY-V1:AAAA\n");
	strlist_add(&c.private_keys, at("key"));
	srclist_add(&c.env_files, at("key"), 0);
	srclist_add(&c.env_files, at("copy"), 0);
	strlist_add_split(&c.file_keys, "*");
	char k[300];
	snprintf(k, sizeof k, "PW_FILE=%s", at("key"));
	char *envp[] = { k, NULL };
	assert_int_equal(assemble_req(&c, envp, &out, &d), 3);
	assert_int_equal(envset_count(&out), 0);
	assert_string_equal(d.v[0].subject, at("key"));
	assert_string_equal(d.v[1].subject, at("copy"));
	assert_string_equal(d.v[2].subject, "PW");
	assert_string_equal(d.v[2].text,
			    "PW_FILE names a private key file: the key never reaches the service");
	envset_free(&out);
	diag_free(&d);
	config_free(&c);
}

static void file_suffix_off(void **state)
{
	(void)state;
	struct config c;
	struct diag d;
	struct envset out;
	config_init(&c);
	diag_init(&d);
	envset_init(&out);
	c.file_suffix = strdup("");
	char *envp[] = { "PW_FILE=/nonexistent", NULL };
	assert_int_equal(assemble_req(&c, envp, &out, &d), 0);
	assert_string_equal(val(&out, "PW_FILE"), "/nonexistent");
	envset_free(&out);
	diag_free(&d);
	config_free(&c);
}

static void many_keys_linear_smoke(void **state)
{
	(void)state;
	/* 20k keys through the whole pipeline: fast because lookups are O(1). */
	FILE *f = fopen(at("big.env"), "w");
	for (int i = 0; i < 20000; i++)
		fprintf(f, "K%d=v%d\n", i, i);
	fclose(f);
	struct config c;
	struct diag d;
	struct envset out;
	config_init(&c);
	diag_init(&d);
	envset_init(&out);
	srclist_add(&c.env_files, at("big.env"), 0);
	char *envp[] = { NULL };
	assert_int_equal(assemble_req(&c, envp, &out, &d), 0);
	assert_int_equal(envset_count(&out), 20000);
	assert_string_equal(val(&out, "K19999"), "v19999");
	envset_free(&out);
	diag_free(&d);
	config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(layers_in_order),
		cmocka_unit_test(override_puts_inherited_last),
		cmocka_unit_test(clear_env_and_keep),
		cmocka_unit_test(file_refs),
		cmocka_unit_test(file_refs_only_declared),
		cmocka_unit_test(secretdir_file_is_value),
		cmocka_unit_test(private_key_never_loaded),
		cmocka_unit_test(file_suffix_off),
		cmocka_unit_test(many_keys_linear_smoke),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
