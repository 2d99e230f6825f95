# Attack (--watch + --user escalation): the service runs as nobody under a
# root supervisor with --watch, and can write its own secrets directory.
# It plants links there to a root-only file and directory outside: a
# per-key link, then ..data. The supervisor re-reads the directory as
# root on the change; the root-only content must never reach a service.
# (The links are made by uid 65534 with setpriv, as the service would.)
H=$ROOT/build/helpers
C=CANARY-watchuser-d30a
[ "$(id -u)" = 0 ] || { echo "ok 0 tests"; exit 0; } # needs root and nobody

wait_for() {
	i=0
	while ! "$@"; do
		[ $i -ge 1000 ] && return 1
		sleep 0.01
		i=$((i + 1))
	done
}
# the service prints its environment on stdout (envinit's, our out file),
# one block per start
starts() { grep -c '^APP_TOKEN=' "$T/out" 2>/dev/null; }
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
# the supervisor reacted: refused the new set, or started a new child
# reacted N: the supervisor refused a new set N times, or restarted
reacted() { [ "$(grep -c 'the new environment fails the checks' "$T/err")" -ge "$1" ] || [ "$(starts)" != 1 ]; }

chmod 755 "$T"
mkdir rootonly && printf '%s' "$C" >rootonly/ROOT_SECRET && chmod 700 rootonly &&
	chmod 600 rootonly/ROOT_SECRET
for path in openat2 walk; do
	w=
	[ $path = walk ] && w=$H/noopenat2
	rm -rf s && mkdir s && printf 'mine' >s/APP_TOKEN && chown -R 65534:65534 s
	env -i PATH=/usr/bin:/bin timeout -s KILL 40 $w "$EI" --init --watch -u nobody \
		-d s -- sh -c 'env; exec sleep 60' >"$T/out" 2>"$T/err" </dev/null &
	BG=$!
	wait_for grep -q "^APP_TOKEN=" "$T/out"
	ok "$path: the service runs with its own secret" grep -qx 'APP_TOKEN=mine' "$T/out"

	# 1. a per-key link to the root-only file
	as_nobody ln -s ../rootonly/ROOT_SECRET s/STOLEN
	wait_for reacted 1
	ok "$path: per-key link: the supervisor refused the new set" \
		grep -qx "envinit: s/STOLEN: symbolic link is absolute or leads outside s" "$T/err"
	ok "$path: ... the service kept running, unchanged" test "$(starts)" = 1
	as_nobody rm s/STOLEN
	sleep 0.5 # the removal is read (nothing changed) before the next change

	# 2. ..data to the root-only directory, per-key link through it
	as_nobody ln -s ../rootonly s/..data
	as_nobody ln -s ..data/ROOT_SECRET s/ROOT_SECRET
	wait_for reacted 2
	ok "$path: ..data: the supervisor refused the new set" \
		grep -qx "envinit: s/..data: symbolic link is absolute or leads outside s" "$T/err"
	ok "$path: ... the service kept running" test "$(starts)" = 1

	kill -TERM "$(child_of $BG)" 2>/dev/null
	wait $BG
	ok "$path: no service ever got the root-only file" \
		test -z "$(grep -F -- "$C" "$T/out")"
	ok "$path: nor did envinit print it" test -z "$(grep -F -- "$C" "$T/err" "$T/out")"
done
