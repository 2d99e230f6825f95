# Secret directories, KEY_FILE indirection, the Kubernetes layout.

mkdir plain
printf 'pw-one\n' >plain/DB_PASSWORD
printf 'line1\nline2\r\n' >plain/MULTI
printf 'x' >plain/.hidden
mkdir plain/sub
printf 'tok\n' >plain/api-token
e -d plain -- "$SHOWENV"
ok "secret file is a key" out_has "DB_PASSWORD=pw-one"
ok "one trailing CRLF removed, inner newline kept" out_has 'MULTI=line1\nline2'
ok "dot-entries skipped" out_lacks "hidden"
ok "subdirectories skipped" out_lacks "sub="
ok "dash mapped to underscore" out_has "api_token=tok"
e --secrets-upcase -d plain -- "$SHOWENV"
ok "--secrets-upcase" out_has "API_TOKEN=tok"

# A kubelet projected volume: ..data -> timestamped dir, per-key links.
mkdir k8s k8s/..2026_11_23_10_00_00.1
printf 'jwt-v1' >k8s/..2026_11_23_10_00_00.1/JWT_SECRET
printf 'sess-v1' >k8s/..2026_11_23_10_00_00.1/SESSION_SECRET
ln -s ..2026_11_23_10_00_00.1 k8s/..data
ln -s ..data/JWT_SECRET k8s/JWT_SECRET
ln -s ..data/SESSION_SECRET k8s/SESSION_SECRET
e -d k8s -- "$SHOWENV"
ok "kubelet layout read" out_has "JWT_SECRET=jwt-v1"
ok "kubelet layout: both keys" out_has "SESSION_SECRET=sess-v1"
ok "kubelet internals not exported" out_lacks "..data"

printf 'big' >plain/BIG
e --max-value-size 2 -d plain -- true
ok "--max-value-size exceeded -> 78" rc 78
ok "too-large file is named" err_has "plain/BIG"

mkfifo fifo-dir-fifo 2>/dev/null
mkdir fifodir && mkfifo fifodir/PIPE
e -d fifodir -- true
ok "a FIFO in a secrets dir is an error, no hang" rc 78
ok "the FIFO is named" err_has "fifodir/PIPE"

printf 'file-secret\n' >pw.txt
ee DB_PASS_FILE="$T/pw.txt" "$EI" -r DB_PASS -- "$SHOWENV"
ok "KEY_FILE from the environment is read" out_has "DB_PASS=file-secret"
ok "KEY_FILE itself never reaches the child" out_lacks "DB_PASS_FILE"
printf 'API_KEY_FILE=%s/pw.txt\n' "$T" >ref.env
e --file-keys 'API_*' -f ref.env -- "$SHOWENV"
ok "KEY_FILE from an env file" out_has "API_KEY=file-secret"
ee DB_PASS=direct DB_PASS_FILE="$T/pw.txt" "$EI" -r DB_PASS -- true
ok "KEY and KEY_FILE together -> 78" rc 78
ok "exclusive is said" err_has "DB_PASS and DB_PASS_FILE are exclusive"
ee DB_PASS_FILE="$T/nothere" "$EI" -r DB_PASS -- true
ok "KEY_FILE to a missing file -> 78" rc 78
ok "the key and where KEY_FILE was set are named, not the path" grep -qxF \
	"envinit: DB_PASS: cannot read the file DB_PASS_FILE names: no such file (DB_PASS_FILE is inherited)" "$T/err"
ee DB_PASS__PTR="$T/pw.txt" "$EI" --file-keys '*' --file-suffix __PTR -- "$SHOWENV"
ok "--file-suffix" out_has "DB_PASS=file-secret"
ee DB_PASS_FILE="$T/pw.txt" "$EI" -r DB_PASS --file-suffix '' -- true
ok "... even for a required key" rc 78
ee DB_PASS_FILE="$T/pw.txt" "$EI" --file-keys '*' --file-suffix '' -- "$SHOWENV"
ok "an empty --file-suffix turns indirection off" out_has "DB_PASS_FILE=$T/pw.txt"
printf 'a\0b' >nul.txt
ee X_FILE="$T/nul.txt" "$EI" --file-keys X -- true
ok "NUL byte in a KEY_FILE target -> 78" rc 78

# The private key file is never exported, even from a secrets dir.
mkdir withkey && printf 'k' >withkey/PRIVATE && printf 'v' >withkey/OTHER
e --private-key-file withkey/PRIVATE -d withkey -- "$SHOWENV"
ok "private key file not exported" out_lacks "PRIVATE="
ok "the rest of the dir is" out_has "OTHER=v"
