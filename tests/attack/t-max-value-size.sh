# Attack (caps not checked): --max-value-size 0 was ignored by secret
# dirs (no cap at all) and caps up to 1 TiB were accepted. Now 1 byte to
# 64 MiB, one rule on the command line and in a manifest, and every
# reader honours it, down to 1 byte.
C=CANARY-mvs-2b7e
mkdir s && printf '%s' "$C" >s/TOKEN && printf 'x' >s/ONE
for bad in 0 0K 65M 1T 1099511627776; do
	e --max-value-size $bad -d s -- "$SHOWENV"
	ok "--max-value-size $bad -> 64" rc 64
	ok "... saying the range" \
		err_has "envinit: --max-value-size: expects a size from 1 byte to 64M (e.g. 65536, 64K, 1M)"
	ok "... nothing leaked" leak_free "$C"
done
printf '[defaults]\nmax_value_size = 0\n' >zero.ini
e -c zero.ini -d s -- "$SHOWENV"
ok "max_value_size = 0 in a manifest -> 78" rc 78
ok "... with FILE:LINE" err_has "envinit: zero.ini:2: max_value_size: expects a size from 1 byte to 64M"
ok "... nothing leaked" leak_free "$C"
e --max-value-size 1 -d s -- "$SHOWENV"
ok "--max-value-size 1: the secret dir honours it (78)" rc 78
ok "... naming the file" err_has "envinit: s/TOKEN: larger than 1 bytes (--max-value-size)"
ok "... nothing leaked" leak_free "$C"
rm s/TOKEN
e --max-value-size 1 -d s -- "$SHOWENV"
ok "--max-value-size 1: a 1-byte value is fine" out_has "ONE=x"
e --max-value-size 64M -d s -- "$SHOWENV"
ok "--max-value-size 64M is accepted" rc 0
