#!/bin/sh
# Run the unit-test binaries given as arguments, then every integration
# script tests/integration/t-*.sh, and print one closing line
# "N passed, N failed, N skipped" (a skipped test names its cause where it
# is skipped). Exit non-zero when anything failed.
#   --unit-only / --integration-only   run just one half
#   --valgrind-only                    just the valgrind pass (see below)
mode=all
case "$1" in
--unit-only) mode=unit; shift ;;
--integration-only) mode=integration; shift ;;
--valgrind-only) mode=valgrind; shift ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
passed=0 failed=0 skipped=0 failures=""

if [ "$mode" = all ] || [ "$mode" = unit ]; then
	for t in "$@"; do
		out=$("$t" 2>&1); rc=$?
		n=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p')
		f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p')
		passed=$((passed + ${n:-0}))
		if [ "$rc" != 0 ] || [ -n "$f" ]; then
			printf '%s\n' "$out"
			failed=$((failed + ${f:-1}))
			failures="$failures $(basename "$t")"
		else
			echo "unit $(basename "$t"): ${n:-0} passed"
		fi
	done
fi

# Run the integration scripts given, with $ENVINIT as the binary; LABEL
# starts each result line.
integration() {
	label=$1; shift
	for t in "$@"; do
		[ -f "$t" ] || continue
		name=$(basename "$t" .sh)
		log=$(mktemp)
		if (cd "$(mktemp -d)" && sh "$here/integration/lib.sh" "$t") >"$log" 2>&1; then
			n=$(sed -n 's/^ok \([0-9]*\) tests\(, [0-9]* skipped\)*$/\1/p' "$log" | tail -n 1)
			passed=$((passed + ${n:-1}))
			s=$(sed -n 's/^ok [0-9]* tests, \([0-9]*\) skipped$/\1/p' "$log" | tail -n 1)
			skipped=$((skipped + ${s:-0}))
			if [ -n "$s" ]; then
				grep '^skip - ' "$log"
				echo "$label $name: ${n:-1} passed, $s skipped"
			else
				echo "$label $name: ${n:-1} passed"
			fi
		else
			cat "$log"
			n=$(sed -n 's/^FAILED \([0-9]*\) of.*/\1/p' "$log" | tail -n 1)
			failed=$((failed + ${n:-1}))
			s=$(sed -n 's/^FAILED .*, \([0-9]*\) skipped$/\1/p' "$log" | tail -n 1)
			skipped=$((skipped + ${s:-0}))
			failures="$failures $label:$name"
		fi
		rm -f "$log"
	done
}

export ENVINIT="${ENVINIT:-$root/build/envinit}"
export FIXTURES="$here/fixtures" ROOT="$root"
if [ "$mode" = all ] || [ "$mode" = integration ]; then
	integration integration "$here"/integration/t-*.sh
	# attacks on envinit's promises, each shown to fail on older code
	integration attack "$here"/attack/t-*.sh
fi

# The valgrind pass: these integration tests once more with envinit under
# memcheck. Left out: the tests of PID-1 behaviour, timing, signals, ttys,
# users, fds, file watching and /proc of the envinit process (t-init,
# t-signals, t-reap, t-tty, t-user, t-watch), which valgrind's own process,
# fds and slowness change;
# the ones about the static binary itself (t-docker, t-scratch,
# t-examples); and t-precedence, which compares the child's environment
# byte for byte: valgrind puts LD_PRELOAD in envinit's environment, so an
# empty LD_PRELOAD= reaches the child. Debian's valgrind script also adds
# LD_LIBRARY_PATH and GLIBCXX_FORCE_NEW, so valgrind.bin is run directly
# when it is there. The binary is build/vg/envinit, the same sources
# linked dynamically against glibc: memcheck cannot replace the malloc of
# a static binary, so under build/envinit it would miss every heap error.
# Any error memcheck reports (in a log per process) fails the pass,
# whatever the test itself concluded.
VG_TESTS="bad-input cli hygiene limits manifest policy print seal secrets"
if [ "$mode" = all ] || [ "$mode" = valgrind ]; then
	vgbin="$root/build/vg/envinit"
	valgrind=$(command -v valgrind.bin || command -v valgrind)
	if [ -z "$valgrind" ] || [ ! -x "$vgbin" ]; then
		echo "valgrind: needs valgrind and $vgbin (make test builds it)"
		failed=$((failed + 1)) failures="$failures valgrind"
	else
		vg=$(mktemp -d)
		printf '%s\n' '#!/bin/sh' \
			"exec $valgrind --quiet --error-exitcode=99 --leak-check=no \\" \
			"	--trace-children=no --log-file=$vg/log.%p $vgbin \"\$@\"" \
			>"$vg/envinit"
		chmod 755 "$vg" "$vg/envinit"
		# two halves at once (2 cores): t-bad-input is most of the runs
		saved=$ENVINIT
		export ENVINIT="$vg/envinit"
		for half in 1 2; do
			list=
			for t in $VG_TESTS; do
				case "$t" in bad-input | hygiene | limits) h=1 ;; *) h=2 ;; esac
				[ "$h" = "$half" ] && list="$list $here/integration/t-$t.sh"
			done
			(
				passed=0 failed=0 skipped=0 failures=
				# shellcheck disable=SC2086 # paths without blanks
				integration valgrind $list
				echo "$passed $failed $skipped $failures" >"$vg/result.$half"
			) >"$vg/out.$half" 2>&1 &
		done
		wait
		ENVINIT=$saved
		for half in 1 2; do
			cat "$vg/out.$half"
			read -r p f s fl <"$vg/result.$half" || { p=0 f=1 s=0 fl=" valgrind"; }
			passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
			failures="$failures${fl:+ $fl}"
		done
		nlogs=$(find "$vg" -name 'log.*' | wc -l)
		# A log holding anything but valgrind's own notices ("--PID--"
		# lines) failed. valgrind 3.19 does not know openat2 (syscall
		# 437): it answers ENOSYS, so envinit takes its O_NOFOLLOW walk,
		# and says so in a notice, which is not a memcheck error.
		bad=$(find "$vg" -name 'log.*' -size +0 -exec grep -lv '^--[0-9]*-- ' {} + | sort)
		if [ -n "$bad" ]; then
			# shellcheck disable=SC2086 # log paths hold no blanks
			cat $bad | head -n 200
			echo "valgrind: memcheck errors in $(echo "$bad" | wc -l) of $nlogs runs"
			failed=$((failed + 1)) failures="$failures valgrind"
		else
			echo "valgrind: $nlogs runs of envinit, no memcheck error"
		fi
		rm -rf "$vg"
	fi
fi

[ -n "$failures" ] && echo "failing:$failures"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
