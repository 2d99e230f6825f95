# The README's first-use walkthrough is real: every `$ ` line of its
# console blocks (between the walkthrough markers) runs in
# examples/walkthrough with envinit first in PATH, and what it prints
# (stderr and stdout together) must be exactly the lines the README shows
# under it.

mkdir bin && ln -s "$ENVINIT" bin/envinit
awk '/<!-- walkthrough-begin/ { on = 1 } /<!-- walkthrough-end/ { on = 0 }
     on && /^```console/ { blk = 1; next }
     blk && /^```/ { blk = 0; next }
     blk' "$ROOT/README.md" >walkthrough.txt
ok "the README has a walkthrough with commands" grep -q '^\$ envinit' walkthrough.txt

n=0
# split into cmd-N (the command) and want-N (the lines shown under it)
while IFS= read -r line; do
	case $line in
	'$ '*) n=$((n + 1)); printf '%s\n' "${line#\$ }" >"cmd-$n"; : >"want-$n" ;;
	*) printf '%s\n' "$line" >>"want-$n" ;;
	esac
done <walkthrough.txt
ok "the walkthrough has its four commands" test "$n" = 4

i=1
while [ "$i" -le "$n" ]; do
	cmd=$(cat "cmd-$i")
	(cd "$ROOT/examples/walkthrough" &&
		env -i PATH="$T/bin:/usr/bin:/bin" HOME=/home/app \
			sh -c "unset PWD OLDPWD; $cmd" >"$T/got-$i" 2>&1 </dev/null)
	ok "README command $i prints what the README shows: $cmd" cmp -s "want-$i" "got-$i" ||
		diff "want-$i" "got-$i" | sed 's/^/    /'
	i=$((i + 1))
done

# the statuses the text around the commands claims
c1=$(cat cmd-1) c4=$(cat cmd-4)
(cd "$ROOT/examples/walkthrough" && env -i PATH="$T/bin:/usr/bin:/bin" sh -c "$c1" >/dev/null 2>&1)
RC=$?
ok "the first check fails with 78, as the README says" rc 78
(cd "$ROOT/examples/walkthrough" && env -i PATH="$T/bin:/usr/bin:/bin" sh -c "$c4" >/dev/null 2>&1)
RC=$?
ok "the manifest check passes" rc 0
