# Attack (secret-dir containment, check-then-open): while envinit reads a
# secrets directory, swap each entry between a regular file and a symlink
# to a root-only file outside it, as fast as a process can. A read may
# fail (78), or export the regular file's own value; it must never export
# the outside file. Both ways of opening beneath the directory are
# attacked: openat2, and the O_NOFOLLOW walk (openat2 refused by seccomp).
# Racy by nature: 256 entries, 100 reads each way; the old realpath check
# followed by an open that follows links leaked here within 100 reads.
H=$ROOT/build/helpers
C=CANARY-swap-4f1c
mkdir outside s && printf '%s\n' "$C" >outside/canary && chmod 600 outside/canary
printf 'good\n' >s/.swap-keep
names=$(seq -f 'K%03g' 1 256 | tr '\n' ' ')
for n in $names; do cp s/.swap-keep "s/$n"; done
"$H/swapper" s ../outside/canary $names &
SW=$!
for path in openat2 walk; do
	w=
	[ $path = walk ] && w=$H/noopenat2
	leaks=0 other=0 runs=0
	for i in $(seq 100); do
		ee $w "$EI" print --reveal -d s
		runs=$((runs + 1))
		grep -qF -- "$C" out err && leaks=$((leaks + 1))
		# 0 with every value the file's own, or 78 naming a link
		if [ $RC = 0 ]; then
			[ "$(grep -c '^K[0-9]*=good$' out)" = 256 ] || other=$((other + 1))
		elif [ $RC = 78 ]; then
			grep -q '^envinit: s/K[0-9]*: symbolic link is absolute or leads outside s$' err ||
				other=$((other + 1))
		else
			other=$((other + 1))
		fi
	done
	ok "$path: $runs reads during swaps: the outside file never exported" test $leaks = 0
	ok "$path: each read exported the files' own values or failed naming a link" test $other = 0
done
kill $SW
wait $SW 2>/dev/null
# the swapper is gone: every entry back to a regular file, read both ways
for n in $names; do rm -f "s/$n" && cp s/.swap-keep "s/$n"; done
for w in "" "$H/noopenat2"; do
	ee $w "$EI" print --reveal -d s
	ok "after the swaps${w:+ (walk)}: all 256 values read" test "$(grep -c '^K[0-9]*=good$' out)" = 256
done
