# Attack: make envinit show a value through a message or through print,
# where redaction by name alone would miss it.
err_is() { printf '%s\n' "$1" | cmp -s - "$T/err"; }

# ---- a URL's password, whatever the key's name ------------------------------
printf 'U=https://bob:pw-in-url@example.com/x\nR=redis://:pw2@h1:6379,redis://u:pw3@h2\nN=http://host:8080/a@b\n' >u.env
e print --clear-env -f u.env
ok "url: 0" rc 0
ok "url: password redacted, user and host kept" out_is \
'U="https://bob:<redacted>@example.com/x"
R="redis://:<redacted>@h1:6379,redis://u:<redacted>@h2"
N=http://host:8080/a@b'
ok "url: no password shown" sh -c "! grep -q pw $T/out"
e print --clear-env -f u.env --format shell
ok "url: shell format too" out_has "export U='https://bob:<redacted>@example.com/x'"
e print --clear-env -f u.env --reveal
ok "url: --reveal shows it" out_has 'U=https://bob:pw-in-url@example.com/x'

# ---- the wider secret-name list ---------------------------------------------
printf 'DB_PASS=a1\nMYSQL_PWD=a2\nGPG_PASSPHRASE=a3\nSSH_PRIVATE=a4\nADMIN_PASSWD=a5\nUSER=app\n' >n.env
e print --clear-env -f n.env
ok "names: every secret-looking name redacted" out_is \
'DB_PASS=<redacted>
MYSQL_PWD=<redacted>
GPG_PASSPHRASE=<redacted>
SSH_PRIVATE=<redacted>
ADMIN_PASSWD=<redacted>
USER=app'

# ---- an unknown [keys] word is never echoed ---------------------------------
printf '[keys]\nA = int hunterpassword\n' >m.ini
e check -c m.ini --termination-log "$T/termlog"
ok "rule word: 78" rc 78
ok "rule word: named by position only" \
	err_is 'envinit: m.ini:2: A: unknown rule word (word 2)'
ok "rule word: never echoed" leak_free hunterpassword
printf '[keys]\nA = int default="hunterpassword\n' >q.ini
e check -c q.ini
ok "unterminated quote: the word, not its text" \
	err_is 'envinit: q.ini:2: A: default: unterminated " (a quoted value ends at " before a space or the line'"'"'s end)'

# ---- seal --public-key ARG: ARG may be a private key pasted by mistake ------
printf 'v' >in
ee "$EI" seal --public-key 'notakeybutasecret' NAME
ok "public key: 78" rc 78
ok "public key: the argument is never echoed" leak_free notakeybutasecret

# ---- an unset variable in interpolation: a warning, not silence -------------
printf 'URL=postgres://app:${DB_PASSWORD}@db\nOK=${UNSET_WITH_DEFAULT:-x}\nALT=${UNSET_ALT:+y}\n' >w.env
e check --clear-env -f w.env
ok "unset: 0" rc 0
ok "unset: one warning naming it and FILE:LINE" err_is \
	'envinit: warning: DB_PASSWORD: not set, interpolated as empty (w.env:1)'
e check --clear-env -f w.env -q
ok "unset: -q silences it" test ! -s "$T/err"
