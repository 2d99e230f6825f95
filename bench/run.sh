#!/bin/sh
# bench/run.sh - measure envinit beside tini, dumb-init, catatonit and a
# bash entrypoint, and write bench/RESULTS.md. Run by `make bench` (after
# `make all`); on Debian it installs what it lacks when run as root.
#
# What it measures, in this order (raw data in build/bench/):
#   1. the workload: the emailclient example (its ~280-key env file and
#      manifest) plus 20 secret files in a kubelet layout and 3 sealed
#      values, wired into the manifest's [service app];
#   2. startup, hyperfine -N: every command in each of 25 rounds, so that
#      the ratios compare runs made side by side; dotenvx in shorter
#      rounds of its own with tini-static and envinit as references; the
#      system calls of one start (strace -c);
#   3. memory: max RSS and minor faults (/usr/bin/time -v), and what each
#      init keeps resident while the service runs (VmRSS);
#   4. size of the stripped static binary, and where its bytes come from
#      (a linker map of the same objects, and probe links);
#   5. signal-forwarding latency and secret-rotation latency (bench/siglat);
#   6. callgrind instruction counts for 1k, 10k and 100k keys, max RSS at
#      the largest, and bench/counts.sh (instructions of one check and one
#      exec-mode start, system calls, allocations) for the full workload
#      and the lighter one (280 keys, 20 secrets, require, allow);
#   7. bench/report.py turns it all into bench/RESULTS.md.
#
# Knobs (environment): BENCH_RUNS (500 per command, split into
# BENCH_ROUNDS (25) rounds), BENCH_WARMUP (3 per round),
# BENCH_SCALE ("1000 10000 100000"), BENCH_SIGNALS (200),
# BENCH_DOTENVX (1; 0 skips dotenvx and its npm install).
#
# Command lines are kept in strings and split on purpose ($FULL, $LIBS):
# shellcheck disable=SC2086
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cd "$root"

RUNS=${BENCH_RUNS:-500}
WARMUP=${BENCH_WARMUP:-3}
ROUNDS=${BENCH_ROUNDS:-25}
SCALE=${BENCH_SCALE:-1000 10000 100000}
NSIG=${BENCH_SIGNALS:-200}
OUT=$root/build/bench
ENVINIT=$root/build/envinit
LIBDIR=/usr/lib/$(cc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
started=$(date +%s)

# ---- 0. what we need --------------------------------------------------------
need="hyperfine tini dumb-init catatonit valgrind time strace python3 \
musl-tools libsodium-dev libinih-dev binutils"
missing=
for p in $need; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	[ "$(id -u)" = 0 ] || die "missing packages:$missing (run 'make bench' as root)"
	say "installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
TINI_STATIC=$(dpkg -L tini | grep '/tini-static$' | head -n 1)
[ -x "$TINI_STATIC" ] || die "tini-static not found in Debian's tini package"
[ -x "$ENVINIT" ] || die "$ENVINIT missing: run 'make' first"

rm -rf "$OUT"
mkdir -p "$OUT/bin" "$OUT/cg"
WORK=$(mktemp -d /tmp/envinit-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
WL=$WORK/wl
mkdir -p "$WL"

# Every measured command runs with this environment and nothing else, so
# the machine's own variables (some name files: SSL_CERT_FILE=...) play
# no part. BENCH_ENV_FILE is for the bash entrypoint.
clean_env() {
	env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="${HOME:-/}" LANG=C.UTF-8 TZ=UTC \
		BENCH_ENV_FILE="$WL/bash.env" "$@"
}
meta() { printf '%s\t%s\n' "$1" "$2" >>"$OUT/meta.tsv"; }

# ---- 1. helpers ---------------------------------------------------------------
HCC="musl-gcc -std=c11 -Wall -Wextra -Os -static"
$HCC -o "$OUT/bin/noop" bench/noop.c -s
$HCC -o "$OUT/bin/siglat" bench/siglat.c -s
$HCC -I build/musl-include -o "$OUT/bin/sodium_only" bench/sodium_only.c \
	build/rel/compat.o "$LIBDIR/libsodium.a" -s
NOOP=$OUT/bin/noop
SIGLAT=$OUT/bin/siglat

# The same objects and libraries build/envinit is linked from, linked
# again with a map (and unstripped, for callgrind's function names).
objs=
for s in src/*.c; do
	o=build/rel/$(basename "$s" .c).o
	[ -f "$o" ] || die "$o missing: run 'make' first"
	objs="$objs $o"
done
LIBS="$LIBDIR/libinih.a $LIBDIR/libsodium.a"
LD="musl-gcc -static -Wl,--gc-sections"
# malloc & co. wrapped as the release link does (the start-up arena)
WRAP=$(sed -n 's/^  REL_WRAP = //p' Makefile)
$LD $WRAP -Wl,-Map="$OUT/envinit.map" -o "$OUT/bin/envinit.sym" $objs $LIBS
$LD $WRAP -s -o "$OUT/bin/envinit.relink" $objs $LIBS
nm -n "$OUT/bin/envinit.sym" >"$OUT/envinit.nm"
# The same, stripped, with an execve that stops (bench/execstop.c): what a
# start has resident when it would exec, by kind of mapping.
musl-gcc -std=c11 -Os -c -o "$OUT/bin/execstop.o" bench/execstop.c
$LD $WRAP -Wl,--wrap=execve -s -o "$OUT/bin/envinit.stop" $objs "$OUT/bin/execstop.o" $LIBS
# A what-if: the same objects with an allocator that never frees (in
# place of musl's, so without the arena's wrapping).
$HCC -c -o "$OUT/bin/bumpalloc.o" bench/bumpalloc.c
$LD -s -o "$OUT/bin/envinit-bump" $objs "$OUT/bin/bumpalloc.o" $LIBS
BUMP=$OUT/bin/envinit-bump

# ---- 2. the workload ----------------------------------------------------------
# shellcheck source=bench/workload.sh
. "$here/workload.sh"

FULL_ARGS="-c $WL/full.ini -s app"
FULL="$ENVINIT $FULL_ARGS"
NOSEALED="$ENVINIT -c $WL/nosealed.ini -s app"
LIGHT_ARGS="-c $WL/light.ini -s app"
LIGHT="$ENVINIT $LIGHT_ARGS"
ENTRY="bash $here/entrypoint.sh"

# The workload must pass, or we would time an error path.
if ! clean_env $ENVINIT check -q $FULL_ARGS >"$OUT/check.out" 2>&1; then
	cat "$OUT/check.out" >&2
	die "the workload does not pass 'envinit check'"
fi
if ! clean_env $ENVINIT check -q $LIGHT_ARGS >"$OUT/check.out" 2>&1; then
	cat "$OUT/check.out" >&2
	die "the lighter workload does not pass 'envinit check'"
fi
clean_env $ENVINIT print --reveal $FULL_ARGS >"$WL/print.out" 2>/dev/null ||
	die "'envinit print' failed on the workload"
for k in $SECRETS; do
	grep -q "^$k=.*-k8s" "$WL/print.out" || die "$k did not come from the secrets dir"
done
if [ "$nsealed" -gt 0 ]; then
	for k in $SEALED; do
		grep -q "^$k=.*-sealed" "$WL/print.out" || die "$k was not opened"
	done
fi
clean_env $BUMP print --reveal $FULL_ARGS >"$WL/print.bump" 2>/dev/null || true
if ! cmp -s "$WL/print.out" "$WL/print.bump"; then
	die "the bump-allocator probe does not print what build/envinit prints"
fi
clean_env $FULL -- "$NOOP" || die "envinit (exec) does not run the command"
clean_env $FULL --init -- "$NOOP" || die "envinit --init does not run the command"
clean_env $ENTRY /usr/bin/env >"$WL/bash.out" || die "the bash entrypoint failed"
grep -q '^DB_PASSWORD=.*-k8s$' "$WL/bash.out" || die "the bash entrypoint did not read DB_PASSWORD_FILE"
if grep -v '^BENCH_ENV_FILE=' "$WL/bash.out" | grep -q '_FILE='; then
	die "the bash entrypoint passed a KEY_FILE on"
fi
meta workload.keys_in_env_files "$(grep -c '^[A-Za-z_][A-Za-z0-9_]*=' "$WL/.env.development")"
meta workload.keys_to_service "$(grep -c '^[A-Za-z_][A-Za-z0-9_]*=' "$WL/print.out")"
meta workload.rules "$(awk '/^\[keys\]/{k=1;next} /^\[/{k=0} k && /=/' "$WL/envinit.ini" | wc -l)"
meta workload.secrets "$nsecrets"
meta workload.bash_keys "$(grep -c '=' "$WL/bash.env")"

# ---- 3. startup ----------------------------------------------------------------
say "startup: hyperfine -N, $RUNS runs each in $ROUNDS rounds"
meta machine.load "$(cut -d' ' -f1-3 /proc/loadavg)"
meta machine.load1 "$(cut -d' ' -f1 /proc/loadavg)"
meta machine.processes "$(find /proc -maxdepth 1 -name '[0-9]*' | wc -l)"
set -- \
	-n "static noop alone" "$NOOP" \
	-n "static program calling sodium_init()" "$OUT/bin/sodium_only" \
	-n "tini-static" "$TINI_STATIC -s -- $NOOP" \
	-n "tini" "tini -s -- $NOOP" \
	-n "dumb-init" "dumb-init $NOOP" \
	-n "catatonit" "catatonit -- $NOOP" \
	-n "bash file_env entrypoint" "$ENTRY $NOOP" \
	-n "envinit exec, no sources" "$ENVINIT --exec -- $NOOP" \
	-n "envinit exec, env file only" "$ENVINIT --exec -f $WL/.env.development -- $NOOP" \
	-n "envinit exec, workload without sealed values" "$NOSEALED --exec -- $NOOP" \
	-n "envinit exec, lighter workload" "$LIGHT --exec -- $NOOP" \
	-n "envinit exec, full workload" "$FULL --exec -- $NOOP" \
	-n "envinit init, full workload" "$FULL --init -- $NOOP" \
	-n "probe: envinit exec, full workload, never-freeing allocator" "$BUMP $FULL_ARGS --exec -- $NOOP"
# hyperfine runs one command's runs back to back, so a change in the
# machine's load would favour some rows: split the runs into rounds, each
# round a whole invocation, and pool the rounds.
r=1
while [ $r -le "$ROUNDS" ]; do
	clean_env hyperfine -N --style none --warmup "$WARMUP" --runs $((RUNS / ROUNDS)) \
		--export-json "$OUT/startup.$r.json" "$@" >/dev/null 2>>"$OUT/hyperfine.log" ||
		{ cat "$OUT/hyperfine.log" >&2; die "hyperfine failed"; }
	r=$((r + 1))
done

DOTENVX=
if [ "${BENCH_DOTENVX:-1}" != 0 ]; then
	if command -v dotenvx >/dev/null 2>&1; then
		DOTENVX=$(command -v dotenvx)
	elif [ -x build/bench-tools/node_modules/.bin/dotenvx ]; then
		DOTENVX=$root/build/bench-tools/node_modules/.bin/dotenvx
	elif command -v npm >/dev/null 2>&1; then
		say "installing dotenvx from npm into build/bench-tools"
		if timeout 300 npm install --prefix build/bench-tools --no-audit --no-fund \
			--silent @dotenvx/dotenvx >"$OUT/npm.log" 2>&1; then
			DOTENVX=$root/build/bench-tools/node_modules/.bin/dotenvx
		fi
	fi
fi
if [ -n "$DOTENVX" ] && clean_env "$DOTENVX" run -q -f "$WL/.env.development" -- "$NOOP"; then
	meta version.dotenvx "$(clean_env "$DOTENVX" --version 2>/dev/null | head -n 1)"
	meta version.node "$(node --version 2>/dev/null)"
	say "startup: dotenvx (10 rounds of 2 runs)"
	r=1
	while [ $r -le 10 ]; do
		clean_env hyperfine -N --style none --warmup 1 --runs 2 \
			--export-json "$OUT/dotenvx.$r.json" \
			-n "tini-static" "$TINI_STATIC -s -- $NOOP" \
			-n "envinit exec, full workload" "$FULL --exec -- $NOOP" \
			-n "dotenvx run, env file only" "$DOTENVX run -q -f $WL/.env.development -- $NOOP" \
			>/dev/null 2>>"$OUT/hyperfine.log" || say "dotenvx: hyperfine failed (build/bench/hyperfine.log)"
		r=$((r + 1))
	done
elif [ "${BENCH_DOTENVX:-1}" = 0 ]; then
	meta dotenvx "not measured: skipped (BENCH_DOTENVX=0)"
else
	meta dotenvx "not measured: dotenvx is not installed and could not be installed from npm"
fi

# System calls of one start (strace -f -c counts the exec'd noop's too).
for row in "tini-static|$TINI_STATIC -s -- $NOOP" \
	"envinit exec, lighter workload|$LIGHT --exec -- $NOOP" \
	"envinit exec, full workload|$FULL --exec -- $NOOP" \
	"envinit init, full workload|$FULL --init -- $NOOP" \
	"probe: envinit exec, full workload, never-freeing allocator|$BUMP $FULL_ARGS --exec -- $NOOP"; do
	name=${row%%|*} cmd=${row#*|}
	clean_env strace -f -c -o "$WORK/strace.txt" $cmd >/dev/null 2>&1 || true
	awk -v name="$name" '$NF == "total" { total = $4 }
		$NF == "mmap" || $NF == "munmap" || $NF == "mprotect" || $NF == "madvise" { mm += $4 }
		END { printf "%s\t%d\t%d\n", name, total, mm }' "$WORK/strace.txt" >>"$OUT/syscalls.tsv"
	# which calls the full workload's start makes, for the report
	[ "$name" = "envinit exec, full workload" ] && cp "$WORK/strace.txt" "$OUT/strace-full.txt"
done

# How many /proc/PID/stat files one init-mode start reads.
clean_env strace -f -e trace=open,openat -o "$WORK/strace.txt" $FULL --init -- "$NOOP" >/dev/null 2>&1 || true
meta init.proc_stat_opens "$(grep -c '"/proc/[0-9][0-9]*/stat"' "$WORK/strace.txt" || true)"

# ---- 4. max RSS ------------------------------------------------------------------
say "memory: /usr/bin/time -v, 31 runs each; VmRSS of each init while the service runs"
for row in "static noop alone|$NOOP" \
	"tini-static|$TINI_STATIC -s -- $NOOP" \
	"tini|tini -s -- $NOOP" \
	"dumb-init|dumb-init $NOOP" \
	"catatonit|catatonit -- $NOOP" \
	"bash file_env entrypoint|$ENTRY $NOOP" \
	"envinit exec, full workload|$FULL --exec -- $NOOP" \
	"envinit init, full workload|$FULL --init -- $NOOP" \
	"probe: envinit exec, full workload, never-freeing allocator|$BUMP $FULL_ARGS --exec -- $NOOP"; do
	name=${row%%|*} cmd=${row#*|}
	: >"$WORK/rss"
	: >"$WORK/faults"
	i=0
	while [ $i -lt 31 ]; do
			clean_env /usr/bin/time -v -o "$WORK/time.txt" $cmd >/dev/null 2>&1
		sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time.txt" >>"$WORK/rss"
		sed -n 's/.*Minor (reclaiming a frame) page faults: //p' "$WORK/time.txt" >>"$WORK/faults"
		i=$((i + 1))
	done
	printf '%s\t%s\t%s\n' "$name" "$(sort -n "$WORK/rss" | tr '\n' ' ')" \
		"$(sort -n "$WORK/faults" | tr '\n' ' ')" >>"$OUT/rss.tsv"
done

# What an init keeps resident for the life of the container: its VmRSS
# while the service (siglat child, which just waits) runs.
for row in "tini-static|$TINI_STATIC -s --" \
	"dumb-init|dumb-init" \
	"catatonit|catatonit --" \
	"envinit init, full workload|$FULL --init --"; do
	name=${row%%|*} cmd=${row#*|}
	: >"$WORK/rss"
	i=0
	while [ $i -lt 5 ]; do
			env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="${HOME:-/}" LANG=C.UTF-8 TZ=UTC \
			$cmd "$SIGLAT" child 9 9>/dev/null &
		pid=$!
		sleep 0.3
		awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" >>"$WORK/rss" 2>/dev/null || true
		kill -TERM "$pid" 2>/dev/null || true
		# an init that does not stop on SIGTERM must not hang us
		(sleep 5 && kill -KILL "$pid" 2>/dev/null) &
		watchdog=$!
		wait "$pid" 2>/dev/null || true
		kill "$watchdog" 2>/dev/null || true
		wait "$watchdog" 2>/dev/null || true
		i=$((i + 1))
	done
	printf '%s\t%s\n' "$name" "$(sort -n "$WORK/rss" | tr '\n' ' ')" >>"$OUT/steady.tsv"
done

# ---- 5. size ------------------------------------------------------------------------
say "size: linker map and probe links"
size_of() { stat -c %s "$1"; }
{
	printf 'envinit\t%s\tbuild/envinit (static, stripped)\n' "$(size_of "$ENVINIT")"
	printf 'envinit relinked\t%s\tthe same objects linked again by bench/run.sh\n' "$(size_of "$OUT/bin/envinit.relink")"
	printf 'tini-static\t%s\t%s (static)\n' "$(size_of "$TINI_STATIC")" "$TINI_STATIC"
	printf 'catatonit\t%s\t%s (static)\n' "$(size_of "$(command -v catatonit)")" "$(command -v catatonit)"
	printf 'tini\t%s\t%s (dynamic: libc.so not counted)\n' "$(size_of "$(command -v tini)")" "$(command -v tini)"
	printf 'dumb-init\t%s\t%s (dynamic: libc.so not counted)\n' "$(size_of "$(command -v dumb-init)")" "$(command -v dumb-init)"
	printf 'static noop\t%s\tbench/noop.c, musl-gcc -static, stripped\n' "$(size_of "$NOOP")"
} >"$OUT/sizes.tsv"
python3 bench/mapsize.py "$OUT/envinit.map" >"$OUT/map.json"

# Probes: sodium_init() without the pickers envinit does not use, and the
# smallest program using the same library functions (the floor).
CCO="musl-gcc -I build/musl-include -Os -ffunction-sections -fdata-sections -c"
$CCO -DPICKERS=1 bench/sodium_core.c -o "$OUT/bin/core1.o"
$CCO -DPICKERS=0 bench/sodium_core.c -o "$OUT/bin/core0.o"
$CCO bench/sealfloor.c -o "$OUT/bin/sealfloor.o"
$LD $WRAP -s -Wl,-Map="$OUT/probe_pickers.map" -o "$OUT/bin/probe_pickers" $objs "$OUT/bin/core1.o" $LIBS
$LD $WRAP -s -o "$OUT/bin/probe_nopickers" $objs "$OUT/bin/core0.o" $LIBS
$LD -s -Wl,-Map="$OUT/floor.map" -o "$OUT/bin/floor" "$OUT/bin/sealfloor.o" build/rel/compat.o $LIBS
$LD -s -o "$OUT/bin/floor_pickers" "$OUT/bin/sealfloor.o" "$OUT/bin/core1.o" build/rel/compat.o $LIBS
python3 bench/mapsize.py "$OUT/probe_pickers.map" >"$OUT/probe_pickers.json"
python3 bench/mapsize.py "$OUT/floor.map" >"$OUT/floor.json"
{
	printf 'probe_pickers\t%s\n' "$(size_of "$OUT/bin/probe_pickers")"
	printf 'probe_nopickers\t%s\n' "$(size_of "$OUT/bin/probe_nopickers")"
	printf 'floor\t%s\n' "$(size_of "$OUT/bin/floor")"
	printf 'floor_pickers\t%s\n' "$(size_of "$OUT/bin/floor_pickers")"
} >"$OUT/probes.tsv"

# ---- 6. signal forwarding and rotation ------------------------------------------
# In 5 rounds, each round every init in turn, so that a change in the
# machine's load falls on all of them alike; the samples are pooled.
say "signal forwarding: $NSIG SIGUSR1 each, in 5 rounds"
r=1
while [ $r -le 5 ]; do
	i=0
	for row in "direct (no init)|$SIGLAT child 9" \
		"tini-static|$TINI_STATIC -s -- $SIGLAT child 9" \
		"dumb-init|dumb-init $SIGLAT child 9" \
		"catatonit|catatonit -- $SIGLAT child 9" \
		"envinit init, full workload|$FULL --init -- $SIGLAT child 9"; do
		name=${row%%|*} cmd=${row#*|}
		i=$((i + 1))
		if [ $r = 1 ]; then
			printf '%s\t%s\n' "$name" "siglat.$i.samples" >>"$OUT/siglat.tsv"
		fi
		clean_env "$SIGLAT" signal $((NSIG / 5)) -o "$OUT/siglat.$i.samples" -- $cmd \
			>/dev/null 2>>"$OUT/siglat.log" ||
			echo "round $r: $name failed" >>"$OUT/siglat.log"
	done
	r=$((r + 1))
done

say "rotation: kubelet-style ..data swaps under envinit --init --watch"
line=$(clean_env "$SIGLAT" rotate 10 2000 "$WL/rot-secrets" DB_PASSWORD -- \
	$ENVINIT -c "$WL/rotate.ini" -s app --init --watch -- \
	"$SIGLAT" child 9 DB_PASSWORD 2>>"$OUT/siglat.log") ||
	line="failed: see build/bench/siglat.log"
printf 'envinit --init --watch\t%s\n' "$line" >"$OUT/rotate.tsv"
if watchers=$(grep -l 'inotify_init' src/*.c 2>/dev/null); then
	meta watch.source "inotify_init is called in $(echo $watchers | tr ' ' ',')"
	meta watch.debounce_ms "$(sed -n 's/^#define WATCH_DEBOUNCE_MS[[:space:]]*\([0-9][0-9]*\).*/\1/p' src/*.h | head -n 1)"
else
	meta watch.source "no file under src/ calls inotify_init"
fi

# ---- 7. scaling: callgrind ------------------------------------------------------------
say "scaling: callgrind for $SCALE keys"
SC=$WORK/scale
mkdir -p "$SC"
: >"$SC/empty.env"
GLOBS_A='KEY_0* KEY_1* KEY_2* KEY_3* KEY_4* *_URL *_HOST *_PORT DB_* REDIS_*'
GLOBS_X='*9 *_SECRET *_TOKEN *PASSWORD* *_KEY'
for n in $SCALE; do
	(cd "$SC" && awk -v n="$n" 'BEGIN {
		for (i = 0; i < n; i++) {
			printf "KEY_%06d=value-%d-abcdefghij\n", i, i >"plain.env"
			# every other key refers to three earlier plain ones, one of
			# them far back: ${VAR}, $VAR, ${VAR:-x}
			if (i % 2 && i > 4)
				printf "KEY_%06d=${KEY_%06d}-$KEY_%06d-${KEY_%06d:-x}\n", i, i - 1, i - 3, 2 * int(i / 4) >"interp.env"
			else
				printf "KEY_%06d=value-%d\n", i, i >"interp.env"
			# every key twice: n lines, n/2 keys
			printf "KEY_%06d=value-%d\n", int(i / 2), i >"dup.env"
			r = i % 10
			if (r < 3) { rule = "int"; v = i }
			else if (r < 6) { rule = "min=4 max=64"; v = "value-" i }
			else if (r < 8) { rule = "one-of=red,green,blue"; v = "green" }
			else if (r < 9) { rule = "bool"; v = "true" }
			else if (i % 100 == 9) { rule = "match=^v[0-9]+$"; v = "v" i }
			else { rule = "port"; v = 1024 + i % 60000 }
			printf "KEY_%06d = %s\n", i, rule >"rules.ini"
			printf "KEY_%06d=%s\n", i, v >"manifest.env"
		}
	}' </dev/null)
	for f in plain interp dup manifest; do mv "$SC/$f.env" "$SC/$f$n.env"; done
	{
		echo "[keys]"
		cat "$SC/rules.ini"
		printf '\n[service app]\nenv_file = %s\nallow = KEY_*\n' "$SC/manifest$n.env"
	} >"$SC/manifest$n.ini"
	rm -f "$SC/rules.ini"
done

cg() { # NAME KEYS ARGS...: callgrind instruction count of envinit check
	cg_name=$1 cg_n=$2
	shift 2
	cg_out=$OUT/cg/$cg_name.$cg_n.out
	clean_env valgrind --tool=callgrind --callgrind-out-file="$cg_out" \
		"$OUT/bin/envinit.sym" check -q "$@" >/dev/null 2>"$OUT/cg/$cg_name.$cg_n.log" ||
		die "callgrind $cg_name $cg_n: envinit check failed (build/bench/cg/$cg_name.$cg_n.log)"
	cg_ir=$(sed -n 's/^summary: *//p; s/^totals: *//p' "$cg_out" | head -n 1)
	printf '%s\t%s\t%s\n' "$cg_name" "$cg_n" "$cg_ir" >>"$OUT/scale.tsv"
}
cg baseline 0 -f "$SC/empty.env"
cg workload 280 -c "$WL/full.ini" -s app
for n in $SCALE; do
	cg plain "$n" -f "$SC/plain$n.env"
	cg interp "$n" -f "$SC/interp$n.env"
	cg dup "$n" -f "$SC/dup$n.env"
	cg globs "$n" -f "$SC/plain$n.env" -a "$GLOBS_A" -x "$GLOBS_X"
	cg require "$n" -f "$SC/plain$n.env" --require-from "$SC/plain$n.env"
	cg manifest "$n" -c "$SC/manifest$n.ini" -s app
done
# Max RSS of a check of the largest plain file (issue 18: <= 32 MiB at 100k keys).
nmax=$(echo $SCALE | tr ' ' '\n' | sort -n | tail -n 1)
: >"$WORK/rss"
for i in 1 2 3 4 5; do
	clean_env /usr/bin/time -v -o "$WORK/time.txt" "$ENVINIT" check -q -f "$SC/plain$nmax.env" >/dev/null 2>&1 ||
		die "envinit check of $nmax keys failed"
	sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time.txt" >>"$WORK/rss"
done
printf 'plain\t%s\t%s\n' "$nmax" "$(sort -n "$WORK/rss" | tr '\n' ' ')" >"$OUT/rss_keys.tsv"

# The deterministic counts of both workloads (bench/counts.sh): instructions
# of a check and of an exec-mode start, system calls, allocations.
make -s build/vg/envinit >/dev/null
sh bench/counts.sh -t >"$OUT/counts.tsv" || die "bench/counts.sh failed"
clean_env EXECSTOP_RSS=1 "$OUT/bin/envinit.stop" $FULL_ARGS --exec -- "$NOOP" \
	>/dev/null 2>"$OUT/rss_parts.tsv" || die "envinit.stop failed"

# function-level profiles: the workload, and each variant at both ends
for f in "$OUT"/cg/*.out; do
	callgrind_annotate --threshold=99.9 "$f" >"${f%.out}.self" 2>/dev/null || true
done
callgrind_annotate --inclusive=yes --threshold=99.9 "$OUT/cg/workload.280.out" \
	>"$OUT/cg/workload.280.incl" 2>/dev/null || true
# Whose code each function is, to split the instructions by library: a
# name defined in envinit's own objects is envinit's, else libsodium's,
# inih's or musl libc's (the archives' symbol tables, static functions
# included).
{
	nm --defined-only build/rel/*.o 2>/dev/null | awk 'NF == 3 && $2 ~ /[tTwW]/ { print "envinit\t" $3 }'
	nm --defined-only "$LIBDIR/libsodium.a" 2>/dev/null | awk 'NF == 3 && $2 ~ /[tTwW]/ { print "libsodium\t" $3 }'
	nm --defined-only "$LIBDIR/libinih.a" 2>/dev/null | awk 'NF == 3 && $2 ~ /[tTwW]/ { print "inih\t" $3 }'
	musl_lib=$(sed -n 's/.*-specs "\(.*\)\/musl-gcc.specs".*/\1/p' "$(command -v musl-gcc)")
	nm --defined-only "$musl_lib/libc.a" 2>/dev/null | awk 'NF == 3 && $2 ~ /[tTwW]/ { print "musl libc\t" $3 }'
} >"$OUT/cg/owners.tsv"

# ---- 8. the machine, the versions, the report -------------------------------------------
meta machine.cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
meta machine.nproc "$(nproc)"
meta machine.kernel "$(uname -sr)"
# shellcheck disable=SC1091
meta machine.os "$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
meta machine.memory "$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
if grep -qw hypervisor /proc/cpuinfo; then
	meta machine.virt "virtual machine (the CPU reports the hypervisor flag)"
fi
for p in hyperfine tini dumb-init catatonit valgrind time strace musl-tools libsodium-dev libinih-dev bash; do
	meta "version.$p" "$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || echo '?')"
done
meta version.envinit "$("$ENVINIT" --version 2>/dev/null)"
meta git.commit "$(git rev-parse --short HEAD 2>/dev/null || echo '?')"
meta git.changed "$(git status --porcelain -- src Makefile 2>/dev/null | wc -l)"
meta bench.runs "$RUNS"
meta bench.rounds "$ROUNDS"
meta bench.warmup "$WARMUP"
meta bench.signals "$NSIG"
meta bench.date "$(date -u '+%Y-%m-%d %H:%M UTC')"
meta bench.seconds "$(($(date +%s) - started))"

python3 bench/report.py "$OUT" >bench/RESULTS.md
say "wrote bench/RESULTS.md in $(($(date +%s) - started)) s"
