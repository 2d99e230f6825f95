# Every file a start reads is opened exactly once: the manifest, each env
# file (also judged "not a private key" on what was read, so it cannot
# change between the check and the read), each --require-from file (its
# names serve both the KEY_FILE declaration and the required check), each
# secret and each KEY_FILE target. Counted with strace (open, openat,
# openat2: the secret entries are opened relative to the directory). And
# each is read with one read(): its size is known from fstat, so a short
# read at that size is the end, without another read to see 0.
printf 'A=1\nB=2\nC_FILE=c.txt\n' >a.env
printf 'A=\nB=\nC=\nS=\n' >ex.env
printf 'secret-c' >c.txt
mkdir sec && printf 'tok' >sec/TOKEN
pk=$("$EI" keygen --private-key-file k.key)
printf 'S=%s\n' "$(printf 'sealed' | "$EI" seal --public-key "$pk" S)" >s.env
printf '[keys]\nC = secret\n[service app]\nrequire_from = ex.env\nenv_file = a.env\nenv_file = s.env\nsecrets_dir = sec\nprivate_key_file = k.key\n' >m.ini
# opens NAME: how many times the traced start opened NAME
opens() {
	grep -cE "^[0-9]+ +(open\\(|openat2?\\((AT_FDCWD|[0-9]+), )\"$1\"" "$T/trace"
}
for how in check exec; do
	if [ $how = check ]; then set -- check -c m.ini -s app
	else set -- -c m.ini -s app --exec -- "$SHOWENV"; fi
	ee strace -f -o "$T/trace" -e trace=open,openat,openat2,read "$EI" "$@"
	ok "$how: runs -> 0" rc 0
	for f in m.ini ex.env a.env s.env k.key TOKEN c.txt; do
		ok "$how: $f opened once" [ "$(opens "$f")" = 1 ]
	done
	ok "$how: seven files, seven reads" \
		[ "$(grep -cE '^[0-9]+ +read\(' "$T/trace")" = 7 ]
done
# -u is resolved once per start (it was resolved for the check, then
# again to run): /etc/passwd and /etc/group are each read once.
ee strace -f -o "$T/trace" -e trace=open,openat,openat2 "$EI" -c m.ini -s app -u root --exec -- "$SHOWENV"
ok "-u root: runs -> 0" rc 0
for f in /etc/passwd /etc/group; do
	ok "-u root: $f opened once" [ "$(opens "$f")" = 1 ]
done

# ---- closes: what ends in execve leaves its files to execve --------------
# A start that ends in execve (or exit) does not close the files it read
# one by one: all are opened close-on-exec, and execve closes them at once
# (a close() per secret file was a quarter of its system calls). At most
# 64 are left so; past that each is closed when read. A start that stays
# (init mode) closes them before the service starts.
fds_of() { # the service's view: the fds of the process given (sorted)
	sed -n '/^[0-9][0-9]*$/p' "$T/out" | sort -n | tr '\n' ' '
}
ee "$EI" --exec -- sh -c 'ls /proc/$$/fd'
bare=$(fds_of)
ok "exec, no source: the service's fds listed" [ -n "$bare" ]
ee "$EI" -c m.ini -s app --exec -- sh -c 'ls /proc/$$/fd'
ok "exec: runs -> 0" rc 0
ok "exec: the service gets no fd of a file envinit read" [ "$(fds_of)" = "$bare" ]
ee strace -f -o "$T/trace" -e trace=close,execve "$EI" -c m.ini -s app --exec -- "$SHOWENV"
ok "exec (traced): runs -> 0" rc 0
ok "exec: no close() at all: execve closes the eight files read" \
	[ "$(grep -cE '^[0-9]+ +close\(' "$T/trace")" = 0 ]
mkdir many
i=0
while [ $i -lt 100 ]; do printf 'v%d' $i >many/K$i; i=$((i + 1)); done
ee strace -f -o "$T/trace" -e trace=close "$EI" --secrets-dir many --exec -- "$SHOWENV"
ok "100 secret files: runs -> 0" rc 0
ok "100 secret files: the first 64 fds (the directory's and 63 files') are left, 37 closed" \
	[ "$(grep -cE '^[0-9]+ +close\(' "$T/trace")" = 37 ]
ok "100 secret files: every one read" [ "$(grep -c '^K[0-9]*=v' "$T/out")" = 100 ]
ee "$EI" --init -- sh -c 'ls /proc/$PPID/fd'
bare=$(fds_of)
ee "$EI" -c m.ini -s app --init -- sh -c 'ls /proc/$PPID/fd'
ok "init: runs -> 0" rc 0
ok "init: the supervisor holds no fd of a file it read" [ "$(fds_of)" = "$bare" ]
