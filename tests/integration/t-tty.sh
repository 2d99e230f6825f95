# The terminal (docker run -it): the child gets the foreground, so ^C and
# ^Z reach it straight from the terminal, and an interactive shell has job
# control. ptyrun runs the command as the leader of a new session on a
# pseudo-terminal, as a container runtime does. Modes: init1 (PID 1),
# init (--init), exec (not PID 1), exec1 (--exec as PID 1).
H=$ROOT/build/helpers

# pty MODE SCRIPT CMD...: envinit -- CMD on a new terminal, driven by SCRIPT
pty() {
	m=$1 s=$2; shift 2
	case $m in
	init1) ee "$H/ptyrun" 15 "$s" unshare --pid --fork --mount-proc --kill-child "$EI" -- "$@" ;;
	exec1) ee "$H/ptyrun" 15 "$s" unshare --pid --fork --mount-proc --kill-child "$EI" --exec -- "$@" ;;
	init) ee "$H/ptyrun" 15 "$s" "$EI" --init -- "$@" ;;
	exec) ee "$H/ptyrun" 15 "$s" "$EI" -- "$@" ;;
	esac
}
val() { tr -d '\r' <out | sed -n "s/^$1=//p"; }

# ---- the foreground process group ----------------------------------------
for m in init1 init exec1 exec; do
	pty $m /dev/null "$H/procinfo"
	ok "$m: runs on the terminal" rc 0
	ok "$m: the child's group is the terminal's foreground ($(val pgid) vs $(val fg))" \
		test -n "$(val fg)" -a "$(val fg)" = "$(val pgid)"
	if [ $m = init1 ] || [ $m = init ]; then
		ok "$m: ... in a group of its own" test "$(val pgid)" = "$(val pid)"
	fi
done

# Started in the background of an interactive session, envinit must not
# take the terminal from the shell.
pty exec /dev/null sh -c "set -m; '$EI' --init -- '$H/procinfo' & wait"
ok "background --init: runs" rc 0
ok "background --init: leaves the foreground alone ($(val pgid) vs $(val fg))" \
	test -n "$(val fg)" -a "$(val fg)" != "$(val pgid)"

# ---- ^C comes from the terminal, not through envinit ---------------------
# sigrec (in the child's group) records each signal with its sender: 0 is
# the kernel, i.e. the terminal's line discipline.
printf 'expect READY\nsend \\x03\n' >ctrl-c
for m in init1 init exec; do
	rm -f rec
	pty $m ctrl-c sh -c "'$H/sigrec' rec 2 & while ! [ -s rec ]; do sleep 0.01; done; echo READY; wait"
	ok "$m: ^C ends the service -> 130" rc 130
	# (exec: the shell was the session leader, so SIGHUP may come too)
	ok "$m: ... SIGINT sent by the terminal itself" grep -qx "2 0" rec
done

# ---- job control in an interactive shell ---------------------------------
# ^Z stops the foreground job and the shell gets its prompt back; this
# needs the shell to own the terminal's foreground. (dash may answer the
# first exit with "You have stopped jobs", hence the second.)
cat >jobs <<'EOF'
send echo JC-$((1+1))\n
expect JC-2
send sh -c "echo ZZ""ZZ; exec sleep 30"\n
expect ZZZZ
send \x1a
expect Stopped
send kill -KILL %1; echo KILLED-$((2+2))\n
expect KILLED-4
send exit 7\n
send exit 7\n
EOF
for m in init1 init exec1 exec; do
	pty $m jobs sh -i
	ok "$m: sh -i: ^Z stops the job" out_has "Stopped"
	ok "$m: ... the shell carries on" out_has "KILLED-4"
	ok "$m: ... with job control on" out_lacks "job control turned off"
	# (exec1: dash is then PID 1 and fails, exiting, to hand the terminal
	# back to a group outside its namespace; that is dash's business)
	[ $m = exec1 ] || ok "$m: ... and exits 7" rc 7
done

# ---- ^Z under an interactive shell, envinit not PID 1 ---------------------
# The terminal's ^Z stops the child's group, not envinit's: envinit must
# stop too, or the shell waits for a job that never stops. `fg` resumes
# both and gives the terminal back to the child.
printf 'expect ready\nsend \\x1a\nexpect stopped=\nsend hello\\n\nexpect got=hello\n' >jobs.script
pty exec jobs.script sh -c "set -m; '$EI' --init -- sh -c 'echo ready; read x; echo got=\$x'; echo stopped=\$?; fg; echo done=\$?"
ok "init under a shell: ^Z stops the job, fg resumes it" rc 0
ok "init under a shell: the shell saw it stop (status 128+SIGSTOP)" \
	test "$(tr -d '\r' <out | sed -n 's/.*stopped=//p')" = 147
ok "init under a shell: after fg the child reads the terminal, the job ends 0" \
	test "$(tr -d '\r' <out | sed -n 's/^got=//p'):$(tr -d '\r' <out | sed -n 's/^done=//p')" = "hello:0"
