# --explain: provenance of every key, the glob that kept or stripped it,
# the inherited names --clear-env dropped, the KEY_FILE names consumed;
# printed on failure too, before the problems. Warnings -q silences: PATH
# stripped while a command is run, an --allow glob that matches nothing.
# Every line compared whole.

err_is() { printf '%s\n' "$1" | cmp -s - "$T/err"; }

printf 'HOST=db\nDB_PASSWORD_FILE=%s/pw\nPLAIN=1\nDEBUG_SQL=yes\n' "$T" >app.env
printf 'explain-canary\n' >pw
printf 'HOST=other\n' >over.env

ee HOME=/root TERM=dumb "$EI" check --explain -i -k PATH -f app.env -f over.env \
	-r DB_PASSWORD -a 'HOST LOG_*' -x 'DEBUG_*'
ok "explain, passing check -> 0" rc 0
ok "explain: every key, the deciding glob, drops and consumed names" err_is "\
HOST: env file over.env:1, overrode app.env:1; kept: matches --allow 'HOST'
PLAIN: env file app.env:3; stripped: not required, and matches no --allow or --keep glob
DEBUG_SQL: env file app.env:4; stripped: matches --deny 'DEBUG_*'
PATH: inherited; kept: matches --keep 'PATH'
DB_PASSWORD: _FILE path $T/pw, secret; kept: required
HOME: inherited; dropped: --clear-env, and matches no --keep glob
TERM: inherited; dropped: --clear-env, and matches no --keep glob
DB_PASSWORD_FILE: env file app.env:2; consumed: names the file DB_PASSWORD is read from; it never reaches the service
envinit: warning: --allow 'LOG_*': matches no key"
ok "explain never shows a value" leak_free "explain-canary"

ee HOME=/root "$EI" check --explain -q -f app.env --file-keys DB_PASSWORD -r MISSING -a HOST \
	--termination-log termlog
ok "explain, failing check -> 78" rc 78
ok "explain on failure: provenance first, then the problems" err_is "\
HOST: env file app.env:1; kept: matches --allow 'HOST'
PLAIN: env file app.env:3; stripped: not required, and matches no --allow or --keep glob
DEBUG_SQL: env file app.env:4; stripped: not required, and matches no --allow or --keep glob
PATH: inherited; stripped: not required, and matches no --allow or --keep glob
HOME: inherited; stripped: not required, and matches no --allow or --keep glob
DB_PASSWORD: _FILE path $T/pw, secret; stripped: not required, and matches no --allow or --keep glob
DB_PASSWORD_FILE: env file app.env:2; consumed: names the file DB_PASSWORD is read from; it never reaches the service
envinit: MISSING: required but not set"
ok "the termination log holds the problems only" cmp -s termlog - <<'X'
envinit: MISSING: required but not set
X

e print --explain -f app.env --file-keys DB_PASSWORD
ok "without a policy nothing is stripped, and explain says so" err_is "\
HOST: env file app.env:1; kept: nothing is stripped without --allow or a service
PLAIN: env file app.env:3; kept: nothing is stripped without --allow or a service
DEBUG_SQL: env file app.env:4; kept: nothing is stripped without --allow or a service
PATH: inherited; kept: nothing is stripped without --allow or a service
DB_PASSWORD: _FILE path $T/pw, secret; kept: nothing is stripped without --allow or a service
DB_PASSWORD_FILE: env file app.env:2; consumed: names the file DB_PASSWORD is read from; it never reaches the service"

printf 'ENVINIT_X=1\n' >steer.env
e check --explain -f steer.env -a 'ENVINIT_*'
ok "ENVINIT_* from a file is explained" err_is "\
ENVINIT_X: env file steer.env:1; stripped: ENVINIT_* variables steer envinit, never the service
PATH: inherited; stripped: not required, and matches no --allow or --keep glob"

# PATH stripped by the policy while a command is run from PATH
e -f app.env -a HOST -- true
ok "PATH stripped: the command still runs" rc 0
ok "PATH stripped: a warning says how the command is found" err_is \
	"envinit: warning: PATH: stripped by the policy: the service gets no PATH; the command is looked up with envinit's own PATH"
e -q -f app.env -a HOST -- true
ok "-q silences the PATH warning" test ! -s err
e -i -f app.env -- true
ok "PATH dropped by --clear-env: the same warning" err_is \
	"envinit: warning: PATH: dropped by --clear-env: the service gets no PATH; the command is looked up with envinit's own PATH"
e -f app.env -a 'HOST PATH' -- true
ok "PATH kept: no warning" test ! -s err
e -f app.env -a HOST -- /bin/true
ok "a command given by path: no warning" test ! -s err
e check -f app.env -a HOST
ok "check runs nothing: no PATH warning" test ! -s err

e check -f app.env -a 'HOST POSTGRE_*'
ok "an --allow glob that matches nothing is a warning" err_is \
	"envinit: warning: --allow 'POSTGRE_*': matches no key"
ok "... and the check still passes" rc 0
ok "... with the singular" out_is "envinit: check passed: 1 key kept, 4 stripped"
e check -q -f app.env -a 'HOST POSTGRE_*'
ok "-q silences the --allow warning" test ! -s err

# Paths joined to the manifest's directory are cleaned lexically in what
# envinit reads and says: no "dir/../", "./" or "//".
mkdir -p conf/sub keys
printf 'K=1\n' >keys/k.env
for p in '../keys/./k.env' 'sub/..//../keys/k.env' './../keys/k.env'; do
	printf '[service s]\nenv_file = %s\nallow = K\n' "$p" >conf/app.ini
	e print --explain -c conf/app.ini -s s
	ok "manifest path $p is read" out_is "K=1"
	ok "manifest path $p is cleaned in messages" err_is \
		"K: env file keys/k.env:1; kept: matches --allow 'K'
PATH: inherited; stripped: not required, and matches no --allow or --keep glob"
done
printf '[service s]\nenv_file = ../../nowhere/x.env\n' >conf/sub/app.ini
e check -c conf/sub/app.ini -s s
ok "a missing manifest-relative file is named by its cleaned path" err_is \
	"envinit: nowhere/x.env: cannot read env file: no such file"
printf '[service s]\nenv_file = ../../nowhere/x.env\n' >"$T/conf/sub/abs.ini"
e check -c "$T/conf/sub/abs.ini" -s s
ok "... and from an absolute manifest path" err_is \
	"envinit: $T/nowhere/x.env: cannot read env file: no such file"
