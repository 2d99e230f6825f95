# envinit lint: what the repository alone can tell, with no private key,
# no secrets dir and no inherited environment; --all, --strict, -v, the
# JSON document; `check --format json`; the CI workflow example and the
# pre-commit hook, run with their own command lines.
C=CANARY-11nt
PP=$ROOT/examples/pulse-platform

cat >m.ini <<'EOF'
[defaults]
clear_env = yes
keep = PATH

[keys]
API_TOKEN = sealed optional
PORT = port
DATABASE_URL = url
LOG_LEVEL = one-of=debug,info

[service web]
env_file = web.env
require = DATABASE_URL PORT MISSING_KEY
allow = LOG_* API_*

[service worker]
env_file = worker.env
require = QUEUE
EOF
# every line numbered below is named by the expected output
cat >web.env <<EOF
PORT=99999
bad key=$C
DATABSE_URL=postgres://db/$C
API_TOKEN=$C
LOG_LEVEL=info
PORT=8080
X="$C
Y=1
API_SEALED=enc:v1:AAAA
DATABASE_URL=\${PORT}
LOG_LEVEL=loud
EOF
printf 'QUEUE=jobs\n' >worker.env

e lint -c m.ini -s web
ok "lint with problems -> 78" rc 78
ok "nothing on stdout" [ ! -s "$T/out" ]
cat >want <<'EOF'
envinit: PORT: port: not a port number (1-65535) (web.env:1)
envinit: web.env:2: key cannot contain a space
envinit: warning: DATABSE_URL: unused: no service requires, allows, keeps or declares it; did you mean DATABASE_URL? (web.env:3)
envinit: API_TOKEN: sealed: plaintext value in an env file (seal it: envinit seal --in-place) (web.env:4)
envinit: warning: PORT: set again in this file, earlier at web.env:1 (web.env:6)
envinit: web.env:7: unterminated double-quoted value
envinit: warning: Y: unused: no service requires, allows, keeps or declares it (web.env:8)
envinit: API_SEALED: corrupt or truncated sealed value (bad base64 or too short) (web.env:9)
envinit: warning: LOG_LEVEL: set again in this file, earlier at web.env:5 (web.env:11)
envinit: LOG_LEVEL: one-of: not one of debug,info (web.env:11)
envinit: MISSING_KEY: required but no declared source can provide it (no env file sets it, no secrets dir, not kept from the environment)
EOF
ok "every problem of every line, in file order, then the required keys" cmp -s want "$T/err"
ok "no value is ever shown" leak_free "$C"

e lint -c m.ini -s web -v
ok "-v: what lint cannot check is said" err_has "envinit: DATABASE_URL: not checked: the value looks a variable up (web.env:10)"
ok "... a value looking a variable up provides the key" err_lacks "DATABASE_URL: required"

# ---- a clean tree -------------------------------------------------------
cat >web.env <<'EOF'
PORT=8080
DATABASE_URL=postgres://db/app
LOG_LEVEL=info
MISSING_KEY=here
LOG_FORMAT=json
EOF
e lint -c m.ini -s web
ok "clean -> 0" rc 0
ok "summary line" out_is "envinit: lint passed (0 warnings)"
ok "stderr empty" [ ! -s "$T/err" ]

printf 'QUEUE=jobs\nQEUE=3\n' >worker.env
e lint -c m.ini -s worker
ok "a warning alone passes -> 0" rc 0
ok "... says so" out_is "envinit: lint passed (1 warnings)"
ok "... near miss against required names" err_has "envinit: warning: QEUE: unused: no service requires, allows, keeps or declares it; did you mean QUEUE? (worker.env:2)"
e lint -c m.ini -s worker --strict
ok "--strict: warnings fail -> 78" rc 78
ok "... and say why" err_has "envinit: lint failed: warnings fail with --strict"

# a key used by another service is not unused
printf 'QUEUE=jobs\nPORT=1\n' >worker.env
e lint -c m.ini -s worker --strict
ok "a key another service requires is not unused" rc 0

# ---- --all -----------------------------------------------------------------
e lint -c m.ini --all
ok "--all -> 0" rc 0
cat >want <<'EOF'
envinit: lint --all: service web: ok (0 errors, 0 warnings)
envinit: lint --all: service worker: ok (0 errors, 0 warnings)
EOF
ok "--all: one line per service" cmp -s want "$T/out"

# ---- sources lint cannot read ------------------------------------------------
cat >s.ini <<'EOF'
[service a]
secrets_dir = /nonexistent/secrets
require = DB_PASSWORD

[service b]
clear_env = yes
keep = TOKEN
require = TOKEN OTHER
EOF
e lint -c s.ini --all -v
ok "a secrets dir is never read by lint -> 0 for a" out_has "envinit: lint --all: service a: ok"
ok "... and says what it could not check" err_has "envinit: [a] DB_PASSWORD: required, not checked: a secrets dir may provide it"
ok "a kept inherited key is not checked" err_has "envinit: [b] TOKEN: required, not checked: kept from the inherited environment"
ok "what nothing can provide is an error" err_has "envinit: [b] OTHER: required but no declared source can provide it"
ok "... so b fails" out_has "envinit: lint --all: service b: FAILED (1 errors, 0 warnings)"
ok "... -> 78" rc 78

# no private key is read, even when one is configured and missing
cp "$PP/keys/wex.pub" wex.pub
printf 'T=%s\n' "$(printf x | "$EI" seal --public-key wex.pub T)" >k.env
printf '[keys]\nT = sealed\n[service k]\nenv_file = k.env\nprivate_key_file = /nonexistent.key\nrequire = T\n' >k.ini
e lint -c k.ini -s k
ok "lint opens no sealed value and reads no key file" rc 0

# ---- JSON --------------------------------------------------------------------
printf 'QUEUE="a\\b\n' >worker.env
e lint -c m.ini -s worker --format json
ok "json -> 78" rc 78
cat >want <<'EOF'
{"ok": false, "services": [
  {"name": "worker", "ok": false, "problems": [{"level": "error", "key": null, "source": "worker.env:1", "rule": null, "message": "unterminated double-quoted value"}, {"level": "error", "key": "QUEUE", "source": null, "rule": "required", "message": "required but no declared source can provide it (no env file sets it, no secrets dir, not kept from the environment)"}], "kept": [], "stripped": []}
]}
EOF
ok "json: the whole document" cmp -s want "$T/out"
ok "json: stderr stays empty" [ ! -s "$T/err" ]
printf 'QUEUE=jobs\nPORT=1\n' >worker.env
e lint -c m.ini -s worker --format json
ok "lint json: kept and stripped are the env files' names under the policy" out_is '{"ok": true, "services": [
  {"name": "worker", "ok": true, "problems": [], "kept": ["QUEUE"], "stripped": ["PORT"]}
]}'
printf 'QUEUE=jobs\n' >worker.env
printf 'PORT=8080\nDATABASE_URL=postgres://db\nMISSING_KEY=1\nAPI_TOKEN=%s\nLOG_LEVEL=info\n' "$C" >web.env
e check -c m.ini -s web --format json
ok "check --format json -> 78" rc 78
cat >want <<'EOF'
{"ok": false, "services": [
  {"name": "web", "ok": false, "problems": [{"level": "error", "key": "API_TOKEN", "source": "web.env:4", "rule": "sealed", "message": "sealed: plaintext value in an env file (seal it: envinit seal --in-place)"}], "kept": ["PORT", "DATABASE_URL", "MISSING_KEY", "API_TOKEN", "LOG_LEVEL", "PATH"], "stripped": []}
]}
EOF
ok "check json: problems, kept and stripped names, no value" cmp -s want "$T/out"
ok "... the canary is not in it" leak_free "$C"
e check -c m.ini --all --format json
ok "check --all --format json: one document, one entry per service" \
	[ "$(grep -c '"name": ' "$T/out")" = 2 ]
ok "... the worker passes" out_has '{"name": "worker", "ok": true, "problems": [], "kept": ["QUEUE", "PATH"], "stripped": []}'
printf '[service x]\nbogus = 1\n' >bad.ini
e lint -c bad.ini --format json
ok "a broken manifest is still one JSON document" out_is '{"ok": false, "services": [
  {"name": null, "ok": false, "problems": [{"level": "error", "key": null, "source": "bad.ini:2", "rule": null, "message": "unknown directive '"'"'bogus'"'"'"}], "kept": [], "stripped": []}
]}'

# ---- the CI example and the pre-commit hook, with their own commands ----------
wf=$ROOT/examples/ci/github-actions.yml
cmd=$(sed -n 's/^ *run: *\(envinit lint .*\)$/\1/p' "$wf")
ok "the workflow runs envinit lint --all --format json" \
	[ "$cmd" = "envinit lint --all --format json -c config/envinit.ini" ]
# shellcheck disable=SC2086 # the command line, word-split as the runner does
(cd "$PP" && env -i PATH=/usr/bin:/bin "$EI" ${cmd#envinit } >"$T/out" 2>"$T/err"); RC=$?
ok "the workflow's command passes on examples/pulse-platform" rc 0
ok "... with one JSON document saying so" grep -q '^{"ok": true, "services": \[$' "$T/out"
ok "... naming every service" [ "$(grep -c '"name": ' "$T/out")" = 5 ]
hook=$ROOT/.pre-commit-hooks.yaml
ok "the pre-commit hook runs envinit lint" grep -qx '  entry: envinit lint' "$hook"
ok "... on every change" grep -qx '  pass_filenames: false' "$hook"

# ---- examples/emailclient: replacing validate-env.sh -------------------------
EC=$ROOT/examples/emailclient
(cd "$EC" && env -i PATH=/usr/bin:/bin "$EI" lint -c envinit.ini -s app -f .env.development >"$T/out" 2>"$T/err"); RC=$?
ok "emailclient: the development env lints clean -> 0" rc 0
ok "... with no warning" out_is "envinit: lint passed (0 warnings)"
(cd "$EC" && env -i PATH=/usr/bin:/bin "$EI" lint -c envinit.ini -s app -f .env.production.template >"$T/out" 2>"$T/err"); RC=$?
ok "emailclient: the production template fails -> 78" rc 78
ok "... naming exactly the CHANGE_ME keys" [ "$(sed -n 's/^envinit: \([A-Z0-9_]*\): .*/\1/p' "$T/err" | sort -u)" = \
	"$(grep '^[A-Z0-9_]*=CHANGE_ME' "$EC/.env.production.template" | cut -d= -f1 | sort -u)" ]
sed 's/^DB_PORT=/DB_PROT=/' "$EC/.env.development" >typo.env
line=$(grep -n '^DB_PROT=' typo.env | cut -d: -f1)
(cd "$EC" && env -i PATH=/usr/bin:/bin "$EI" lint -c envinit.ini -s app -f "$T/typo.env" >"$T/out" 2>"$T/err"); RC=$?
cat >want <<EOF2
envinit: warning: DB_PROT: unused: no service requires, allows, keeps or declares it; did you mean DB_PORT? ($T/typo.env:$line)
envinit: DB_PORT: required but no declared source can provide it (no env file sets it, no secrets dir, not kept from the environment)
EOF2
ok "emailclient: a misspelt key is named with its near miss, and the missing one" cmp -s want "$T/err"
ok "... -> 78" rc 78

# ---- the issue's story: a plaintext token pasted into the committed .env.wex --
cp -R "$PP/config" pp
sed -i 's/^\[keys\]$/[keys]\nWEX_JIRA_TOKEN = sealed/' pp/envinit.ini
line=$(grep -n '^WEX_JIRA_TOKEN=' pp/.env.wex | cut -d: -f1)
e lint --all -c pp/envinit.ini
ok "pulse-platform with a sealed rule: lint passes while the token is sealed" rc 0
sed -i "s/^WEX_JIRA_TOKEN=.*/WEX_JIRA_TOKEN=$C-pasted-token/" pp/.env.wex
e lint --all -c pp/envinit.ini
ok "a plaintext token pasted into .env.wex fails lint -> 78" rc 78
ok "... naming the key and FILE:LINE" err_has "envinit: [etl-wex] WEX_JIRA_TOKEN: sealed: plaintext value in an env file (seal it: envinit seal --in-place) (pp/.env.wex:$line)"
ok "... only etl-wex fails" [ "$(grep -c FAILED "$T/out")" = 1 ]
ok "... the token is never shown" leak_free "$C-pasted-token"
e check -c pp/envinit.ini -s etl-wex --private-key-file "$PP/keys/wex.key" -d "$PP/secrets"
ok "check fails on it too -> 78" rc 78
ok "... naming it" err_has "envinit: WEX_JIRA_TOKEN: sealed: plaintext value in an env file (seal it: envinit seal --in-place) (pp/.env.wex:$line)"
