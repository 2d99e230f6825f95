# Attack: launder a value through interpolation. A secret copied into
# another key must stay secret, and a key the service is denied must not
# reach it inside another key.
err_is() { printf '%s\n' "$1" | cmp -s - "$T/err"; }

cat >f.env <<'X'
POSTGRES_PASSWORD=hunter2
DSN=host=db user=app password=${POSTGRES_PASSWORD}
COPY=x$DSN
PLAIN=hello
X
# secret by name, then through two steps
e print --clear-env -f f.env
ok "print: 0" rc 0
ok "print: a value built from a secret is redacted, transitively" out_is \
'POSTGRES_PASSWORD=<redacted>
DSN=<redacted>
COPY=<redacted>
PLAIN=hello'
ok "print: the password appears nowhere" leak_free hunter2
e print --clear-env -f f.env --reveal
ok "print --reveal shows it" out_has 'DSN="host=db user=app password=hunter2"'

# --explain says where the taint came from, names only
e check --clear-env -f f.env --explain -q
ok "explain: built from, secret" err_has \
	"DSN: env file f.env:2, built from POSTGRES_PASSWORD, secret;"
ok "explain: transitive" err_has \
	"COPY: env file f.env:3, built from DSN,POSTGRES_PASSWORD, secret;"

# secret only by a [keys] rule, known after assembly
printf 'DB_PW=s3cr3tpw\nCONN=user:${DB_PW}\n' >g.env
printf '[keys]\nDB_PW = secret\n' >m.ini
e print --clear-env -f g.env -c m.ini
ok "print: secret by [keys] rule taints CONN" out_is 'DB_PW=<redacted>
CONN=<redacted>'

# taint follows the inherited environment when it supplies the value
printf 'HDR=Bearer ${API_TOKEN}\n' >h.env
ee API_TOKEN=tok-in-env "$EI" print --clear-env --keep API_TOKEN -f h.env
ok "print: built from an inherited secret" out_is 'HDR=<redacted>
API_TOKEN=<redacted>'
ok "inherited token never shown" leak_free tok-in-env

# ---- --deny means the value, not only the name ------------------------------
e check --clear-env -f f.env --deny POSTGRES_PASSWORD --termination-log "$T/termlog"
ok "deny: 78" rc 78
ok "deny: both keys named, one line each" err_is \
'envinit: DSN: built from denied key POSTGRES_PASSWORD (f.env:2)
envinit: COPY: built from denied key POSTGRES_PASSWORD (f.env:3)'
ok "deny: the value appears nowhere" leak_free hunter2
e run --clear-env -f f.env --deny POSTGRES_PASSWORD -- "$SHOWENV"
ok "deny: run starts nothing" rc 78
ok "deny: the child never printed" out_lacks DSN=
# a denied key's derived key that is itself stripped does not reach the
# service: nothing to refuse
e check --clear-env -f f.env --deny 'POSTGRES_PASSWORD DSN COPY'
ok "deny: derived keys stripped too -> 0" rc 0
