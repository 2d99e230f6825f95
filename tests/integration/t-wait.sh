# --wait SECONDS (manifest wait): sources a sidecar writes after start.
# Modes as in t-init.sh: exec (not PID 1), init (--init, a subreaper),
# init1 (PID 1 of a new pid namespace).
H=$ROOT/build/helpers
# err_is TEXT: stderr is exactly TEXT (lines)
err_is() { printf '%s\n' "$1" | cmp -s - "$T/err"; }
# until_has FILE TEXT: wait (5 s at most) for TEXT in FILE
until_has() {
	i=0
	while ! grep -qF -- "$2" "$1" 2>/dev/null && [ $i -lt 500 ]; do
		sleep 0.01; i=$((i + 1))
	done
}

for m in exec init init1; do
	# a secret file written (not atomically) after envinit started
	rm -rf s; mkdir s
	start $m --wait 20 -d s -r DB_PASSWORD -- sh -c 'echo "got ${#DB_PASSWORD}"'
	until_has err "waiting"
	printf 'hunter2' >s/DB_PASSWORD
	finish
	ok "$m --wait: the service starts once the secret file is there" rc 0
	ok "$m --wait: ... with its value" out_is "got 7"
	ok "$m --wait: one line says what it waits for" \
		err_is "envinit: waiting up to 20 s for: DB_PASSWORD"

	# SIGTERM while waiting: 128+15 at once, nothing run
	rm -rf s; mkdir s
	start $m --wait 20 -d s -r DB_PASSWORD -- echo ran
	until_has err "waiting"
	kill -TERM "$EPID"
	finish
	ok "$m --wait: SIGTERM while waiting -> 143" rc 143
	ok "$m --wait: ... nothing run" test ! -s out
done
start init --wait 20 -r NOPE -- echo ran
until_has err "waiting"
kill -INT "$EPID"
finish
ok "init --wait: SIGINT while waiting -> 130" rc 130

# timeout: the usual errors and 78
rm -rf s; mkdir s
e --wait 1 -d s -f later/app.env -r DB_USER -- echo ran
ok "--wait timeout -> 78" rc 78
ok "--wait timeout: nothing run" test ! -s out
ok "--wait timeout: the waiting line, then the usual errors" err_is \
"envinit: waiting up to 1 s for: later/app.env, DB_USER
envinit: later/app.env: cannot read env file: no such file
envinit: DB_USER: required but not set"

# a missing env file in a directory that does not exist yet, a KEY_FILE
# target, a secrets dir: each waited for, the service runs once all are
rm -rf later keys s2
printf 'API_TOKEN_FILE=keys/token\nCA_CERT_FILE=certs/ca\n' >ref.env
start exec --wait 20 -f later/app.env -f ref.env -d s2 -r DB_USER,API_TOKEN,DB_PASSWORD,CA_CERT -- \
	sh -c 'echo "$DB_USER ${#API_TOKEN} ${#DB_PASSWORD} $CA_CERT"'
until_has err "waiting"
mkdir later keys s2 certs
printf 'ca' >certs/ca
printf 'DB_USER=alice\n' >later/app.env.tmp && mv later/app.env.tmp later/app.env
printf 'tok' >keys/token
printf 'pw' >s2/DB_PASSWORD
finish
ok "--wait: env file, KEY_FILE targets and secrets dir, all waited for" out_is "alice 3 2 ca"
ok "--wait: ... one line naming each path (no KEY_FILE's path: it names where the pointer was set)" err_is \
	"envinit: waiting up to 20 s for: later/app.env, s2, API_TOKEN (API_TOKEN_FILE set at ref.env:1), CA_CERT (CA_CERT_FILE set at ref.env:2), DB_USER, DB_PASSWORD"

# the kubelet layout: ..data is swapped in by a rename
rm -rf k8s; mkdir k8s
start exec --wait 20 -d k8s -r JWT_SECRET -- sh -c 'echo "${#JWT_SECRET}"'
until_has err "waiting"
mkdir k8s/..2026_12_04_10_00_00.1
printf 'jwt-v1' >k8s/..2026_12_04_10_00_00.1/JWT_SECRET
ln -s ..2026_12_04_10_00_00.1 k8s/..data_tmp && mv -T k8s/..data_tmp k8s/..data
ln -s ..data/JWT_SECRET k8s/JWT_SECRET
finish
ok "--wait: a kubelet ..data swap ends the wait" out_is "6"

# a problem time cannot fix: no wait at all
printf 'BROKEN LINE\n' >bad.env
e --wait 20 -f bad.env -r NOPE -- echo ran
ok "--wait: a bad env file is reported at once -> 78" rc 78
ok "--wait: ... without waiting" err_lacks "waiting"
# nothing missing: no line
rm -rf s; mkdir s; printf 'x' >s/K
e --wait 20 -d s -r K -- echo ran
ok "--wait: nothing missing, nothing said" test ! -s err
ok "--wait: ... and it runs" out_is "ran"

# manifest wait, and bad values
printf '[defaults]\nwait = 1\nrequire = NOPE\n' >w.ini
e -c w.ini -- echo ran
ok "manifest wait = 1: waited, then 78" err_is \
"envinit: waiting up to 1 s for: NOPE
envinit: NOPE: required but not set"
for bad in x -1 1.5 ''; do
	e --wait "$bad" -- true
	ok "--wait '$bad' -> 64" rc 64
done
ok "... saying what it expects" err_has "envinit: --wait: expects whole seconds"
