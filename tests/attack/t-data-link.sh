# Attack (..data followed blindly; per-key links): someone who can write a
# secrets directory points its kubelet ..data link, a timestamped
# directory or a per-key link at another directory, or at a root-only
# file. envinit must refuse, naming the entry, and read nothing there.
# Every case runs through openat2 and through the O_NOFOLLOW walk.
H=$ROOT/build/helpers
C=CANARY-data-91b0
mkdir elsewhere && printf '%s' "$C" >elsewhere/ROOT_ONLY && chmod 700 elsewhere &&
	chmod 600 elsewhere/ROOT_ONLY
# kubelet layout with ..data leading out
mkdir k1 && ln -s ../elsewhere k1/..data && ln -s ..data/ROOT_ONLY k1/ROOT_ONLY
# ..data naming a timestamped directory that is itself a link out
mkdir k2 && ln -s ../elsewhere k2/..2024_01_01 && ln -s ..2024_01_01 k2/..data
# ..data by an absolute path
mkdir k3 && ln -s "$T/elsewhere" k3/..data
# a key of a good ..data directory linking out
mkdir -p k4/..2024_v && printf 'a' >k4/..2024_v/A && ln -s ../../elsewhere/ROOT_ONLY k4/..2024_v/B &&
	ln -s ..2024_v k4/..data
# plain layout: per-key links out, relative, through a subdirectory, absolute
mkdir p1 p1/sub && printf 'ok' >p1/OK && ln -s ../elsewhere/ROOT_ONLY p1/REL &&
	ln -s sub/../../elsewhere/ROOT_ONLY p1/VIA && ln -s "$T/elsewhere/ROOT_ONLY" p1/ABS
for path in openat2 walk; do
	w=
	[ $path = walk ] && w=$H/noopenat2
	for k in k1 k2 k3; do
		ee $w "$EI" -d $k -- "$SHOWENV"
		ok "$path: $k: ..data leading out -> 78" rc 78
		ok "$path: $k: the error names ..data, only it" \
			test "$(cat err)" = "envinit: $k/..data: symbolic link is absolute or leads outside $k"
		ok "$path: $k: nothing ran, nothing leaked" leak_free "$C"
		ok "$path: $k: ... the child did not run" test ! -s out
	done
	ee $w "$EI" -d k4 -- "$SHOWENV"
	ok "$path: k4: a key of ..data linking out -> 78" rc 78
	ok "$path: k4: naming the key" \
		test "$(cat err)" = "envinit: k4/B: symbolic link is absolute or leads outside k4"
	ok "$path: k4: nothing leaked" leak_free "$C"
	ee $w "$EI" -d p1 -- "$SHOWENV"
	ok "$path: p1: per-key links leading out -> 78" rc 78
	printf '%s\n' "envinit: p1/ABS: symbolic link is absolute or leads outside p1" \
		"envinit: p1/REL: symbolic link is absolute or leads outside p1" \
		"envinit: p1/VIA: symbolic link is absolute or leads outside p1" >want
	ok "$path: p1: one error per link, naming it" cmp -s want err
	ok "$path: p1: nothing leaked" leak_free "$C"
	# print and check read the same way
	ee $w "$EI" print --reveal -d k1
	ok "$path: print: 78, nothing leaked" eval 'rc 78 && leak_free "$C"'
done
