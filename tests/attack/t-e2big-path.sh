# Attack (size check without the program path): near the kernel's limit
# on argv + envp, the program's path tips it over. execve then fails with
# E2BIG (126); envinit must see it first: 78, naming the total.
# With a 2 MiB stack the limit is 512 KiB.
d=$T
while [ ${#d} -lt 3000 ]; do d=$d/dddddddddddddddddddddddddddddddddddddddddddddddddd; done
mkdir -p "$d" && printf '#!/bin/sh\necho ran\n' >"$d/prog" && chmod 755 "$d/prog"
prog=$d/prog
L=${#prog}
# argv [prog], env: 5 x 100,000-byte values, PATH, and a filler so that
# without the path the total is 1000 bytes short of the limit
v=$(head -c 99997 /dev/zero | tr '\0' v)
: >near.env
for i in 1 2 3 4 5; do printf 'M%d=%s\n' $i "$v" >>near.env; done
used=$((5 * (100000 + 1 + 8) + 19 + 8 + L + 1 + 8))
flen=$((524288 - 1000 - used - 1 - 8))
printf 'F=%s\n' "$(head -c $((flen - 2)) /dev/zero | tr '\0' f)" >>near.env
(ulimit -s 2048 && env -i PATH=/usr/bin:/bin "$EI" -f near.env -- "$prog") >out 2>err
RC=$?
ok "the program path tips it over: 78, not 126" rc 78
ok "naming the total" err_has "environment, arguments and program path total $((524288 - 1000 + L + 1)) bytes; the kernel allows 524288"
ok "the program never ran" out_lacks ran
