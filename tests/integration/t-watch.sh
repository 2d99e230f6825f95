# --watch: secret rotation without an operator. The service is envdump,
# which writes its environment to OUT/PID.env when it starts and then
# waits; OUT/latest names the child running now. Sources live in
# directories of their own (never the output's: a secrets dir counts every
# entry). Kubernetes' two update orders are replayed on real directories.
# Every wait polls a file, 10 s at most.
H=$ROOT/build/helpers
C=CANARY-77e2 # in secret values: must never be printed

# wait_for CMD...: until CMD succeeds, 10 s at most.
wait_for() {
	i=0
	while ! "$@"; do
		[ $i -ge 1000 ] && return 1
		sleep 0.01
		i=$((i + 1))
	done
}
ms() { echo $(($(date +%s%N) / 1000000)); }
latest() { cat "$O/latest" 2>/dev/null; }
moved_on() { [ -s "$O/latest" ] && [ "$(latest)" != "$1" ]; }
# The environment of the running child (or of child $1).
dump() { cat "$O/${1:-$(latest)}.env"; }
has() { dump | grep -qx -- "$1"; }
err_wait() { wait_for grep -qF -- "$1" "$T/err"; }
# err_count STR N: until STR is on N lines of err.
err_ge() { [ "$(grep -cF -- "$1" "$T/err")" -ge "$2" ]; }
err_count() { wait_for err_ge "$1" "$2"; }
# lines_ge FILE N: FILE has N lines or more.
lines_ge() { [ "$(cat "$1" 2>/dev/null | wc -l)" -ge "$2" ]; }

# start NAME [--pid1] ARGS...: envinit ARGS -- envdump OUT in the
# background, OUT being $T/NAME.out; waits for the first child. $EPID is
# envinit's pid, $P1 the first child's, $BG what to wait for.
start() {
	O=$T/$1.out
	rm -rf "$O" && mkdir "$O"
	shift
	if [ "$1" = --pid1 ]; then
		shift
		env -i PATH=/usr/bin:/bin INHERITED="$C-inh" timeout -s KILL 40 \
			unshare --pid --fork --mount-proc --kill-child \
			"$EI" "$@" "$O" >"$T/out" 2>"$T/err" </dev/null &
		BG=$!
		EPID=$(child_of "$(child_of $BG)")
	else
		env -i PATH=/usr/bin:/bin INHERITED="$C-inh" timeout -s KILL 40 \
			"$EI" --init "$@" "$O" >"$T/out" 2>"$T/err" </dev/null &
		BG=$!
		EPID=$(child_of $BG)
	fi
	wait_for test -s "$O/latest"
	P1=$(latest)
}
# Whatever happened (a failed test, envinit killed by timeout), no
# service of ours may outlive the script: every pid that wrote a dump
# here, checked to be our envdump, is killed.
cleanup() {
	for f in "$T"/*.out/*.env; do
		[ -e "$f" ] || continue
		p=${f##*/} p=${p%.env}
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF "envdump" &&
			grep -qF "$T/" "/proc/$p/cmdline" 2>/dev/null && kill -KILL "$p" 2>/dev/null
	done
	return 0
}
stop() {
	kill -TERM "$EPID" 2>/dev/null
	wait $BG
	RC=$?
}
finish() { wait $BG; RC=$?; }

# ---- kubelet's atomic writer, replayed --------------------------------------
KN=0
# kube_data DIR KEY=VALUE...: the new timestamped directory and ..data_tmp.
kube_data() {
	KN=$((KN + 1))
	kd=$1 kts=..2026_11_23_10_00_00.$KN
	shift
	mkdir "$kd/$kts"
	for kv; do printf '%s\n' "${kv#*=}" >"$kd/$kts/${kv%%=*}"; done
	ln -s "$kts" "$kd/..data_tmp"
}
kube_swap() { mv -T "$kd/..data_tmp" "$kd/..data"; }
kube_add_links() { # the per-key links for what ..data holds
	for f in "$kd"/..data/*; do
		[ -e "$f" ] || continue
		[ -L "$kd/${f##*/}" ] || ln -s "..data/${f##*/}" "$kd/${f##*/}"
	done
}
kube_rm_links() { # links of keys gone from ..data
	for l in "$kd"/*; do
		[ -L "$l" ] && [ ! -e "$l" ] && rm -f "$l"
	done
	[ -z "$kold" ] || rm -rf "${kd:?}/$kold"
}
# Today's order: the swap, then links added, then stale ones removed.
kube_new() {
	kold=$(readlink "$1/..data" 2>/dev/null)
	kube_data "$@"
	kube_swap
	kube_add_links
	kube_rm_links
}
# Older kubelets: the new links first (dangling until the swap), the swap,
# then the stale links and the old directory removed.
kube_old() {
	kold=$(readlink "$1/..data" 2>/dev/null)
	kube_data "$@"
	shift
	for kv; do [ -L "$kd/${kv%%=*}" ] || ln -s "..data/${kv%%=*}" "$kd/${kv%%=*}"; done
	kube_swap
	kube_rm_links
}

# ---- where --watch is refused ---------------------------------------------
printf 'A=1\n' >plain.env
e --watch --exec -f plain.env -- true
ok "--watch with --exec: usage error" rc 64
ok "... saying why" err_has "envinit: --watch: needs init mode"
e --watch -f plain.env -- true
ok "--watch when not PID 1 (exec by default): usage error" rc 64
printf '[defaults]\nwatch = restart\nmode = exec\n' >exec.ini
e -c exec.ini -f plain.env -- true
ok "watch from the manifest in exec mode: configuration error" rc 78
ok "... naming the manifest" err_has "(exec.ini)"
e check --watch -f plain.env
ok "check ignores --watch" rc 0

# ---- kubelet, today's order, envinit as PID 1 ------------------------------
mkdir k8s
kube_new k8s KEY1=v1 KEY2=v1 TOKEN="$C-v1"
start new --pid1 --watch -d k8s -r KEY1,KEY2 -- "$H/envdump"
ok "pid1: the first child runs with v1" has KEY1=v1
t0=$(ms)
kube_new k8s KEY1=v2 KEY2=v2 TOKEN="$C-v2"
wait_for moved_on "$P1"
lat_new=$(($(ms) - t0))
ok "pid1, today's order: a new child with v2 (${lat_new} ms)" has KEY1=v2
ok "... all of v2" has KEY2=v2
ok "... the secret too" has "TOKEN=$C-v2"
err_wait "watch: restarting"
ok "the change is logged by key name" err_has "envinit: watch: changed: KEY1 KEY2 TOKEN"
ok "... and the action" err_has "envinit: watch: restarting the service"
"$H/memscan" "$EPID" "$C-v" >memscan.out
ok "pid1: no copy of the old or new secret in the supervisor ($(cat memscan.out))" grep -q "^0 copies in [1-9]" memscan.out
stop
ok "pid1: stops as usual afterwards" rc 0
ok "no value in the log" leak_free "$C"
ok "exactly one restart" test "$(ls "$O"/*.env | wc -l)" = 2

# ---- kubelet, the older order; keys added and removed; a failed check -----
rm -rf k8s && mkdir k8s
kube_old k8s KEY1=o1 KEY2=o1 TOKEN="$C-o1"
start old --watch -d k8s -r KEY1,KEY2 -- "$H/envdump"
ok "init: the first child runs with o1" has KEY1=o1
t0=$(ms)
kube_old k8s KEY1=o2 KEY2=o2 KEY3=o2
wait_for moved_on "$P1"
lat_old=$(($(ms) - t0))
ok "older order: a new child with o2 (${lat_old} ms)" has KEY1=o2
ok "... KEY3 added" has KEY3=o2
ok "... TOKEN gone" test "$(dump | grep -c '^TOKEN=')" = 0
err_wait "removed: TOKEN"
ok "logged: changed, added, removed" err_has "watch: changed: KEY1 KEY2; added: KEY3; removed: TOKEN"
ok "the old child was stopped" wait_for sh -c "! kill -0 $P1 2>/dev/null"
P2=$(latest)

# a rotation that removes a required key: reported, the child kept
kube_new k8s KEY2=o3 KEY3=o3
err_wait "fails the checks"
ok "a rotation without KEY1 names it" err_has "envinit: KEY1: required but not set"
ok "... says the service keeps its environment" \
	err_has "watch: the new environment fails the checks; the service keeps running with the one it has"
ok "... the same child runs on" test "$(latest)" = "$P2"
ok "... still alive" kill -0 "$P2"
ok "... still with o2" has KEY1=o2
kube_new k8s KEY1=o4 KEY2=o4
wait_for moved_on "$P2"
ok "the next good rotation restarts it" has KEY2=o4

# ---- 100 rapid swaps -------------------------------------------------------
# Each set is consistent (KEY1 = KEY2 = sN); a short pause every 20 swaps
# lets a few restarts happen in the middle of the stream.
n=1
t_swaps=$(ms)
while [ $n -le 100 ]; do
	if [ $((n % 2)) = 0 ]; then kube_new k8s KEY1=s$n KEY2=s$n; else kube_old k8s KEY1=s$n KEY2=s$n; fi
	[ $((n % 20)) = 0 ] && [ $n -lt 100 ] && sleep 0.3
	n=$((n + 1))
done
t_swaps=$(($(ms) - t_swaps))
wait_for has KEY1=s100
ok "100 swaps ($t_swaps ms): the child ends on the latest set" has KEY2=s100
torn=0 dumps=0
for f in "$O"/*.env; do
	dumps=$((dumps + 1))
	[ "$(sed -n 's/^KEY1=//p' "$f")" = "$(sed -n 's/^KEY2=//p' "$f")" ] || torn=$((torn + 1))
done
ok "no child ever saw a torn set ($dumps children, $torn torn)" test $torn = 0
ok "... restarts happened during the stream" test $dumps -ge 6
ok "only one service runs" test "$(for f in "$O"/*.env; do p=${f##*/}; kill -0 "${p%.env}" 2>/dev/null && echo x; done | wc -l)" = 1
stop
ok "rapid swaps: a clean stop" rc 0
ok "no value in the log" leak_free "$C"

# ---- env files: rename over, edit in place, unrelated files ----------------
mkdir cfg pw
printf 'MODE=one\nDB_PASSWORD_FILE=pw/db\n' >cfg/app.env
printf '%s-db1\n' "$C" >pw/db
: >extra
start envfile -v --watch -r DB_PASSWORD -f cfg/app.env -- "$H/envdump" 7>extra
ok "env file: first child" has MODE=one
err_wait "the environment did not" # the check made once the watches are set
printf 'MODE=two\nDB_PASSWORD_FILE=pw/db\n' >cfg/.app.env.new
t0=$(ms)
mv cfg/.app.env.new cfg/app.env
wait_for moved_on "$P1"
lat_mv=$(($(ms) - t0))
ok "an env file replaced by rename: new child (${lat_mv} ms)" has MODE=two
err_wait "changed: MODE"
ok "... logged" err_has "envinit: watch: changed: MODE"
P2=$(latest)
ok "the restarted child starts in envinit's working directory" grep -qx "cwd=$T" "$O/$P2.info"
ok "... in its own process group" grep -qx "pgid=$P2" "$O/$P2.info"
ok "... with the same signal mask" test "$(grep sigblk= "$O/$P2.info")" = "$(grep sigblk= "$O/$P1.info")"
ok "... and envinit's inherited fds (7 here)" test "$(grep fds= "$O/$P2.info")" = "$(grep fds= "$O/$P1.info")"
ok "... (7 is one of them)" grep -q "fds=\(.*,\)*7\(,.*\)*$" "$O/$P2.info"

echo noise >cfg/other.txt
printf 'MODE=two\nDB_PASSWORD_FILE=pw/db\n' >cfg/app.env # same content, in place
err_count "the environment did not" 2
ok "the same content again: read, nothing done" test "$(latest)" = "$P2"
ok "... another file of the directory did not count" \
	test "$(grep -c 'the environment did not' "$T/err")" = 2 # the start check + this

printf '%s-db2\n' "$C" >pw/db
wait_for moved_on "$P2"
ok "a KEY_FILE target rewritten: new child" has "DB_PASSWORD=$C-db2"
err_wait "changed: DB_PASSWORD"
ok "... logged by name" err_has "envinit: watch: changed: DB_PASSWORD"
P3=$(latest)
ok "the supervisor's environ is blank" test -z "$(tr -d '\0' </proc/"$EPID"/environ)"
"$H/memscan" "$EPID" "$C-db" >memscan.out
ok "no copy of a file's value in the supervisor's memory ($(cat memscan.out))" grep -q "^0 copies in [1-9]" memscan.out
"$H/memscan" "$EPID" "$C-inh" >memscan.out
ok "no readable copy of an inherited one ($(cat memscan.out))" grep -q "^0 copies in [1-9]" memscan.out
ok "the restarted child still gets the inherited environment" has "INHERITED=$C-inh"
stop
ok "no value in the log" leak_free "$C"

# ---- the manifest --------------------------------------------------------
mkdir man
printf 'A=1\nB=2\n' >man/app.env
printf '[service app]\nenv_file = app.env\nrequire = A\n' >man/m.ini
start manifest --watch -c man/m.ini -s app -- "$H/envdump"
ok "manifest: B stripped at first" test "$(dump | grep -c '^B=')" = 0
printf '[service app]\nenv_file = app.env\nrequire = A\nallow = B\n' >man/.m.new
mv man/.m.new man/m.ini
wait_for moved_on "$P1"
ok "a manifest change is applied: B allowed" has B=2
err_wait "added: B"
ok "... logged" err_has "envinit: watch: added: B"
stop

# ---- signal:HUP, exit, --grace -------------------------------------------
mkdir s
printf 'v1\n' >s/K
start sig -v --watch=signal:HUP -d s -- "$H/envdump"
err_wait "the environment did not" # the start check
printf 'v2\n' >s/K
wait_for test -s "$O/$P1.sig"
ok "signal:HUP: the child gets SIGHUP" test "$(cat "$O/$P1.sig")" = 1
err_wait "sending signal"
ok "... logged" err_has "envinit: watch: sending signal HUP to the service"
ok "... and is not restarted" test "$(latest)" = "$P1"
ok "... (its environment cannot change)" has K=v1
printf 'v2\n' >s/K # the same set as last signalled: nothing
err_count "the environment did not" 2
ok "signal: compared with the set last signalled" test "$(wc -l <"$O/$P1.sig")" = 1
printf 'v3\n' >s/K
wait_for lines_ge "$O/$P1.sig" 2
ok "... a new change, a new signal" test "$(wc -l <"$O/$P1.sig")" = 2
stop

start exit --watch=exit -d s -- "$H/envdump"
printf 'v4\n' >s/K
finish
ok "exit: envinit exits 75 so the container is restarted" rc 75
ok "... saying so" err_has "envinit exits with status 75"
ok "... the child was stopped" test "$(kill -0 "$P1" 2>/dev/null && echo alive)" = ""
ok "... and not restarted" test "$(latest)" = "$P1"

start grace --watch --grace 1 -d s -- "$H/envdump" -i
t0=$(ms)
printf 'v5\n' >s/K
wait_for moved_on "$P1"
dt=$(($(ms) - t0))
ok "a child ignoring SIGTERM is killed after --grace 1 ($dt ms)" test $dt -ge 1000 -a $dt -lt 4000
ok "... and the new one has v5" has K=v5
P2=$(latest)
# SIGTERM from the orchestrator during a restart: stop, start nothing new
printf 'v6\n' >s/K
err_count "restarting the service" 2
kill -TERM "$EPID"
finish
ok "SIGTERM during a restart: no new child" test "$(latest)" = "$P2"
ok "... envinit exits with the child's status (SIGKILL after the grace)" rc 137

# SIGTERM while the service runs (docker stop; this one ignores it): a
# change during its shutdown starts nothing either (--grace 0: a restart
# would be immediate)
start stopping --watch --grace 0 -d s -- "$H/envdump" -i
kill -TERM "$EPID"
wait_for test -s "$O/$P1.sig"
ok "SIGTERM is forwarded as usual" test "$(cat "$O/$P1.sig")" = 15
printf 'v7\n' >s/K
sleep 0.6 # WATCH_DEBOUNCE_MS and then some: nothing may happen
ok "a change once stopping: no restart" test "$(latest)" = "$P1"
kill -KILL "$P1"
finish
ok "... envinit exits with the child's status" rc 137
ok "... and started nothing meanwhile" test "$(latest)" = "$P1"

# ---- a change in the middle of a read -------------------------------------
# KEY1 in a big env file (slow to read: most of a second), KEY2 in a
# secrets dir. A read is started (chmod), and both are changed while it
# reads the env file: it read the old KEY1 and would read the new KEY2.
# That set must be dropped and read again, never given to a child.
mkdir slow slowsec
awk 'BEGIN { print "KEY1=a"; for (i = 0; i < 300000; i++) printf "FILLER_%d=%0100d\n", i, 0 }' >slow/big.env
sed 's/^KEY1=a$/KEY1=b/' slow/big.env >slow/.big.new
printf 'a\n' >slowsec/KEY2
t0=$(ms)
start slow -v --watch -f slow/big.env -d slowsec -a 'KEY*' -- "$H/envdump"
read_ms=$(($(ms) - t0))
err_wait "the environment did not" # the start check is over
chmod 600 slowsec/KEY2 # no change of value, but a read WATCH_DEBOUNCE_MS later
sleep "$(awk "BEGIN { print (250 + $read_ms / 2) / 1000 }")"
mv slow/.big.new slow/big.env
printf 'b\n' >slowsec/KEY2
wait_for has KEY1=b
ok "a change in the middle of a read ($read_ms ms a read): the child ends on b" has KEY2=b
ok "... the mixed read was dropped" err_has "a source changed while it was read"
torn=0
for f in "$O"/*.env; do
	[ "$(sed -n 's/^KEY1=//p' "$f")" = "$(sed -n 's/^KEY2=//p' "$f")" ] || torn=$((torn + 1))
done
ok "... no child got a mixed set" test $torn = 0
stop
rm -rf slow

# ---- idle: no wakeups, no CPU --------------------------------------------
mkdir idle
printf 'x\n' >idle/K
start idle --watch -d idle -f cfg/app.env -- "$H/envdump"
sleep 0.5 # the start check, WATCH_DEBOUNCE_MS after the start, is over
cpu() { awk '{ print $14 + $15 }' /proc/"$EPID"/stat; }
ctx() { grep voluntary_ctxt_switches /proc/"$EPID"/status | head -1 | tr -dc 0-9; }
c0=$(cpu) x0=$(ctx)
sleep 3
c1=$(cpu) x1=$(ctx)
ok "idle supervisor: no CPU in 3 s (utime+stime $c0 -> $c1 ticks)" test "$c0" = "$c1"
ok "idle supervisor: no wakeup in 3 s (voluntary switches $x0 -> $x1)" test "$x0" = "$x1" -a -n "$x0"
stop

cleanup
echo "# rotation latency (change -> new child running): kubelet today ${lat_new} ms, older ${lat_old} ms, env file rename ${lat_mv} ms"
