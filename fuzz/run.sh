#!/bin/sh
# Run each libFuzzer target given (build/fuzz/fuzz_NAME) in turn:
#   FUZZ_SECONDS=N sh fuzz/run.sh BIN...   each for N seconds (default 60)
#   FUZZ_RUNS=N    sh fuzz/run.sh BIN...   each for N executions instead
# The corpus grows in build/fuzz/corpus/NAME, seeded from build/fuzz/seeds.PID/NAME
# (made by fuzz/seeds.sh from the tests' fixtures); fuzz/NAME.dict and the
# libFuzzer flags in fuzz/NAME.options are used when present; a crash is saved as build/fuzz/artifacts/NAME-crash-*.
# Prints one line per target with its execution count; exits non-zero when
# any target found a crash, a leak, a timeout or an out-of-memory.
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=$root/build/fuzz
seconds=${FUZZ_SECONDS:-60}
runs=${FUZZ_RUNS:-}
# -timeout: an input taking 10 s is a hang for a parser of small files.
opts=${FUZZ_OPTS:--max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1}

# seeds of our own: another run may be rebuilding its seeds meanwhile
seeds=$build/seeds.$$
trap 'rm -rf "$seeds"' EXIT
sh "$here/seeds.sh" "$seeds" || exit 1
logs=${FUZZ_LOGS:-$build/logs}
mkdir -p "$build/artifacts" "$logs"
status=0
for bin in "$@"; do
	case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
	name=$(basename "$bin")
	name=${name#fuzz_}
	corpus=$build/corpus/$name
	mkdir -p "$corpus"
	dict= extra=
	[ -f "$here/$name.dict" ] && dict="-dict=$here/$name.dict"
	[ -f "$here/$name.options" ] && extra=$(cat "$here/$name.options")
	if [ -n "$runs" ]; then limit="-runs=$runs"; else limit="-max_total_time=$seconds"; fi
	log=$logs/$name.log
	# shellcheck disable=SC2086 # opts, dict and limit are word lists
	(cd "$build" && "$bin" $limit $opts $extra $dict \
		-artifact_prefix="$build/artifacts/$name-" \
		"$corpus" "$seeds/$name") >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	if [ "$rc" = 0 ]; then
		echo "fuzz $name: ${execs:-?} executions, cov ${cov:-?}, no finding"
	else
		status=1
		echo "fuzz $name: FAILED (rc=$rc) after ${execs:-?} executions; log $log"
		grep -E 'ERROR|SUMMARY|invariant|leaked|Test unit written' "$log" | head -n 20
	fi
done
exit $status
