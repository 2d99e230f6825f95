#!/bin/sh
# Run the unit-test binaries given as arguments, then every integration
# script tests/integration/t-*.sh, and print one closing line
# "N passed, N failed". Exit non-zero when anything failed.
#   --unit-only / --integration-only   run just one half
mode=all
case "$1" in
--unit-only) mode=unit; shift ;;
--integration-only) mode=integration; shift ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
passed=0 failed=0 failures=""

if [ "$mode" != integration ]; then
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

if [ "$mode" != unit ]; then
	export ENVINIT="${ENVINIT:-$root/build/envinit}"
	export FIXTURES="$here/fixtures" ROOT="$root"
	for t in "$here"/integration/t-*.sh; do
		[ -f "$t" ] || continue
		name=$(basename "$t" .sh)
		log=$(mktemp)
		if (cd "$(mktemp -d)" && sh "$here/integration/lib.sh" "$t") >"$log" 2>&1; then
			n=$(sed -n 's/^ok \([0-9]*\) tests$/\1/p' "$log" | tail -n 1)
			passed=$((passed + ${n:-1}))
			echo "integration $name: ${n:-1} passed"
		else
			cat "$log"
			n=$(sed -n 's/^FAILED \([0-9]*\) of.*/\1/p' "$log" | tail -n 1)
			failed=$((failed + ${n:-1}))
			failures="$failures $name"
		fi
		rm -f "$log"
	done
fi

[ -n "$failures" ] && echo "failing:$failures"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
