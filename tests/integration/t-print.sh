# check and print: formats, redaction, --reveal, --explain, round trip.

printf 'HOST=db\nDB_PASSWORD=pw-canary-1\nMSG="two\\nlines \\"q\\" $$x it'"'"'s"\nAPI_KEY=k-canary\nPLAIN=a b\n' >app.env
mkdir sec && printf 'sd-canary' >sec/OPAQUE

e check -i -k PATH -f app.env -d sec
ok "check passes -> 0" rc 0
ok "check says so, whole line" out_is "envinit: check passed: 7 keys kept, 0 stripped"
e check -q -f app.env
ok "check -q is silent" test ! -s out
e check -f app.env -r NOPE
ok "check fails -> 78" rc 78

e print -f app.env -d sec
ok "print -> 0" rc 0
ok "print env format" out_has "HOST=db"
ok "*PASSWORD* redacted" out_has "DB_PASSWORD=<redacted>"
ok "*_KEY redacted" out_has "API_KEY=<redacted>"
ok "secrets-dir value redacted" out_has "OPAQUE=<redacted>"
ok "no secret value" leak_free "canary"
e print --reveal -f app.env -d sec
ok "--reveal shows secrets" out_has "DB_PASSWORD=pw-canary-1"
cp out printed.env
e print --reveal -f printed.env
cp out reprinted.env
ok "env output reads back identically" cmp -s printed.env reprinted.env
e print --reveal -f app.env -d sec -- true
ok "print with a command -> 64" rc 64

e print --format shell --reveal -f app.env
ok "shell format" out_has "export HOST='db'"
ok "shell quote escaping" out_has "it'\\''s"
e print --format shell --reveal -f app.env
( . ./out && printf '%s' "$MSG" ) >msg.txt
printf 'two\nlines "q" $x it'"'"'s' >want.txt
ok "shell output sources back to the same value" cmp -s msg.txt want.txt

e print --format json -f app.env
ok "json format" out_has '"HOST": "db"'
ok "json redacts" out_has '"DB_PASSWORD": "<redacted>"'
ok "json escapes newlines" out_has 'two\nlines'
# the whole document, exactly (valid JSON: quotes and backslashes escaped);
# -a: nothing inherited (valgrind's LD_PRELOAD) in it
e print --format json -f app.env -a 'HOST,DB_*,MSG,API_KEY,PLAIN'
ok "json: the whole document" out_is '{
  "HOST": "db",
  "DB_PASSWORD": "<redacted>",
  "MSG": "two\nlines \"q\" $x it'"'"'s",
  "API_KEY": "<redacted>",
  "PLAIN": "a b"
}'

printf 'HOST=other\n' >over.env
e print --explain -f app.env -f over.env -d sec -a 'HOST DB_*'
printf '%s\n' \
	"HOST: env file over.env:1, overrode app.env:1; kept: matches --allow 'HOST'" \
	"DB_PASSWORD: env file app.env:2, secret; kept: matches --allow 'DB_*'" \
	"MSG: env file app.env:3; stripped: not required, and matches no --allow or --keep glob" \
	"API_KEY: env file app.env:4, secret; stripped: not required, and matches no --allow or --keep glob" \
	"PLAIN: env file app.env:5; stripped: not required, and matches no --allow or --keep glob" \
	"OPAQUE: secret file sec/OPAQUE, secret; stripped: not required, and matches no --allow or --keep glob" \
	"PATH: inherited; stripped: not required, and matches no --allow or --keep glob" >want-explain
# (valgrind's pass adds LD_PRELOAD and PWD to what envinit inherits)
grep -v '^\(LD_PRELOAD\|PWD\):' err >got-explain
ok "explain: source, override, secrecy and the deciding glob, one whole line a key" cmp -s want-explain got-explain
ok "explain never shows values" leak_free "canary"
ok "print output still only kept keys" out_lacks "PLAIN"
