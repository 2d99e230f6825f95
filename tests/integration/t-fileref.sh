# KEY_FILE indirection: only declared keys, only from env files and the
# environment; every other *_FILE variable reaches the service untouched.
# The private key never does; an error never shows the pointer's text.
err_is() { printf '%s\n' "$1" | cmp -s - "$T/err"; }
C=CANARY-fileref-9d41
env_is() { printf '%s\n' "$1" | sort >want && child_env >got && cmp -s want got; }

printf 'eyJhbGciOi-token\n' >tok
awk 'BEGIN { for (i = 0; i < 3000; i++) printf "%064d\n", i }' >ca.pem # > 128 KiB
mkdir run-secrets && printf 'db-secret\n' >run-secrets/db

# ---- cloud identity and inherited paths arrive untouched -------------------
ee AWS_WEB_IDENTITY_TOKEN_FILE="$T/tok" AZURE_FEDERATED_TOKEN_FILE="$T/tok" \
	SSL_CERT_FILE="$T/ca.pem" TF_CLI_CONFIG_FILE=/nonexistent/.terraformrc \
	"$EI" -- "$SHOWENV"
ok "EKS/AKS/SSL_CERT_FILE/TF_CLI_CONFIG_FILE inherited -> 0" rc 0
ok "... each arrives exactly as set" env_is "PATH=/usr/bin:/bin
AWS_WEB_IDENTITY_TOKEN_FILE=$T/tok
AZURE_FEDERATED_TOKEN_FILE=$T/tok
SSL_CERT_FILE=$T/ca.pem
TF_CLI_CONFIG_FILE=/nonexistent/.terraformrc"
ok "... and nothing on stderr" test ! -s "$T/err"

ee AWS_WEB_IDENTITY_TOKEN_FILE="$T/tok" "$EI" -i -k 'PATH AWS_*' -- "$SHOWENV"
ok "--keep 'AWS_*' keeps the pointer, not its content" env_is "PATH=/usr/bin:/bin
AWS_WEB_IDENTITY_TOKEN_FILE=$T/tok"

# ---- a declared key still reads its file (docker run -e X_FILE=...) -------
ee DB_PASSWORD_FILE="$T/run-secrets/db" "$EI" -r DB_PASSWORD -- "$SHOWENV"
ok "-r DB_PASSWORD with DB_PASSWORD_FILE -> 0" rc 0
ok "... DB_PASSWORD is the file's content, the pointer is gone" env_is "PATH=/usr/bin:/bin
DB_PASSWORD=db-secret"
ee DB_PASSWORD_FILE="$T/run-secrets/db" "$EI" --file-keys 'DB_*' -- "$SHOWENV"
ok "--file-keys 'DB_*' declares it too" env_is "PATH=/usr/bin:/bin
DB_PASSWORD=db-secret"
printf '# the service needs\nDB_PASSWORD=\nOTHER=${X:-x}\n' >need.example
ee DB_PASSWORD_FILE="$T/run-secrets/db" OTHER=1 "$EI" --require-from need.example -- "$SHOWENV"
ok "--require-from declares it too (names read by the key scan)" env_is "PATH=/usr/bin:/bin
OTHER=1
DB_PASSWORD=db-secret"
printf '[defaults]\nfile_keys = DB_*\n' >fk.ini
ee DB_PASSWORD_FILE="$T/run-secrets/db" "$EI" -c fk.ini -- "$SHOWENV"
ok "... and the manifest's file_keys" env_is "PATH=/usr/bin:/bin
DB_PASSWORD=db-secret"
printf '[keys]\nDB_PASSWORD = optional\n' >keys.ini
ee DB_PASSWORD_FILE="$T/run-secrets/db" "$EI" -c keys.ini -- "$SHOWENV"
ok "... and a [keys] rule, even optional" env_is "PATH=/usr/bin:/bin
DB_PASSWORD=db-secret"

# ---- real compose env files run as compose reads them ----------------------
cat >real.env <<'END'
# app paths, not secrets (mattermost, jitsi, langfuse, docker-mailserver)
NGINX_DHPARAMS_FILE=/etc/nginx/dhparams.pem
USERS_FILE=/config/users
OCI_CONFIG_FILE=~/.oci/config
DB_FILE=
LOG_FILE=/var/log/app.log
END
e -f real.env -- "$SHOWENV"
ok "real env file with *_FILE paths and empty placeholders -> 0" rc 0
ok "... every variable as written" env_is "PATH=/usr/bin:/bin
NGINX_DHPARAMS_FILE=/etc/nginx/dhparams.pem
USERS_FILE=/config/users
OCI_CONFIG_FILE=~/.oci/config
DB_FILE=
LOG_FILE=/var/log/app.log"

# ---- a secrets-dir file named X_FILE is a value ----------------------------
mkdir sec
printf -- '-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----\n' "$C" >sec/TLS_KEY_FILE
e -d sec --termination-log termlog -- "$SHOWENV"
ok "secrets-dir TLS_KEY_FILE holding a PEM -> 0" rc 0
ok "... it is a value, not a pointer" env_is "PATH=/usr/bin:/bin
TLS_KEY_FILE=-----BEGIN PRIVATE KEY-----\\n$C\\n-----END PRIVATE KEY-----"
ok "... never in a message" sh -c '! grep -qF "$1" "$2" && ! grep -qF "$1" "$3"' - "$C" "$T/err" "$T/termlog"
printf '/etc/passwd\n' >sec/PW_FILE && rm sec/TLS_KEY_FILE
e -d sec --file-keys '*' -- "$SHOWENV"
ok "... even with --file-keys '*'" env_is "PATH=/usr/bin:/bin
PW_FILE=/etc/passwd"

# ---- the private key never reaches the service -----------------------------
"$EI" keygen --private-key-file k >/dev/null
e --private-key-file k -f k -- "$SHOWENV"
ok "the private key file as an env file -> 78" rc 78
ok "... said, naming the file" err_is "envinit: k: is a private key file, not an env file: the key never reaches the service"
ok "... nothing ran" test ! -s "$T/out"
printf 'TOKEN_FILE=%s/k\n' "$T" >tok.env
e --private-key-file k --file-keys TOKEN -f tok.env -- "$SHOWENV"
ok "KEY_FILE at the private key -> 78" rc 78
ok "... said, naming the key and where" err_is "envinit: TOKEN: TOKEN_FILE names a private key file: the key never reaches the service (TOKEN_FILE from tok.env:1)"
ok "... nothing ran" test ! -s "$T/out"

# ---- an error names KEY and where KEY_FILE was set, never the pointer ------
printf 'A=1\nAPI_KEY_FILE=%s\n' "$C" >ptr.env
e --file-keys API_KEY -f ptr.env --termination-log termlog -- true
ok "unreadable pointer -> 78" rc 78
ok "... names the key and FILE:LINE" err_is "envinit: API_KEY: cannot read the file API_KEY_FILE names: no such file (API_KEY_FILE set at ptr.env:2)"
ok "... never the pointer's text" leak_free "$C"
ee "SESSION_FILE=$C" "$EI" --file-keys SESSION --termination-log termlog -- true
ok "inherited unreadable pointer -> 78" rc 78
ok "... says inherited" err_is "envinit: SESSION: cannot read the file SESSION_FILE names: no such file (SESSION_FILE is inherited)"
ok "... never the pointer's text" leak_free "$C"
