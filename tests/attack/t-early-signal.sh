# Attack (lost signal): a SIGTERM that reaches envinit as PID 1 while it
# still reads its sources. The kernel drops a signal PID 1 has no handler
# for, so it used to be lost and the service started anyway. pendexec
# makes it deterministic: it blocks SIGTERM, sends it to itself and execs
# envinit as PID 1 with the signal pending, exactly as if it had arrived
# during assembly. Nothing may start; envinit exits 143.
H=$ROOT/build/helpers
for mode in --exec --init; do
	rm -f ran
	ee unshare --pid --fork --mount-proc --kill-child "$H/pendexec" 15 "$EI" $mode \
		-- sh -c ': >ran; sleep 1'
	ok "PID 1 $mode: SIGTERM during assembly -> 143" rc 143
	ok "PID 1 $mode: the service never started" test ! -e ran
	ok "PID 1 $mode: saying why" \
		test "$(cat err)" = "envinit: signal 15 arrived while the environment was assembled: nothing started"
done
# SIGINT too: 128 + 2
ee unshare --pid --fork --mount-proc --kill-child "$H/pendexec" 2 "$EI" --init -- sh -c ': >ran'
ok "PID 1: SIGINT during assembly -> 130" rc 130
ok "... nothing started" test ! -e ran
# a signal that ends nothing (SIGCHLD) is not a reason to stop
ee unshare --pid --fork --mount-proc --kill-child "$H/pendexec" 17 "$EI" --init -- sh -c ': >ran'
ok "PID 1: a pending SIGCHLD -> the service runs" eval 'rc 0 && test -e ran'
