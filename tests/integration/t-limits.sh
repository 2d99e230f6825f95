# Kernel limits are checked before execve, naming the key or the total.

head -c 140000 /dev/zero | tr '\0' a >big.txt
printf 'HUGE=%s\n' "$(cat big.txt)" >huge.env
e -f huge.env -- true
ok "a KEY=value over 131071 bytes -> 78" rc 78
ok "the key is named" err_has "HUGE: KEY=value is"
ok "the kernel limit is said" err_has "131071"

head -c 100000 /dev/zero | tr '\0' b >mid.txt
v=$(cat mid.txt)
: >total.env
for i in 1 2 3 4 5 6 7 8; do printf 'M%d=%s\n' $i "$v" >>total.env; done
e -f total.env -- true
ok "under the default limit it runs" rc 0
(ulimit -s 2048 && "$ENVINIT" -f total.env -- true) >out 2>err; RC=$?
ok "over a quarter of the stack limit -> 78" rc 78
ok "the total is named" err_has "environment, arguments and program path total"
ok "nothing leaked" err_lacks "bbbbbbbb"
