# Policy: --require, --require-from, --allow, --deny, --clear-env, --keep.

printf 'DB_HOST=db\nDB_PORT=5432\nEMPTY=\nWEX_TOKEN=w\nTC_TOKEN=t\n' >app.env

e -f app.env -r DB_HOST,DB_PORT -- true
ok "required keys present -> runs" rc 0
e -f app.env -r "DB_HOST MISSING_ONE" -r MISSING_TWO -- touch ran
ok "missing required -> 78" rc 78
ok "first missing key named" err_has "MISSING_ONE: required but not set"
ok "every problem at once" err_has "MISSING_TWO: required but not set"
ok "nothing run" test ! -e ran
e -f app.env -r EMPTY -- true
ok "required but empty -> 78" rc 78
ok "empty is said, with the source" err_has "EMPTY: required but empty (app.env:3)"

printf '# example\nDB_HOST=\nNEEDED_TOO=changeme\n' >.env.example
e -f app.env --require-from .env.example -- true
ok "--require-from: missing key -> 78" rc 78
ok "--require-from names it" err_has "NEEDED_TOO: required but not set"

e -f app.env -a 'DB_*' -- "$SHOWENV"
ok "--allow keeps matches" out_has "DB_HOST=db"
ok "--allow strips the rest" out_lacks "WEX_TOKEN"
ok "--allow strips inherited too" out_lacks "PATH="
e -f app.env -a 'DB_*' -r WEX_TOKEN -- "$SHOWENV"
ok "required keys are always kept" out_has "WEX_TOKEN=w"
ok "not-allowed still stripped" out_lacks "TC_TOKEN"
e -f app.env -a 'DB_*' -k PATH -- "$SHOWENV"
ok "--keep keeps with --allow" out_has "PATH=/usr/bin:/bin"

e -f app.env -x '*_TOKEN' -- "$SHOWENV"
ok "--deny strips" out_lacks "TOKEN"
ok "--deny leaves the rest" out_has "DB_PORT=5432"
e -f app.env -a '*' -x 'TC_*' -- "$SHOWENV"
ok "--deny wins over --allow" out_lacks "TC_TOKEN"
e -f app.env -x 'WEX_*' -r WEX_TOKEN -- true
ok "required and denied -> 78" rc 78
ok "required and denied is said" err_has "WEX_TOKEN: required but denied"

ee HOME=/root SECRET_INHERITED=s TZ=UTC "$EI" -i -k 'PATH HOME' -f app.env -- "$SHOWENV"
ok "--clear-env drops the inherited" out_lacks "SECRET_INHERITED"
ok "--clear-env drops unkept TZ" out_lacks "TZ="
ok "--keep keeps HOME" out_has "HOME=/root"
ok "--clear-env keeps file keys" out_has "DB_HOST=db"
printf 'X=${SECRET_INHERITED:-none}\n' >cl.env
ee SECRET_INHERITED=s "$EI" -i -f cl.env -- "$SHOWENV"
ok "--clear-env: interpolation cannot see dropped keys" out_has "X=none"
