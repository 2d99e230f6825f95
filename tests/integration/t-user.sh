# -u/--user: names from the container's /etc/passwd and /etc/group,
# numbers without them; groups, then gid, then uid; HOME; secrets read
# before the drop (a root-only file reaches a service that could never
# open it). Modes: exec, init (--init), init1 (PID 1), exec1.
H=$ROOT/build/helpers

mode() {
	m=$1; shift
	case $m in
	init1) ee timeout 20 unshare --pid --fork --mount-proc --kill-child "$EI" "$@" ;;
	exec1) ee timeout 20 unshare --pid --fork --mount-proc --kill-child "$EI" --exec "$@" ;;
	init) ee timeout 20 "$EI" --init "$@" ;;
	exec) ee timeout 20 "$EI" "$@" ;;
	esac
}
nobody_uid=$(id -u nobody)
nobody_gid=$(id -g nobody)
nobody_home=$(getent passwd nobody | cut -d: -f6)

# A root-only secret in a directory the service may list but not read.
C=CANARY-u53r
chmod 755 "$T"
mkdir sec && printf '%s' "$C" >sec/DB_PASSWORD
chmod 600 sec/DB_PASSWORD && chmod 755 sec
SHOW='echo uid=$(id -u) gid=$(id -g) groups=$(id -G); echo "pw=$DB_PASSWORD"; echo "home=$HOME"; cat sec/DB_PASSWORD >/dev/null 2>&1 && echo can-read || echo cannot-read'

for m in exec init init1 exec1; do
	mode $m -d sec -u nobody -- sh -c "$SHOW"
	ok "$m: -u nobody runs" rc 0
	ok "$m: as nobody" out_has "uid=$nobody_uid gid=$nobody_gid groups=$nobody_gid"
	ok "$m: the root-only secret was read before the drop" out_has "pw=$C"
	ok "$m: ... which the service itself cannot read" out_has "cannot-read"
	ok "$m: HOME is nobody's home" out_has "home=$nobody_home"
	ok "$m: the secret is not printed" err_lacks "$C"

	mode $m -d sec -u 4321:4322 -- sh -c "$SHOW"
	ok "$m: -u UID:GID with no passwd entry" out_has "uid=4321 gid=4322 groups=4322"
	ok "$m: ... HOME=/" out_has "home=/"
	ok "$m: ... still gets the secret" out_has "pw=$C"

	mode $m -u "$nobody_uid" -- sh -c "$SHOW"
	ok "$m: -u UID with a passwd entry takes its gid and home" \
		out_has "uid=$nobody_uid gid=$nobody_gid groups=$nobody_gid"
	ok "$m: ... home=$nobody_home" out_has "home=$nobody_home"
done

# HOME assembled (here inherited) is kept.
ee HOME=/custom timeout 20 "$EI" -u nobody -- sh -c 'echo "home=$HOME"'
ok "assembled HOME is kept" out_has "home=/custom"
printf 'HOME=/from/file\n' >h.env
e -f h.env -u nobody -- sh -c 'echo "home=$HOME"'
ok "HOME from an env file is kept" out_has "home=/from/file"

# Unknown names are configuration errors naming the user; nothing runs.
for m in exec init1; do
	rm -f ran
	mode $m -u no-such-user-x -- sh -c ': >ran'
	ok "$m: unknown user -> 78" rc 78
	ok "$m: ... names it" err_has "no-such-user-x: unknown user"
	ok "$m: ... and ran nothing" test ! -e ran
	mode $m -u nobody:no-such-group-x -- sh -c ': >ran'
	ok "$m: unknown group -> 78" rc 78
	ok "$m: ... names it" err_has "no-such-group-x: unknown group"
	ok "$m: ... and ran nothing" test ! -e ran
done
e -u nobody: -- true
ok "-u USER: -> 78, malformed" rc 78
ok "... says what is expected" err_has "USER[:GROUP]"
e -u no-such-user-x --termination-log termlog -- true
ok "unknown user goes to the termination log" file_has termlog "no-such-user-x: unknown user"

# Without the privilege to switch: a clear error, 78, in both modes.
cp "$EI" ./envinit-copy
for flag in --exec --init; do
	rm -f ran
	ee setpriv --reuid="$nobody_uid" --regid="$nobody_gid" --clear-groups \
		timeout 20 ./envinit-copy $flag -u 0 -- sh -c ': >ran'
	ok "$flag: cannot switch when unprivileged -> 78" rc 78
	ok "$flag: ... says which step failed" err_has "0: cannot switch to this user: setgroups"
	ok "$flag: ... and ran nothing" test ! -e ran
done

# ---- a root holding only the static binary and its /etc ------------------
# No NSS, no libc, no shell: envinit reads etc/passwd and etc/group itself.
mkroot() {
	mkdir -p "$1/etc" "$1/run/secrets"
	cp "$EI" "$1/envinit"
	cp "$H/procinfo" "$SHOWENV" "$1/"
	printf 'root:x:0:0:root:/root:/nonexistent\napp:x:1500:1500:app:/home/app:/nonexistent\n' >"$1/etc/passwd"
	printf '%s' "$C" >"$1/run/secrets/TOKEN"
	chmod 600 "$1/run/secrets/TOKEN"
}
mkroot r1 # passwd only
mkroot r2
printf 'app:x:1500:\nextra:x:2000:root,app\nother:x:2001:root\n' >r2/etc/group
mkroot r3 && rm r3/etc/passwd # numbers only

for m in init1 exec1; do
	flag=$([ $m = exec1 ] && echo --exec)
	ee timeout 20 unshare --pid --fork --kill-child --root=r1 /envinit $flag -u app -- /procinfo
	ok "$m, bare root: -u app with only /etc/passwd" out_has "uid=1500"
	ok "$m, bare root: ... gid from passwd" out_has "gid=1500"
	ok "$m, bare root: ... no supplementary groups" out_has "groups=1500"

	ee timeout 20 unshare --pid --fork --kill-child --root=r2 /envinit $flag -u app -- /procinfo
	ok "$m, bare root: /etc/group memberships" out_has "groups=1500,2000"
	ee timeout 20 unshare --pid --fork --kill-child --root=r2 /envinit $flag -u app:other -- /procinfo
	ok "$m, bare root: -u app:other" out_has "gid=2001"
	ok "$m, bare root: ... only that group" out_has "groups=2001"

	ee timeout 20 unshare --pid --fork --kill-child --root=r1 /envinit $flag -d /run/secrets -u app -- /showenv
	ok "$m, bare root: root-only secret reaches the service" out_has "TOKEN=$C"
	ok "$m, bare root: HOME from passwd" out_has "HOME=/home/app"

	ee timeout 20 unshare --pid --fork --kill-child --root=r3 /envinit $flag -u 1600:1601 -- /procinfo
	ok "$m, no /etc at all: numbers work" out_has "uid=1600"
	ok "$m, no /etc at all: ... gid" out_has "groups=1601"
	ee timeout 20 unshare --pid --fork --kill-child --root=r3 /envinit $flag -u app -- /procinfo
	ok "$m, no /etc at all: a name is an error -> 78" rc 78
	ok "$m, no /etc at all: ... saying why" err_has "app: unknown user: cannot read /etc/passwd"
done

# check resolves --user too: an unknown user fails before anything runs.
e check -u no-such-user-y
ok "check with an unknown user -> 78" rc 78
ok "check names the user" err_has "no-such-user-y"
e check -u 0
ok "check with a numeric user -> 0" rc 0
