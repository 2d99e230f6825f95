# Reaping and shutdown: orphans are reaped, a main child and an orphan
# exiting together never hang us, and when the main child exits whatever
# is left gets SIGTERM, then SIGKILL after --grace. Modes: init1 (PID 1 of
# a pid namespace) and init (--init, not PID 1: a child subreaper).
H=$ROOT/build/helpers

mode() {
	m=$1; shift
	case $m in
	init1) ee timeout 30 unshare --pid --fork --mount-proc --kill-child "$EI" "$@" ;;
	exec1) ee timeout 30 unshare --pid --fork --mount-proc --kill-child "$EI" --exec "$@" ;;
	init) ee timeout 30 "$EI" --init "$@" ;;
	esac
}
ms() { echo $(($(date +%s%N) / 1000000)); }

# ---- orphans -------------------------------------------------------------
# spawn makes 1,000 orphans (half re-parented as zombies, half alive) and
# waits until the reaper has no child left but itself; the live ones
# check they were re-parented to envinit.
for m in init1 init; do
	mode $m -- "$H/spawn" orphans 1000
	ok "$m: 1,000 orphans reaped ($(cat out))" rc 0
	ok "$m: ... all of them" out_has "reaped 1000 in"
done
# The control: with --exec, the service is PID 1 and reaps nothing.
mode exec1 -- "$H/spawn" orphans 10
ok "exec1 (control): orphans are not reaped by a plain service" rc 1

# ---- the main child and an orphan exit at the same moment ----------------
for m in init1 init; do
	bad=0 runs=200
	[ $m = init ] && runs=100
	i=0
	while [ $i -lt $runs ] && [ $bad -lt 3 ]; do # (a broken build hangs: stop early)
		case $m in
		init1) ee timeout 5 unshare --pid --fork --mount-proc --kill-child "$EI" -- "$H/spawn" race 3 ;;
		init) ee timeout 5 "$EI" --init -- "$H/spawn" race 3 ;;
		esac
		[ "$RC" = 3 ] || bad=$((bad + 1))
		i=$((i + 1))
	done
	ok "$m: simultaneous exit x$runs: no hang, status kept ($bad bad)" test $bad = 0
done

# ---- shutdown ------------------------------------------------------------
# The main child starts a recorder that survives it (sigrec blocks
# SIGTERM: it records it and lives on), waits until it is ready, exits 5.
leave() { # leave EXIT_SIG: the child command, as sh -c text
	echo "echo sup=\$PPID; $H/sigrec left $1 & while ! [ -s left ]; do sleep 0.01; done; exit 5"
}
for m in init1 init; do
	rm -f left
	t0=$(ms)
	mode $m --grace 1 -- sh -c "$(leave 0)"
	dt=$(($(ms) - t0))
	ok "$m: the main child's status once everything is gone" rc 5
	ok "$m: the leftover got SIGTERM then SIGCONT" test "$(sed -n '2,3s/ .*//p' left | tr '\n' ' ')" = "15 18 "
	ok "$m: ... from the supervisor" test "$(sed -n '2s/^15 //p' left)" = "$(sed -n 's/^sup=//p' out)"
	ok "$m: SIGKILL after the 1 s grace, not before ($dt ms)" test $dt -ge 1000 -a $dt -lt 5000
	if [ $m = init ]; then # (in init1 the namespace is gone with it)
		pid=$(sed -n 's/^ready //p' left)
		ok "$m: the leftover is gone" test -n "$pid" -a ! -e "/proc/$pid/stat"
	fi

	# A leftover that obeys SIGTERM: no waiting for the grace period.
	rm -f left
	t0=$(ms)
	mode $m -- sh -c "$(leave 15)"
	dt=$(($(ms) - t0))
	ok "$m: a leftover that exits on SIGTERM ends the wait at once ($dt ms)" test $dt -lt 3000
	ok "$m: ... status 5" rc 5
	ok "$m: ... it did get SIGTERM" test "$(sed -n '2s/ .*//p' left)" = 15

	# --grace 0: SIGKILL right after SIGTERM.
	rm -f left
	t0=$(ms)
	mode $m --grace 0 -- sh -c "$(leave 0)"
	dt=$(($(ms) - t0))
	ok "$m: --grace 0 kills at once ($dt ms)" test $dt -lt 1000
	ok "$m: ... status 5" rc 5

	# A descendant whose own parent is still alive is reached too (as a
	# subreaper we walk /proc for descendants; PID 1 uses kill(-1)).
	rm -f left
	mode $m --grace 1 -- sh -c "sh -c '$H/sigrec left 15; sleep 30' & while ! [ -s left ]; do sleep 0.01; done; exit 6"
	ok "$m: a grandchild gets SIGTERM too" test "$(sed -n '2s/ .*//p' left)" = 15
	ok "$m: ... status 6" rc 6
done

# Nothing left: no waiting at all, even with the default 10 s grace.
t0=$(ms)
mode init1 -- sh -c 'exit 4'
dt=$(($(ms) - t0))
ok "init1: nothing left -> exits at once ($dt ms)" test $dt -lt 1000
ok "init1: ... status 4" rc 4

# As a subreaper, only our own descendants are signalled: a process of
# the test (not ours) survives the shutdown.
sleep 30 &
bystander=$!
mode init --grace 0 -- sh -c 'exit 0'
ok "init: processes that are not ours are left alone" kill -0 $bystander
kill $bystander
