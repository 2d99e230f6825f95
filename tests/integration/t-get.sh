# envinit get KEY: the assembled, policed value of one key, for scripts.
C=CANARY-9e7
printf 'HOST=db.internal\nDB_PASSWORD=%s\nEMPTY=\nMULTI="a\\nb"\nOTHER=x\n' "$C" >app.env

e get -f app.env HOST
ok "get -> 0" rc 0
ok "the value and a newline, as printenv" out_is "db.internal"
ok "nothing on stderr" [ ! -s "$T/err" ]
e get -f app.env EMPTY
ok "an empty value -> 0" rc 0
ok "... prints an empty line" out_is ""
e get -f app.env MULTI
ok "a multi-line value is printed as it is" out_is "a
b"
e get -f app.env NOPE
ok "unset -> 78" rc 78
ok "... names the key" [ "$(cat "$T/err")" = "envinit: NOPE: not set" ]
ok "... prints nothing" [ ! -s "$T/out" ]
e get -f app.env DB_PASSWORD
ok "a secret without --reveal -> 78" rc 78
ok "... says --reveal is needed" [ "$(cat "$T/err")" = "envinit: DB_PASSWORD: secret value: add --reveal to print it" ]
ok "... never shows it" leak_free "$C"
e get --reveal -f app.env DB_PASSWORD
ok "--reveal prints it -> 0" rc 0
ok "... exactly" out_is "$C"
e get -f app.env -a 'HOST' OTHER
ok "a key the policy strips -> 78" rc 78
ok "... said" [ "$(cat "$T/err")" = "envinit: OTHER: not set for this service (stripped)" ]
ee HOST=inherited "$EI" get HOST
ok "the inherited environment is a source" out_is "inherited"
ee HOST=inherited "$EI" get --override -f app.env HOST
ok "precedence applies (--override)" out_is "db.internal"
printf '[keys]\nPORT = port default=5432\n' >m.ini
e get -c m.ini PORT
ok "a manifest default" out_is "5432"
e get -c m.ini -r MISSING PORT
ok "a failing check fails get -> 78" rc 78
ok "... with the check's message" err_has "envinit: MISSING: required but not set"
ok "... printing nothing" [ ! -s "$T/out" ]
e get -f app.env
ok "no KEY -> 64" rc 64
e get -f app.env HOST OTHER
ok "two KEYs -> 64" rc 64
