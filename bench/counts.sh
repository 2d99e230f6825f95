#!/bin/sh
# bench/counts.sh - the deterministic counts of issue 18's goals, quick
# enough to run after every change (and on a busy machine, where times are
# noise): callgrind instructions of one `check` and of one exec-mode start
# (up to execve), system calls of one exec-mode start (strace -f -c, the
# noop's own included), and allocations of one `check` (memcheck's heap
# summary of build/vg/envinit, the glibc build). For the full workload and
# the lighter one. Needs `make build build/vg/envinit`; prints a table, and
# with -t, tab-separated lines for bench/report.py.
# shellcheck disable=SC2086
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cd "$root"
TSV=
[ "${1:-}" = -t ] && TSV=1
say() { printf 'counts: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
meta() { :; }
ENVINIT=$root/build/envinit
VG=$root/build/vg/envinit
LIBDIR=/usr/lib/$(cc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
# the release link's wrapping of malloc & co. (the start-up arena, src/arena.h)
WRAP=$(sed -n 's/^  REL_WRAP = //p' Makefile)
{ [ -x "$ENVINIT" ] && [ -x "$VG" ]; } || die "run 'make build build/vg/envinit' first"
OUT=$(mktemp -d /tmp/envinit-counts.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
WL=$OUT/wl
mkdir -p "$WL" "$OUT/bin"
musl-gcc -std=c11 -Os -static -s -o "$OUT/bin/noop" bench/noop.c
NOOP=$OUT/bin/noop
# the same objects, unstripped, for callgrind's function names
musl-gcc -static -Wl,--gc-sections $WRAP -o "$OUT/bin/envinit.sym" build/rel/*.o \
	"$LIBDIR/libinih.a" "$LIBDIR/libsodium.a"
musl-gcc -std=c11 -Os -c -o "$OUT/bin/execstop.o" bench/execstop.c
musl-gcc -static -Wl,--gc-sections -Wl,--wrap=execve $WRAP -o "$OUT/bin/envinit.stop" build/rel/*.o \
	"$OUT/bin/execstop.o" "$LIBDIR/libinih.a" "$LIBDIR/libsodium.a"
clean_env() {
	env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="${HOME:-/}" LANG=C.UTF-8 TZ=UTC "$@"
}
# shellcheck source=bench/workload.sh
. "$here/workload.sh"

ir() { # BINARY ARGS...: instructions of BINARY ARGS under callgrind
	b=$1
	shift
	clean_env valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.out" \
		"$OUT/bin/$b" "$@" >/dev/null 2>"$OUT/cg.log" || { cat "$OUT/cg.log" >&2; die "callgrind $*"; }
	sed -n 's/^summary: *//p; s/^totals: *//p' "$OUT/cg.out" | head -n 1
}
sys() { # ARGS...: system calls of one start, and how many of them mmap & co.
	clean_env strace -f -c -o "$OUT/st.txt" "$ENVINIT" "$@" >/dev/null 2>&1 || die "strace $*"
	awk '$NF == "total" { t = $4 } $NF ~ /^(mmap|munmap|mprotect|madvise|brk)$/ { m += $4 }
		END { printf "%d\t%d\n", t, m }' "$OUT/st.txt"
}
allocs() { # ARGS...: allocations of the glibc build
	clean_env valgrind --tool=memcheck "$VG" "$@" >/dev/null 2>"$OUT/mc.log" || die "memcheck $*"
	sed -n 's/.*total heap usage: \([0-9,]*\) allocs.*/\1/p' "$OUT/mc.log" | tr -d ,
}
for w in full light; do
	a="-c $WL/$w.ini -s app"
	c=$(ir envinit.sym check -q $a)
	e=$(ir envinit.stop $a --exec -- "$NOOP")
	s=$(sys $a --exec -- "$NOOP")
	m=$(allocs check -q $a)
	if [ -n "$TSV" ]; then
		printf '%s\t%s\t%s\t%s\t%s\n' "$w" "$c" "$e" "$s" "$m"
	else
		printf '%-6s check %10s Ir | exec start %10s Ir | syscalls/start (mm) %s | allocs(check) %s\n' \
			"$w" "$c" "$e" "$(echo "$s" | tr '\t' ' ')" "$m"
	fi
done
