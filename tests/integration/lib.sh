#!/bin/sh
# Harness for the integration tests: sh lib.sh t-NAME.sh
#
# Runs in a fresh temporary directory. Provides:
#   e ARGS...          run the real envinit binary in a clean environment (PATH
#                      only); stdout -> out, stderr -> err, exit status -> $RC
#   ee VAR=v... $EI ARGS   the same with more inherited variables
#   ok "what" CMD...   one test: passes when CMD succeeds; prints the output on failure
#   rc N, out_has S, err_has S, out_lacks S, err_lacks S, file_has F S, file_lacks F S
#   leak_free S        S appears in none of out, err and the termination log
#   skip "what" "why"  a test that cannot run here: prints "skip - what (why)",
#                      the real cause, and is counted (tests/run.sh sums them)
#   $SHOWENV           static helper that prints its environment, one entry a line
# Ends with "ok N tests" or "FAILED N of M", then ", N skipped" if any were.
set -u
PASS=0 FAIL=0 SKIP=0 RC=0
T=$(pwd)
SHOWENV="$ROOT/build/helpers/showenv"
: >"$T/out"; : >"$T/err"
# the termination log exists, as Kubernetes makes it: envinit never creates it
: >"$T/termlog"

# Every run starts from a clean environment: PATH only, plus what ee adds.
ee() { env -i PATH=/usr/bin:/bin "$@" >"$T/out" 2>"$T/err" </dev/null; RC=$?; }
e() { ee "$ENVINIT" "$@"; }
EI=$ENVINIT
ok() {
	desc=$1; shift
	if "$@"; then PASS=$((PASS + 1)); return 0; fi
	FAIL=$((FAIL + 1))
	echo "not ok - $desc  [$*] (rc=$RC)"
	sed 's/^/    out| /' "$T/out" | head -n 15
	sed 's/^/    err| /' "$T/err" | head -n 15
	return 1
}
skip() { SKIP=$((SKIP + 1)); echo "skip - $1 ($2)"; }
rc() { [ "$RC" = "$1" ]; }
out_has() { grep -qF -- "$1" "$T/out"; }
err_has() { grep -qF -- "$1" "$T/err"; }
out_lacks() { ! grep -qF -- "$1" "$T/out"; }
err_lacks() { ! grep -qF -- "$1" "$T/err"; }
file_has() { grep -qF -- "$2" "$1"; }
file_lacks() { ! grep -qF -- "$2" "$1" 2>/dev/null; }
out_is() { printf '%s\n' "$1" | cmp -s - "$T/out"; }
leak_free() {
	! grep -qF -- "$1" "$T/out" "$T/err" && file_lacks "$T/termlog" "$1"
}
# The environment of the child, without the variables the test shell adds.
child_env() { grep -v '^argv\[' "$T/out" | sort; }
# child_of PID: the first child of PID, waiting for it to appear (5 s at most).
child_of() {
	i=0 c=""
	while [ -z "$c" ] && [ $i -lt 500 ]; do
		c=$(cut -d' ' -f1 /proc/"$1"/task/"$1"/children 2>/dev/null)
		[ -n "$c" ] || sleep 0.01
		i=$((i + 1))
	done
	echo "$c"
}

# start MODE ARGS...: envinit ($EI) ARGS in the background, stdout/stderr to
# out/err, killed after 30 s whatever happens; MODE is exec, init (--init, a
# subreaper) or init1 (PID 1 of a new pid namespace). $EPID is the pid a
# container runtime would signal; finish waits for it and sets $RC.
start() {
	m=$1; shift
	case $m in
	init1) env -i PATH=/usr/bin:/bin timeout -s KILL 30 unshare --kill-child \
		--pid --fork --mount-proc "$EI" "$@" >out 2>err </dev/null &
		BG=$!; EPID=$(child_of "$(child_of $BG)") ;;
	init) env -i PATH=/usr/bin:/bin timeout -s KILL 30 "$EI" --init "$@" \
		>out 2>err </dev/null &
		BG=$!; EPID=$(child_of $BG) ;;
	exec) env -i PATH=/usr/bin:/bin timeout -s KILL 30 "$EI" "$@" \
		>out 2>err </dev/null &
		BG=$!; EPID=$(child_of $BG) ;;
	esac
}
finish() { wait $BG; RC=$?; }

. "$1"

skipped=
[ "$SKIP" = 0 ] || skipped=", $SKIP skipped"
if [ "$FAIL" = 0 ]; then echo "ok $PASS tests$skipped"; else echo "FAILED $FAIL of $((PASS + FAIL))$skipped"; exit 1; fi
