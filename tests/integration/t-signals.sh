# Signal forwarding: every catchable signal reaches the child, in order,
# whether sent from outside (docker kill) or from inside the container to
# PID 1; SIGCHLD is not forwarded; -g reaches the whole process group;
# --rewrite. Modes as in t-init.sh: init1 (PID 1), init (--init, not PID
# 1), exec (no forwarding needed: the signal reaches the service itself).
H=$ROOT/build/helpers

# Every catchable signal but SIGCHLD, SIGUSR2 last (it makes sigrec exit).
SIGS="1 2 3 4 5 6 7 8 10 11 13 14 15 16 18 20 21 22 23 24 25 26 27 28 29 30 31"
SIGS="$SIGS 32 33 34 35 36 40 50 63 64 12"

# Wait until FILE has N lines (5 s at most).
lines() {
	i=0
	while [ "$(wc -l <"$1" 2>/dev/null || echo 0)" -lt "$2" ] && [ $i -lt 500 ]; do
		sleep 0.01
		i=$((i + 1))
	done
}
# The signal numbers recorded in FILE, on one line.
recorded() { sed -n 's/^\([0-9]*\) .*/\1/p' "$1" | tr '\n' ' ' | sed 's/ $//'; }

# state_is PID WANT: whether PID's one-letter state (R, S, T, ...)
# becomes WANT within 5 s.
state_is() {
	i=0
	while [ $i -lt 500 ]; do
		st=$(sed 's/.*) \(.\).*/\1/' /proc/"$1"/stat 2>/dev/null)
		[ "$st" = "$2" ] && return 0
		sleep 0.01
		i=$((i + 1))
	done
	return 1
}
# ---- from inside: kill(1, SIG) by a process of the container -------------
ee timeout 20 unshare --pid --fork --mount-proc "$EI" -- "$H/sigrec" -s
ok "init1: every signal sent to PID 1 from inside comes back to the child" rc 0
ok "init1: ... 61 of them, 32-34 and real-time included" test "$(wc -w <out)" = 61
ee timeout 20 "$EI" --init -- "$H/sigrec" -s
ok "init: the same when envinit is not PID 1" rc 0
ok "init: ... 61 of them" test "$(wc -w <out)" = 61

# ---- from outside, one at a time, in order -------------------------------
for m in init1 init exec; do
	rm -f rec
	start $m -- "$H/sigrec" rec 12
	lines rec 1
	n=1 want=""
	for s in $SIGS; do
		kill -s "$s" "$EPID" 2>/dev/null || kill -"$s" "$EPID"
		n=$((n + 1))
		lines rec $n
		want="$want $s"
		# not PID 1, a stop signal also stops envinit (see job control)
		case $m:$s in init:20|init:21|init:22)
			state_is "$EPID" T
			kill -CONT "$EPID"
			n=$((n + 1))
			lines rec $n
			want="$want 18" ;;
		esac
	done
	finish
	ok "$m: every signal arrives, in order" test "$(recorded rec)" = "$(echo $want)"
	ok "$m: sigrec exits 0 on USR2 and envinit passes it on" rc 0
	if [ $m != exec ]; then
		sender=$([ $m = init1 ] && echo 1 || echo "$EPID")
		ok "$m: each was sent by the supervisor" \
			test "$(sed -n '2,$s/^[0-9]* //p' rec | sort -u)" = "$sender"
	fi
done

# SIGCHLD is for the supervisor (it reaps); it is not forwarded.
for m in init1 init; do
	rm -f rec
	start $m -- "$H/sigrec" rec 12
	lines rec 1
	kill -CHLD "$EPID"
	kill -USR1 "$EPID"
	lines rec 2
	kill -USR2 "$EPID"
	finish
	ok "$m: SIGCHLD not forwarded" test "$(recorded rec)" = "10 12"
done

# ---- -g: the child's process group ---------------------------------------
# sigrec A 12 B: A is the main child, B a second recorder in its group.
for m in init1 init; do
	rm -f recA recB
	start $m -g -- "$H/sigrec" recA 12 recB
	lines recA 1; lines recB 1
	kill -USR1 "$EPID"; lines recA 2; lines recB 2
	kill -HUP "$EPID"; lines recA 3; lines recB 3
	# (B dies with A, maybe before it records the USR2 that ends A)
	ok "$m -g: the rest of the group gets them" test "$(recorded recB)" = "10 1"
	kill -USR2 "$EPID"
	finish
	ok "$m -g: so does the main child" test "$(recorded recA)" = "10 1 12"

	rm -f recA recB
	start $m -- "$H/sigrec" recA 12 recB
	lines recA 1; lines recB 1
	kill -USR1 "$EPID"; lines recA 2
	kill -USR2 "$EPID"
	finish
	ok "$m without -g: only the main child" test "$(recorded recA)" = "10 12"
	ok "$m without -g: not its group" test "$(recorded recB | cut -d' ' -f1)" != 10
done

# ---- --rewrite -----------------------------------------------------------
for m in init1 init; do
	rm -f rec
	start $m --rewrite TERM:QUIT --rewrite SIGUSR1:HUP --rewrite 2:28 -- "$H/sigrec" rec 12
	lines rec 1
	kill -TERM "$EPID"; lines rec 2
	kill -USR1 "$EPID"; lines rec 3
	kill -INT "$EPID"; lines rec 4
	kill -HUP "$EPID"; lines rec 5
	kill -USR2 "$EPID"
	finish
	ok "$m --rewrite: TERM->QUIT USR1->HUP INT->WINCH, others as sent" \
		test "$(recorded rec)" = "3 1 28 1 12"
done
# SIG:0 drops SIG (dumb-init's "ignore"): HUP never reaches the child.
for m in init1 init; do
	rm -f rec
	start $m --rewrite HUP:0 --rewrite SIGINT:0 -- "$H/sigrec" rec 12
	lines rec 1
	kill -HUP "$EPID"; kill -INT "$EPID"
	kill -USR1 "$EPID"; lines rec 2
	kill -USR2 "$EPID"
	finish
	ok "$m --rewrite HUP:0 INT:0: both dropped, others as sent" \
		test "$(recorded rec)" = "10 12"
done
e --rewrite TERM:0x -- true
ok "--rewrite TERM:0x -> 64" rc 64
ok "... and says what it expects" err_has "envinit: --rewrite: expects SIG:SIG with known signal names, e.g. TERM:QUIT, or SIG:0 to drop SIG"
e --rewrite TERM -- true
ok "--rewrite without a target -> 64" rc 64
e --rewrite TERM:NOPE -- true
ok "--rewrite with an unknown name -> 64" rc 64

# ---- a TERM to the service ends it: the docker stop path ----------------
start init1 -- sleep 30
sleep 0.1
kill -TERM "$EPID"
finish
ok "init1: docker stop (TERM to PID 1) ends a plain service -> 143" rc 143

# ---- job control --------------------------------------------------------
# Not PID 1: SIGTSTP is forwarded, then envinit stops itself (a shell's ^Z
# suspends the whole job); SIGCONT resumes both.
for sig in TSTP TTIN TTOU; do
	start init -- sleep 30
	CPID=$(child_of "$EPID")
	kill -$sig "$EPID"
	ok "init: SIG$sig stops the child" state_is "$CPID" T
	ok "init: ... and envinit itself" state_is "$EPID" T
	kill -CONT "$EPID"
	ok "init: SIGCONT resumes envinit" state_is "$EPID" S
	ok "init: ... and the child" state_is "$CPID" S
	kill -TERM "$EPID"
	finish
	ok "init: after SIG$sig and SIGCONT, TERM ends it -> 143" rc 143
done
# --rewrite TSTP:0 drops it: the child never sees it, envinit does not stop
rm -f rec
start init --rewrite TSTP:0 -- "$H/sigrec" rec 12
lines rec 1
kill -TSTP "$EPID"; kill -USR1 "$EPID"; lines rec 2
kill -USR2 "$EPID"
finish
ok "init --rewrite TSTP:0: dropped, and envinit keeps forwarding" \
	test "$(recorded rec)" = "10 12"
# As PID 1 only forward: nothing would resume a stopped init.
start init1 -- sleep 30
CPID=$(child_of "$EPID")
kill -TSTP "$EPID"
ok "init1: SIGTSTP stops the child" state_is "$CPID" T
ok "init1: ... but not envinit" state_is "$EPID" S
kill -CONT "$EPID"
ok "init1: SIGCONT resumes the child" state_is "$CPID" S
kill -TERM "$EPID"
finish
ok "init1: TERM ends it -> 143" rc 143
