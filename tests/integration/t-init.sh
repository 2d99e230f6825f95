# Init mode basics, in every mode where they apply:
#   init1  envinit is PID 1 of a new pid namespace (default: init)
#   exec1  the same with --exec (the service itself is PID 1)
#   init   --init when not PID 1 (a child subreaper)
#   exec   not PID 1 (default: exec)
# Exit statuses, 128+N, LISTEN_PID, cwd, fds, the inherited signal mask
# and dispositions, idle wakeups, and what the supervisor keeps: nothing
# in /proc/<pid>/environ or in its memory, and not dumpable.
H=$ROOT/build/helpers
ulimit -c 0 # the 128+N tests kill shells with SIGQUIT, SIGABRT, SIGSEGV

# mode MODE ARGS...: run envinit ARGS in MODE (a timeout so nothing hangs)
mode() {
	m=$1; shift
	case $m in
	init1) ee timeout 20 unshare --pid --fork --mount-proc --kill-child "$EI" "$@" ;;
	exec1) ee timeout 20 unshare --pid --fork --mount-proc --kill-child "$EI" --exec "$@" ;;
	init) ee timeout 20 "$EI" --init "$@" ;;
	exec) ee timeout 20 "$EI" "$@" ;;
	esac
}
# The supervisor's pid as the child sees it.
SUP='$( [ $$ = 2 ] && echo 1 || echo $PPID )'

# ---- exit statuses -------------------------------------------------------
for m in init1 init; do
	bad=""
	n=0
	while [ $n -le 255 ]; do
		mode $m -- sh -c "exit $n"
		[ "$RC" = $n ] || bad="$bad $n->$RC"
		n=$((n + 1))
	done
	ok "$m: exit statuses 0-255 pass through${bad:+ (wrong:$bad)}" test -z "$bad"
done
for m in exec1 exec; do
	bad=""
	for n in 0 1 2 42 125 126 127 128 129 143 254 255; do
		mode $m -- sh -c "exit $n"
		[ "$RC" = $n ] || bad="$bad $n->$RC"
	done
	ok "$m: exit statuses pass through${bad:+ (wrong:$bad)}" test -z "$bad"
done

# A child killed by signal N: 128+N (SIGQUIT, SIGABRT, SIGSEGV dump core
# by default; ulimit -c 0 above keeps the directory clean).
for m in init1 init exec; do
	bad=""
	for n in 1 2 3 6 9 10 11 12 13 14 15; do
		mode $m -- sh -c "kill -$n \$\$; sleep 5"
		[ "$RC" = $((128 + n)) ] || bad="$bad $n->$RC"
	done
	ok "$m: killed by signal N -> 128+N${bad:+ (wrong:$bad)}" test -z "$bad"
done
# Why init mode exists: a PID 1 with no handler ignores SIGTERM from inside.
mode exec1 -- sh -c 'kill -TERM $$; exit 3'
ok "exec1: the service as PID 1 ignores its own SIGTERM" rc 3
mode init1 -- sh -c 'kill -TERM $$; exit 3'
ok "init1: the same service dies of it -> 143" rc 143

mode init1 -- no-such-command-x
ok "init1: command not found -> 127" rc 127
ok "init1: ... and says so" err_has "no-such-command-x: command not found"
printf 'echo hi\n' >noexec.sh && chmod 644 noexec.sh
mode init1 -- ./noexec.sh
ok "init1: not executable -> 126" rc 126
mode init -- no-such-command-x
ok "init: command not found -> 127" rc 127

# ---- LISTEN_PID ----------------------------------------------------------
mode init1 -- "$SHOWENV"
ok "init1: no LISTEN_PID invented" out_lacks "LISTEN_PID"
ee LISTEN_PID=1 LISTEN_FDS=1 timeout 20 unshare --pid --fork --mount-proc --kill-child "$EI" -- "$SHOWENV"
ok "init1: LISTEN_PID naming envinit becomes the child's" out_has "LISTEN_PID=2"
ok "init1: LISTEN_FDS untouched" out_has "LISTEN_FDS=1"
ee LISTEN_PID=1 timeout 20 unshare --pid --fork --mount-proc --kill-child "$EI" --exec -- "$SHOWENV"
ok "exec1: LISTEN_PID already right" out_has "LISTEN_PID=1"
ee LISTEN_PID=77 timeout 20 unshare --pid --fork --mount-proc --kill-child "$EI" -- "$SHOWENV"
ok "init1: another LISTEN_PID is left alone" out_has "LISTEN_PID=77"

# ---- cwd and fds ---------------------------------------------------------
for m in init1 init; do
	mode $m -- sh -c "pwd; readlink /proc/$SUP/cwd"
	ok "$m: the child keeps its cwd" test "$(sed -n 1p out)" = "$T"
	ok "$m: the supervisor sits in /" test "$(sed -n 2p out)" = "/"

	: >extra
	mode $m -- sh -c "ls -l /proc/\$\$/fd; echo --; ls -l /proc/$SUP/fd" 7>extra
	child=$(sed -n '/^--/q;p' out | grep -- '->')
	sup=$(sed -n '/^--/,$p' out | grep -- '->')
	ok "$m: the child inherits envinit's fds" \
		test "$(echo "$child" | awk '$(NF-2) == 7' | grep -c extra)" = 1
	ok "$m: ... but not the signalfd" test "$(echo "$child" | grep -c signalfd)" = 0
	ok "$m: the supervisor keeps 0, 1, 2 and one more fd" \
		test "$(echo "$sup" | awk '{print $(NF-2)}' | sort -n | head -3 | tr '\n' ' ')$(echo "$sup" | wc -l)" = "0 1 2 4"
	ok "$m: ... its signalfd" test "$(echo "$sup" | grep -c 'anon_inode:\[signalfd\]')" = 1
done
mode exec -- sh -c 'ls /proc/$$/fd' 7>extra
ok "exec: the service inherits envinit's fds" test "$(grep -cx 7 out)" = 1

# ---- the signal mask and dispositions envinit inherited ------------------
# Blocked: USR1 USR2 WINCH; ignored: HUP PIPE. The reference runs the same
# chain without envinit, so only envinit's effect is compared.
for m in init1 init exec; do
	case $m in
	init1) chain="unshare --pid --fork --mount-proc --kill-child" ;;
	*) chain="" ;;
	esac
	ee timeout 20 "$H/procinfo" --set 10,12,28 1,13 $chain "$H/procinfo"
	ref=$(grep -E '^sig(blk|ign)=' out)
	in_flag=""
	[ $m = init ] && in_flag=--init
	ee timeout 20 "$H/procinfo" --set 10,12,28 1,13 $chain "$EI" $in_flag -- "$H/procinfo"
	got=$(grep -E '^sig(blk|ign)=' out)
	ok "$m: the reference mask is not empty" test "$(echo "$ref" | grep -c '=0*$')" = 0
	ok "$m: the child gets the inherited mask and dispositions" test "$got" = "$ref"
done
# The same with nothing added: the supervisor blocks everything, the child
# must not, and gets no disposition the caller did not have (the reference
# is the same chain without envinit: a test runner may ignore some).
ee timeout 20 unshare --pid --fork --mount-proc --kill-child "$H/procinfo"
ref_ign=$(grep '^sigign=' out)
mode init1 -- "$H/procinfo"
ok "init1: an empty mask stays empty" out_has "sigblk=0000000000000000"
ok "init1: no disposition made up" out_has "$ref_ign"

# ---- never polls ---------------------------------------------------------
# The supervisor's context switches must not grow while the child sleeps
# (tini wakes every second; this would count 2 here).
for m in init1 init; do
	mode $m -- sh -c "p=$SUP; a=\$(grep ctxt /proc/\$p/status); sleep 2; b=\$(grep ctxt /proc/\$p/status); echo \$a; echo \$b"
	ok "$m: idle supervisor: zero wakeups in 2 s ($(sed -n 1p out | tr -s ' \t' ' ') -> $(sed -n 2p out | tr -s ' \t' ' '))" \
		test "$(sed -n 1p out)" = "$(sed -n 2p out)" -a -n "$(sed -n 1p out)"
done

# ---- what the supervisor keeps -------------------------------------------
# Canaries come from each kind of source, kept and stripped. The child
# gets the kept ones; the supervisor's /proc/<pid>/environ and its whole
# memory hold none. (The child's command line builds each canary at run
# time: envinit's own argv is not wiped and would hold a literal one.)
C=CANARY-5e1d
mkdir sec && printf '%s-SECDIR' "$C" >sec/DB_PASSWORD && chmod 600 sec/DB_PASSWORD
printf 'FILEKEPT=%s-FILE1\nFILEGONE=%s-FILE2\n' "$C" "$C" >a.env
for m in init1 init; do
	ee INHKEPT="$C-INH1" INHGONE="$C-INH2" timeout 20 \
		$([ $m = init1 ] && echo unshare --pid --fork --mount-proc --kill-child) \
		"$EI" $([ $m = init ] && echo --init) -f a.env -d sec -x 'FILEGONE,INHGONE' -- sh -c "
		echo child: \$DB_PASSWORD \$FILEKEPT \$INHKEPT
		echo stripped: \${FILEGONE:-none} \${INHGONE:-none}
		tr '\\0' '\\n' </proc/$SUP/environ | sed 's/^/environ: /'
		for c in SECDIR FILE1 FILE2 INH1 INH2; do $H/memscan $SUP $C-\$c; done"
	ok "$m: the child got the kept values" out_has "child: $C-SECDIR $C-FILE1 $C-INH1"
	ok "$m: the child did not get the stripped ones" out_has "stripped: none none"
	ok "$m: /proc/<supervisor>/environ is blank" \
		test "$(grep '^environ: ' out | grep -vc '^environ: $')" = 0
	ok "$m: (it was read)" test "$(grep -c '^environ: ' out)" -ge 1
	ok "$m: the supervisor's memory holds none of the 5 canaries" \
		test "$(grep -c '^0 copies in [1-9]' out)" = 5
done
ok "canaries not printed by envinit" err_lacks "$C"

# Not dumpable: a process of the same (unprivileged) uid cannot read the
# supervisor's environ, while the service, after its exec, is an ordinary
# dumpable process again (its child can read its environ).
chmod 755 "$T" && cp "$EI" ./envinit-copy # wherever the build tree lives
ee setpriv --reuid=65534 --regid=65534 --clear-groups timeout 20 ./envinit-copy --init -- \
	sh -c 'sh -c "cat /proc/\$PPID/environ >/dev/null 2>&1 && echo service-readable"
		cat /proc/$PPID/environ >/dev/null 2>&1 && echo readable || echo unreadable'
ok "init: the supervisor is not dumpable" out_has "unreadable"
ok "init: the service is dumpable as usual" out_has "service-readable"

# ---- --remap-exit ----------------------------------------------------------
for m in init1 init; do
	mode $m --remap-exit 143:0 -- sh -c 'kill -TERM $$; sleep 5'
	ok "$m --remap-exit 143:0: killed by TERM -> 0" rc 0
	mode $m --remap-exit 3:5 --remap-exit 4:6 -- sh -c 'exit 4'
	ok "$m --remap-exit 3:5 4:6: 4 -> 6" rc 6
	mode $m --remap-exit 3:5 -- sh -c 'exit 7'
	ok "$m --remap-exit 3:5: 7 stays 7" rc 7
	mode $m --remap-exit 1:0 --remap-exit 1:9 -- false
	ok "$m --remap-exit: the last pair for a status wins" rc 9
done
printf '[defaults]\nmode = init\nremap_exit = 143:0\n' >remap.ini
ee timeout 20 "$EI" -c remap.ini -- sh -c 'kill -TERM $$; sleep 5'
ok "manifest remap_exit = 143:0 -> 0" rc 0
for bad in 143 256:0 143:256 -1:0 x:0 143: :0 '1 :0'; do
	e --init --remap-exit "$bad" -- true
	ok "--remap-exit '$bad' -> 64" rc 64
done
ok "... saying what it expects" err_has "envinit: --remap-exit: expects FROM:TO, two exit statuses 0..255, e.g. 143:0"

# ---- leftovers with a /proc of another pid namespace ------------------------
# `unshare --pid --fork` without --mount-proc keeps the outer /proc: a walk
# of it from envinit's own pid would find strangers and miss the real
# leftovers. Outer namespace A (its own /proc): a bystander, child of A's
# pid 2. Inner namespace B (A's /proc): envinit as B's pid 2 (subreaper)
# or pid 1, and a daemon its service leaves behind. The bystander must
# survive and the daemon must be signalled, so envinit exits.
cat >foreign.sh <<'EOS'
cd "$1"
sh -c 'sleep 30 & echo $! >bystander; wait' &
while [ ! -s bystander ]; do :; done
if [ "$3" = init1 ]; then
	timeout 8 unshare --pid --fork "$2" -- sh -c 'sleep 30 & exit 7'
else
	timeout 8 unshare --pid --fork sh -c "$2 --init -- sh -c 'sleep 30 & exit 7'"
fi
echo "rc=$?"
kill -0 "$(cat bystander)" 2>/dev/null && echo "bystander alive"
kill "$(cat bystander)" 2>/dev/null
EOS
for m in init init1; do
	ee timeout 20 unshare --pid --fork --mount-proc sh foreign.sh "$PWD" "$EI" $m
	ok "$m, foreign /proc: the leftover is signalled, envinit exits; a stranger survives" \
		out_is "rc=7
bystander alive"
done
