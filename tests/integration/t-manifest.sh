# The manifest: -c/$ENVINIT_CONFIG, -s/$ENVINIT_SERVICE, [defaults], [keys],
# [service NAME], precedence, rules, check --all, long lines, exit codes.

mkdir -p conf/secrets
printf 'DB_HOST=db\nDB_PASSWORD=a-long-enough-db-password\nWEB_URL=https://web.example\nTC_TOKEN=tc-canary\nLOG_LEVEL=debug\n' >conf/shared.env
printf 'WEB_ONLY=w\n' >conf/web.env
printf 'jwt-canary-0123456789-0123456789-xyz' >conf/secrets/JWT_SECRET_KEY
cat >conf/app.ini <<'EOF'
; relative paths resolve against this file's directory
[defaults]
clear_env = yes
keep = PATH
env_file = shared.env
secrets_dir = secrets

[keys]
DB_PASSWORD = secret min=16 no-placeholder
DB_PORT = port default=5432
LOG_LEVEL = one-of=debug,info,warning default=info
WEB_URL = url
JWT_SECRET_KEY = secret min=32
TC_TOKEN = optional

[service backend]
require = DB_HOST
allow = DB_* JWT_* LOG_LEVEL

[service web]
env_file = web.env
allow = WEB_* LOG_LEVEL
EOF

# ---- -c, $ENVINIT_CONFIG, -s, $ENVINIT_SERVICE ---------------------------
for mode in --exec --init; do
	e -c conf/app.ini -s backend $mode -- "$SHOWENV"
	ok "$mode -c -s: runs" rc 0
	ok "$mode -c: env_file relative to the manifest" out_has "DB_HOST=db"
	ok "$mode -c: secrets_dir relative to the manifest" out_has "JWT_SECRET_KEY=jwt-canary"
	ok "$mode default= fills an unset key" out_has "DB_PORT=5432"
	ok "$mode service strips what it does not allow" out_lacks "TC_TOKEN"
	ok "$mode service strips the other service's keys" out_lacks "WEB_URL"
	ok "$mode keep keeps PATH" out_has "PATH=/usr/bin:/bin"

	ee ENVINIT_CONFIG=conf/app.ini ENVINIT_SERVICE=web "$EI" $mode -- "$SHOWENV"
	ok "$mode \$ENVINIT_CONFIG and \$ENVINIT_SERVICE: runs" rc 0
	ok "$mode \$ENVINIT_SERVICE selects the service" out_has "WEB_ONLY=w"
	ok "$mode web does not see DB keys" out_lacks "DB_"
	ok "$mode ENVINIT_CONFIG not passed to the child" out_lacks "ENVINIT_CONFIG"
	ok "$mode ENVINIT_SERVICE not passed to the child" out_lacks "ENVINIT_SERVICE"

	e -c conf/app.ini -s backend $mode -r NOT_SET -- touch ran
	ok "$mode failed check -> 78" rc 78
	ok "$mode failed check: nothing run" test ! -e ran
done

ee ENVINIT_SERVICE=web "$EI" -c conf/app.ini -s backend --exec -- "$SHOWENV"
ok "-s wins over \$ENVINIT_SERVICE" out_has "DB_HOST=db"

e -c conf/app.ini --exec -- "$SHOWENV"
ok "no service: [defaults] and [keys] apply" rc 0
ok "no service: nothing stripped" out_has "TC_TOKEN=tc-canary"
ok "no service: defaults still fill" out_has "DB_PORT=5432"

(mkdir -p elsewhere && cd elsewhere && e -c ../conf/app.ini -s backend --exec -- "$SHOWENV")
ok "relative paths do not depend on the cwd" out_has "DB_HOST=db"

# ---- secret, print ---------------------------------------------------------
e print -c conf/app.ini -s backend
ok "print with a manifest -> 0" rc 0
ok "secret key redacted" out_has "DB_PASSWORD=<redacted>"
ok "secret value not printed" out_lacks "a-long-enough-db-password"
e print --explain -c conf/app.ini -s backend
ok "--explain names the manifest default" err_has "DB_PORT: manifest default conf/app.ini:10"

# ---- precedence -------------------------------------------------------------
cat >conf/prec.ini <<'EOF'
[defaults]
env_file = shared.env
file_suffix = _PATH
format = json
[service s]
allow = DB_HOST
EOF
printf 'EXTRA=x\n' >cli.env
e print -c conf/prec.ini -s s --format env -f cli.env -a EXTRA
ok "command line scalar wins (--format)" out_has "DB_HOST=db"
ok "command line list adds (-f, -a)" out_has "EXTRA=x"
ok "manifest list kept (allow DB_HOST)" out_lacks "LOG_LEVEL"
e print -c conf/prec.ini -s s
ok "manifest scalar applies (format = json)" out_has '"DB_HOST": "db"'
printf 'DB_HOST=cli-host\n' >late.env
e print -c conf/prec.ini -s s -f late.env
ok "manifest env files first, command line's after" out_has '"DB_HOST": "cli-host"'

# ---- rules: each failure names key and rule, never the value --------------
cat >conf/rules.ini <<'EOF'
[keys]
R_MIN = min=40
R_MAX = max=3
R_INT = int
R_PORT = port
R_BOOL = bool
R_URL = url
R_ONE = one-of=a,b
R_MATCH = match=^[0-9]+$
R_PH = no-placeholder
R_SECRET = secret no-placeholder
EOF
printf 'R_MIN=CANARY-min\nR_MAX=CANARY-max\nR_INT=CANARY-int\nR_PORT=CANARY-port\nR_BOOL=CANARY-bool\nR_URL=CANARY-url\nR_ONE=CANARY-one\nR_MATCH=CANARY-match\nR_PH=CHANGE_ME_CANARY\nR_SECRET=<CANARY>\n' >bad.env
e check -c conf/rules.ini -f bad.env --termination-log termlog
ok "rule failures -> 78" rc 78
ok "min: key and rule" err_has "R_MIN: min: shorter than 40 bytes (bad.env:1)"
ok "max: key and rule" err_has "R_MAX: max: longer than 3 bytes (bad.env:2)"
ok "int: key and rule" err_has "R_INT: int: not an integer"
ok "port: key and rule" err_has "R_PORT: port: not a port number"
ok "bool: key and rule" err_has "R_BOOL: bool: not a boolean"
ok "url: key and rule" err_has "R_URL: url: not a URL"
ok "one-of: key and rule" err_has "R_ONE: one-of: not one of a,b"
ok "match: key and rule" err_has "R_MATCH: match: does not match"
ok "no-placeholder: key and rule" err_has "R_PH: no-placeholder: looks like a placeholder"
ok "no-placeholder on a secret" err_has "R_SECRET: no-placeholder"
ok "every rule failure reported" test "$(grep -c '^envinit: R_' err)" = 10
ok "termination log has the summary" file_has termlog "R_PORT: port"
ok "no value anywhere" leak_free "CANARY"
printf 'R_MIN=0123456789012345678901234567890123456789\nR_MAX=abc\nR_INT=-5\nR_PORT=8080\nR_BOOL=off\nR_URL=redis://cache:6379/0\nR_ONE=b\nR_MATCH=42\nR_PH=real\nR_SECRET=real-secret\n' >good.env
e check -c conf/rules.ini -f good.env
ok "good values pass -> 0" rc 0

# the emailclient case: a production template fails naming every key
cat >conf/mail.ini <<'EOF'
[keys]
SMTP_HOST = no-placeholder
SMTP_PASSWORD = secret min=12 no-placeholder
API_TOKEN = secret no-placeholder
[service mail]
allow = SMTP_* API_*
[service other]
allow = OTHER_*
EOF
printf 'SMTP_HOST=CHANGE_ME_smtp\nSMTP_PASSWORD=CHANGE_ME_password\nAPI_TOKEN=<token>\n' >prod.env
printf 'SMTP_HOST=localhost\nSMTP_PASSWORD=dev-password-123\nAPI_TOKEN=dev-token\n' >dev.env
e check -c conf/mail.ini -s mail -f prod.env
ok "template: -> 78" rc 78
ok "template: SMTP_HOST named" err_has "SMTP_HOST: no-placeholder"
ok "template: SMTP_PASSWORD named" err_has "SMTP_PASSWORD: no-placeholder"
ok "template: API_TOKEN named" err_has "API_TOKEN: no-placeholder"
ok "template: no value shown" leak_free "CHANGE_ME_"
e check -c conf/mail.ini -s mail -f dev.env
ok "dev env passes" rc 0
printf 'SMTP_HOST=localhost\n' >partial.env
e check -c conf/mail.ini -s mail -f partial.env
ok "[keys] key the service allows is required" err_has "SMTP_PASSWORD: required but not set"
e check -c conf/mail.ini -s other -f partial.env
ok "[keys] key another service does not allow is not required" rc 0

# ---- check --all -----------------------------------------------------------
e check --all -c conf/app.ini
ok "check --all: all pass -> 0" rc 0
ok "check --all: backend ok" out_has "envinit: check --all: service backend: ok"
ok "check --all: web ok" out_has "envinit: check --all: service web: ok"
printf 'WEB_URL=not-a-url\n' >conf/web.env
e check --all -c conf/app.ini
ok "check --all: one fails -> 78" rc 78
ok "check --all: web failed" out_has "service web: FAILED (1 problem)"
ok "check --all: backend still ok" out_has "service backend: ok"
ok "check --all: problem prefixed with the service" err_has "envinit: [web] WEB_URL: url: not a URL"
ok "check --all: no value" leak_free "not-a-url"
printf 'WEB_ONLY=w\n' >conf/web.env
ee ENVINIT_SERVICE=backend "$EI" check --all -c conf/app.ini
ok "check --all ignores \$ENVINIT_SERVICE" out_has "service web: ok"
e check --all -c conf/rules.ini -f good.env
ok "check --all, no [service]: checked once -> 0" rc 0
ok "check --all, no [service]: said so" out_has "envinit: check --all: no service: ok"
e check --all
ok "check --all without a manifest -> 64" rc 64
e print --all -c conf/app.ini
ok "print --all -> 64" rc 64

# ---- 100 allowed keys over several lines; a 370-byte line ------------------
{
	echo "[service many]"
	i=0
	while [ $i -lt 100 ]; do
		line="allow ="
		j=0
		while [ $j -lt 10 ]; do line="$line K_$((i + j))"; j=$((j + 1)); done
		echo "$line"
		i=$((i + 10))
	done
} >many.ini
i=0; : >many.env
while [ $i -lt 100 ]; do echo "K_$i=v$i" >>many.env; i=$((i + 1)); done
echo "NOT_ALLOWED=x" >>many.env
e -c many.ini -s many -f many.env --exec -- "$SHOWENV"
ok "100-key allow list: runs" rc 0
ok "100-key allow list: first key" out_has "K_0=v0"
ok "100-key allow list: last key" out_has "K_99=v99"
ok "100-key allow list: all 100 kept" test "$(grep -c '^K_' out)" = 100
ok "100-key allow list: others stripped" out_lacks "NOT_ALLOWED"

{
	echo "[service long]"
	line="allow ="
	i=0
	while [ ${#line} -lt 370 ]; do line="$line LONG_KEY_$i"; i=$((i + 1)); done
	printf '%s\n' "$line" | cut -c1-370
} >long.ini
ok "the long line is 370 bytes" test "$(sed -n 2p long.ini | wc -c)" = 371
e check -c long.ini -s long
ok "370-byte line -> 78" rc 78
ok "370-byte line named with FILE:LINE" err_has "long.ini:2: line longer than 197 bytes"
e -c long.ini -s long --exec -- touch ran
ok "370-byte line: nothing run" test ! -e ran

# ---- manifest errors -------------------------------------------------------
printf '[defaults]\nreveal = yes\n' >reveal.ini
e print -c reveal.ini
ok "reveal directive -> 78" rc 78
ok "reveal: not allowed in a manifest" err_has "reveal.ini:2: reveal: not allowed in a manifest"
printf '[defaults]\nclear_env = maybe\n[servce x]\n[keys]\nA = prot\nB = match=a(\nC = min=ten\n' >bad.ini
: >termlog2
e check -c bad.ini --termination-log termlog2
ok "bad manifest -> 78" rc 78
ok "bad bool named" err_has "bad.ini:2: clear_env: expects yes or no"
ok "unknown section named" err_has "bad.ini:3: unknown section [servce x]"
ok "unknown rule word never echoed" err_has "bad.ini:5: A: unknown rule word (word 1)"
ok "bad regex named" err_has "bad.ini:6: B: match: bad regex"
ok "bad number named" err_has "bad.ini:7: C: min: bad number"
ok "manifest errors in the termination log" file_has termlog2 "bad.ini:5"
e -c conf/app.ini -s nope --exec -- true
ok "unknown service -> 78" rc 78
ok "unknown service names it and the file" err_has "conf/app.ini: no [service nope]"
e -c missing.ini --exec -- true
ok "missing manifest -> 78" rc 78
ok "missing manifest named" err_has "missing.ini: cannot read manifest"
e -s backend --exec -- true
ok "-s without a manifest -> 64" rc 64
ee ENVINIT_SERVICE=backend "$EI" --exec -- true
ok "\$ENVINIT_SERVICE without a manifest -> 64" rc 64
