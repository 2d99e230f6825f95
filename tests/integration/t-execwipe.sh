# Exec mode: envinit does not wipe its copies of the values before an
# execve that discards its memory anyway, so when the execve fails (the
# command is missing: exit 127) it must wipe them on the way out. Each
# canary (an env file's value, a secrets dir's, a sealed one opened into
# the sodium region) is looked for in envinit's memory as it exits
# (build/helpers/exitscan, ptrace): no copy may be left.
H=$ROOT/build/helpers
C=CANARY-3b8e
printf 'A=1\nDB_PASSWORD=%s-env\n' "$C" >a.env
mkdir sec && printf '%s-dir' "$C" >sec/TOKEN
pk=$("$EI" keygen --private-key-file k.key)
printf 'S=%s\n' "$(printf '%s-sealed' "$C" | "$EI" seal --public-key "$pk" S)" >s.env
for cmd in /nonexistent/cmd no-such-cmd-x; do
	for n in env dir sealed; do
		ee "$H/exitscan" "$C-$n" "$EI" --exec -f a.env -f s.env -d sec \
			--private-key-file k.key -- "$cmd"
		# the whole output is one line: no copy, memory read, exit 127
		ok "exec of $cmd fails: no copy of the $n value left at exit" \
			eval 'test "$(wc -l <"$T/out")" = 1 &&
			grep -qx "0 copies in [1-9][0-9]* bytes, status 127" "$T/out"'
	done
done
# the same start with a command that exists reaches it with every value
ee "$EI" --exec -f a.env -f s.env -d sec --private-key-file k.key -- "$SHOWENV"
ok "exec mode: the service gets the three values" \
	test "$(grep -c "=$C-\(env\|dir\|sealed\)$" "$T/out")" = 3
