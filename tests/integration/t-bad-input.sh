# The bad-input corpus, tests/bad/CASE/ (see tests/bad/README.md): each
# case must end in its expected exit status (64 or 78) with a message
# naming the file:line, key or option, within 10 seconds, run nothing and
# never show the canary planted in its inputs. BAD_DIR=DIR runs the cases
# of DIR instead (to check that each check of this runner can fail).
BAD="${BAD_DIR:-$ROOT/tests/bad}"
MIN_CASES=60
# Setup scripts make keys and sealed values with the real binary, also when
# $ENVINIT is a wrapper (the valgrind pass of tests/run.sh).
REAL_EI="$ROOT/build/envinit"
# A case with a `wrap` file runs as nobody; the work tree must be reachable.
# /tmp itself may be closed to other users (it is 0700 on our CI machines):
# prefer the world-writable /dev/shm or /var/tmp.
W=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d -p /var/tmp 2>/dev/null || mktemp -d)
chmod 755 "$W"
trap 'rm -rf "$W"' EXIT
# ... and so must the binary: the checkout may sit under a directory only
# root can enter (CI clones into a mktemp -d), so nobody runs a copy.
cp "$REAL_EI" "$W/envinit" && chmod 755 "$W/envinit"
NOBODY_EI="$W/envinit"
ncases=0 nskipped=0

# The command that must never run: it leaves a file RAN behind.
ran_script() {
	printf '#!/bin/sh\ntouch "%s/RAN"\n' "$1" >"$1/ran"
	chmod 755 "$1/ran"
}

# Replace @CANARY@ in every regular file under $1 (binary-safe).
plant() {
	find "$1" -type f -exec grep -lF '@CANARY@' {} + 2>/dev/null |
	while IFS= read -r f; do sed -i "s/@CANARY@/$2/g" "$f"; done
}

# The canary is in an input (or, for a case whose setup seals it, in a
# sealed value: such a setup leaves a file canary-sealed).
planted() {
	[ -e "$1/canary-sealed" ] ||
		grep -rqF --exclude=out --exclude=err --exclude=termlog -- "$2" "$1"
}

# timeout(1) says 124, or 137 after its SIGKILL (or the OOM killer's).
finished() { [ "$RC" != 124 ] && [ "$RC" != 137 ]; }

run_case() {
	src=$1 name=$(basename "$1")
	w="$W/$name" canary="CANARY-$name-q7Zr"
	# -P keeps the case's symlinks as they are
	cp -RP "$src" "$w"
	plant "$w" "$canary"
	ran_script "$w"
	if [ -f "$w/setup" ]; then
		(cd "$w" && CANARY=$canary EI=$REAL_EI sh ./setup) >"$T/out" 2>"$T/err"
		st=$?
		if [ "$st" = 77 ]; then
			echo "skip - $name (setup: needs root)"
			nskipped=$((nskipped + 1))
			return
		fi
		ok "$name: setup" [ "$st" = 0 ] || return
	fi
	want=$(sed -n 1p "$w/expect")
	limit=10
	[ -f "$w/timeout" ] && limit=$(cat "$w/timeout")

	# argv from cmd, one per line; the subcommand stays first and a
	# termination log is asked for right after it
	set --
	sub=$(sed -n 1p "$w/cmd")
	case "$sub" in
	check | print | run | seal | keygen | lint | get) set -- "$sub" ;;
	*) sub= ;;
	esac
	set -- "$@" --termination-log "$w/termlog"
	first=1
	while IFS= read -r a; do
		if [ "$first" = 1 ] && [ -n "$sub" ]; then first=0; continue; fi
		first=0
		case "$a" in
		@RAN@) a="$w/ran" ;;
		esac
		set -- "$@" "$a"
	done <"$w/cmd"
	# seal and keygen take no --termination-log: drop it for them
	if [ "$sub" = seal ] || [ "$sub" = keygen ]; then
		s1=$1; shift 3; set -- "$s1" "$@"
	fi
	vars=
	[ -f "$w/env" ] && vars=$(cat "$w/env")
	in=/dev/null
	[ -f "$w/stdin" ] && in="$w/stdin"
	ei=$ENVINIT wrap= mem=unlimited
	if [ -f "$w/memlimit" ]; then
		# an address-space cap (KiB) keeps a runaway allocation from
		# hurting the machine; valgrind cannot run under one
		ei=$REAL_EI mem=$(cat "$w/memlimit")
	fi
	if [ -f "$w/wrap" ]; then
		# as root, EACCES needs another user; valgrind's log is root's
		ei=$NOBODY_EI
		chmod 777 "$w" # for the termination log
		# (one word a line: the command runs with IFS=newline)
		[ "$(id -u)" = 0 ] && wrap="setpriv
--reuid=65534
--regid=65534
--clear-groups"
	fi
	# shellcheck disable=SC2086 # vars and wrap are word lists
	(cd "$w" && ulimit -v "$mem" && IFS='
' && exec timeout -k 2 "$limit" $wrap env -i PATH=/usr/bin:/bin $vars \
		"$ei" "$@") <"$in" >"$w/out" 2>"$w/err"
	RC=$?
	cp "$w/out" "$T/out"; cp "$w/err" "$T/err"
	ncases=$((ncases + 1))

	ok "$name: ends within $limit s" finished || return
	ok "$name: exit $want" rc "$want"
	tail -n +2 "$w/expect" | while IFS= read -r s; do
		[ -n "$s" ] && ! grep -qF -- "$s" "$w/err" && echo "$s"
	done >"$w/missing"
	ok "$name: names the file, key or option" [ ! -s "$w/missing" ] ||
		sed 's/^/    expected on stderr: /' "$w/missing"
	ok "$name: every stderr line is envinit's" \
		[ -z "$(grep -v '^envinit: ' "$w/err")" ]
	ok "$name: ran nothing" [ ! -e "$w/RAN" ]
	ok "$name: canary planted" planted "$w" "$canary"
	ok "$name: canary never shown" \
		[ -z "$(grep -lF -- "$canary" "$w/out" "$w/err" "$w/termlog" 2>/dev/null)" ]
	# the termination log, when written, holds what stderr said
	if [ -s "$w/termlog" ]; then
		ok "$name: termination log names it too" \
			grep -qF -- "$(tail -n +2 "$w/expect" | head -n 1)" "$w/termlog"
	fi
}

for c in "$BAD"/*/; do
	[ -f "$c/cmd" ] || continue
	run_case "${c%/}"
done
ok "at least $MIN_CASES bad-input cases ran" [ "$ncases" -ge "$MIN_CASES" ]
echo "bad-input: $ncases cases, $nskipped skipped"
