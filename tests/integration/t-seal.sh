# Sealed values: keygen, seal (stdin and --in-place), opening, per-client
# keys, rotation, and that an opened value is never shown unasked.
C=CANARY-5ea1-wex
TC=CANARY-5ea1-techcorp

# envinit with VALUE on stdin (e and ee read /dev/null)
ei_in() { v=$1; shift; printf '%s' "$v" | env -i PATH=/usr/bin:/bin "$EI" "$@" >"$T/out" 2>"$T/err"; RC=$?; }
mode_of() { stat -c %a "$1"; }
ino_of() { stat -c %i "$1"; }
differ() { ! cmp -s "$1" "$2"; }

# ---- keygen ----------------------------------------------------------------
e keygen --private-key-file wex.key
ok "keygen -> 0" rc 0
ok "key file is 0600" [ "$(mode_of wex.key)" = 600 ]
ok "stdout is one public key line" [ "$(wc -l <"$T/out")" = 1 ]
ok "public key line format" grep -qE '^envinit-pk-v1:[A-Za-z0-9+/]{43}=$' "$T/out"
ok "key file format" grep -qE '^ENVINIT-PRIVATE-KEY-V1:[A-Za-z0-9+/]{43}=$' wex.key
cp "$T/out" wex.pub
WEX_PUB=$(cat wex.pub)
ok "the private key is not printed" out_lacks "$(cut -d: -f2 wex.key)"
cp wex.key wex.key.orig
e keygen --private-key-file wex.key
ok "keygen refuses an existing file -> 78" rc 78
ok "... naming it" err_has "wex.key: already exists"
ok "... and leaves it alone" cmp -s wex.key wex.key.orig
ok "... printing no key" [ ! -s "$T/out" ]
(umask 077 && "$EI" keygen --private-key-file tc.key >tc.pub 2>/dev/null)
ok "second client's key" [ -s tc.pub ]
e keygen
ok "keygen without a file -> 64" rc 64

# ---- seal from stdin -------------------------------------------------------
ei_in "$C
" seal --public-key "$WEX_PUB" WEX_TOKEN
ok "seal -> 0" rc 0
ok "stdout: enc:v1:... on one line" grep -qE '^enc:v1:[A-Za-z0-9+/]+={0,2}$' "$T/out"
ok "the value is not in the output" leak_free "$C"
printf 'WEX_TOKEN=%s\n' "$(cat "$T/out")" >wex.env
ei_in "$C" seal --public-key wex.pub WEX_API_KEY
ok "--public-key as a file" rc 0
printf 'WEX_API_KEY=%s\n' "$(cat "$T/out")" >>wex.env
ei_in "$TC" seal --public-key "$(cat tc.pub)" TC_TOKEN
printf 'TC_TOKEN=%s\n' "$(cat "$T/out")" >techcorp.env
ei_in "x" seal --public-key wex.key X
ok "a private key as --public-key -> 78" rc 78
ok "... said" err_has "holds a private key"
ok "... never printed" err_lacks "$(cut -d: -f2 wex.key)"
ei_in "x" seal WEX_TOKEN
ok "seal without --public-key -> 64" rc 64

# ---- opening -----------------------------------------------------------------
e --private-key-file wex.key -f wex.env -- "$SHOWENV"
ok "the child receives the plaintext" out_has "WEX_TOKEN=$C"
ok "one trailing newline removed by seal" out_has "WEX_API_KEY=$C"
ok "not the sealed form" out_lacks "enc:v1:"
ok "the key file path itself is not exported" out_lacks "wex.key"
e print --private-key-file wex.key -f wex.env
ok "print -> 0" rc 0
ok "print redacts an opened value" out_has "WEX_TOKEN=<redacted>"
ok "... and never shows it" leak_free "$C"
ei_in "$C" seal --public-key wex.pub WEX_DSN
printf 'WEX_DSN=%s\n' "$(cat "$T/out")" >dsn.env
e print --private-key-file wex.key -f dsn.env
ok "a sealed value is secret whatever its name" out_has "WEX_DSN=<redacted>"
ok "... never shown" leak_free "$C"
e print --reveal --private-key-file wex.key -f wex.env
ok "print --reveal shows it" out_has "WEX_TOKEN=$C"
e print --format json --private-key-file wex.key -f wex.env
ok "json redacts too" leak_free "$C"
e check --explain --private-key-file wex.key -f wex.env
ok "--explain says sealed" err_has "sealed"
ok "... but not the value" leak_free "$C"
ee ENVINIT_PRIVATE_KEY_FILE="$T/wex.key" "$EI" -f wex.env -- "$SHOWENV"
ok "\$ENVINIT_PRIVATE_KEY_FILE" out_has "WEX_TOKEN=$C"
ok "... is not passed on" out_lacks "ENVINIT_PRIVATE_KEY_FILE"
ee "INH_TOKEN=$(ei_in "$C" seal --public-key wex.pub INH_TOKEN; cat "$T/out")" \
	"$EI" --private-key-file wex.key -- "$SHOWENV"
ok "a sealed value inherited from the environment is opened" out_has "INH_TOKEN=$C"
cp wex.env viafile.txt && sed -n 's/^WEX_TOKEN=//p' wex.env >tokfile
ee WEX_TOKEN_FILE="$T/tokfile" "$EI" --private-key-file wex.key -- "$SHOWENV"
ok "a sealed value behind KEY_FILE is opened" out_has "WEX_TOKEN=$C"

# ---- failures: 78, the key named, never a value ---------------------------
e --private-key-file wex.key -f techcorp.env --termination-log termlog -- "$SHOWENV"
ok "WEX's key cannot open TechCorp's value -> 78" rc 78
ok "... naming the key" err_has "TC_TOKEN: no private key opens it"
ok "... and where it came from" err_has "techcorp.env:1"
ok "... the child never ran" out_lacks "PATH="
ok "... no plaintext anywhere" leak_free "$TC"
ok "... termination log" file_has termlog "TC_TOKEN"
e --private-key-file tc.key -f techcorp.env -- "$SHOWENV"
ok "TechCorp's key opens it" out_has "TC_TOKEN=$TC"
e -f wex.env --termination-log termlog -- true
ok "no key given -> 78" rc 78
ok "... said per key" err_has "WEX_TOKEN: sealed value but no --private-key-file given"
sed 's/^WEX_TOKEN=/OTHER_TOKEN=/' wex.env >moved.env
e --private-key-file wex.key -f moved.env --termination-log termlog -- true
ok "a value moved to another key -> 78" rc 78
ok "... name mismatch said" err_has "OTHER_TOKEN: sealed for key WEX_TOKEN, not OTHER_TOKEN"
ok "... no plaintext" leak_free "$C"
tok=$(sed -n 's/^WEX_TOKEN=//p' wex.env)
ch=$(printf '%s' "$tok" | cut -c20)
if [ "$ch" = A ]; then ch=B; else ch=A; fi
printf 'WEX_TOKEN=%s%s%s\n' "$(printf '%s' "$tok" | cut -c1-19)" "$ch" \
	"$(printf '%s' "$tok" | cut -c21-)" >flipped.env
ok "(the flip changed the file)" differ wex.env flipped.env
e --private-key-file wex.key -f flipped.env --termination-log termlog -- true
ok "a flipped byte -> 78" rc 78
ok "... no key opens it" err_has "WEX_TOKEN: no private key opens it"
ok "... no plaintext" leak_free "$C"
sed 's/^\(WEX_TOKEN=.*\).$/\1/' wex.env >cut.env
e --private-key-file wex.key -f cut.env --termination-log termlog -- true
ok "a truncated value -> 78" rc 78
ok "... corrupt said" err_has "WEX_TOKEN: corrupt or truncated sealed value"
sed 's/^WEX_TOKEN=enc:v1:/WEX_TOKEN=enc:v2:/' wex.env >v2.env
e --private-key-file wex.key -f v2.env -- true
ok "enc:v2: -> 78" rc 78
ok "... unknown version" err_has "WEX_TOKEN: unknown sealed-value version v2"
printf 'garbage\n' >bad.key
e --private-key-file bad.key -f wex.env --termination-log termlog -- true
ok "a malformed key file -> 78" rc 78
ok "... named" err_has "bad.key: malformed private key file"
e --private-key-file nothere.key -f wex.env -- true
ok "a missing key file -> 78" rc 78
ok "... named" err_has "nothere.key: cannot read private key file"
e --private-key-file nothere.key -f techcorp.env -f moved.env -- true
ok "every problem at once: not one per value when the key file is missing" \
	[ "$(grep -c 'no private key opens' "$T/err")" = 0 ]
e --private-key-file tc.key -f wex.env -f moved.env --termination-log termlog -- true
ok "every problem reported" [ "$(grep -c '^envinit: ' "$T/err")" = 3 ]
ok "... none with a value" leak_free "$C"

# ---- rotation: two keys ------------------------------------------------------
cat wex.env techcorp.env >both.env
e --private-key-file wex.key --private-key-file tc.key -f both.env -- "$SHOWENV"
ok "rotation: either key opens its values" out_has "WEX_TOKEN=$C"
ok "... both" out_has "TC_TOKEN=$TC"
e --private-key-file tc.key --private-key-file wex.key -f both.env -- "$SHOWENV"
ok "rotation: in either order" out_has "WEX_TOKEN=$C"

# ---- the private key inside a secrets dir is never exported ---------------
mkdir run-secrets
"$EI" keygen --private-key-file run-secrets/PRIVATE_KEY >sec.pub
printf '%s' "$C" | "$EI" seal --public-key sec.pub DB_PASSWORD >run-secrets/DB_PASSWORD
e -d run-secrets --private-key-file run-secrets/PRIVATE_KEY -- "$SHOWENV"
ok "a sealed secret file is opened" out_has "DB_PASSWORD=$C"
ok "the private key in the dir is not exported" out_lacks "PRIVATE_KEY"
ok "... nor its content" out_lacks "ENVINIT-PRIVATE-KEY"
ee ENVINIT_PRIVATE_KEY_FILE="$T/run-secrets/PRIVATE_KEY" "$EI" -d run-secrets -- "$SHOWENV"
ok "... also when named by \$ENVINIT_PRIVATE_KEY_FILE" out_lacks "ENVINIT-PRIVATE-KEY"
ok "... and the secret opened" out_has "DB_PASSWORD=$C"
ln -s PRIVATE_KEY run-secrets/key-link
e -d run-secrets --private-key-file run-secrets/key-link -- "$SHOWENV"
ok "... nor through a symlink to it" out_lacks "ENVINIT-PRIVATE-KEY"

# ---- seal --in-place ----------------------------------------------------------
printf '# WEX worker\r\nLOG_LEVEL=info\r\n  export WEX_TOKEN = %s  # rotated monthly\r\n' "$C" >in.env
printf 'CERT="-----BEGIN\nWEX_TOKEN=not-an-entry\n-----END"\n' >>in.env
printf "QUOTED='%s'#tail\n" "$C" >>in.env
printf 'WEX_PASSWORD: %s\nLAST=kept' "$C" >>in.env
chmod 640 in.env
# the reference, built by hand: what must stay byte for byte
printf '# WEX worker\r\nLOG_LEVEL=info\r\n  export WEX_TOKEN=SEALED  # rotated monthly\r\n' >expected
printf 'CERT=SEALED\n' >>expected
printf 'QUOTED=SEALED #tail\n' >>expected
printf 'WEX_PASSWORD=SEALED\nLAST=kept' >>expected
ino=$(ino_of in.env)
e seal --public-key wex.pub --in-place in.env WEX_TOKEN CERT QUOTED WEX_PASSWORD
ok "seal --in-place -> 0" rc 0
ok "... prints nothing" [ ! -s "$T/out" ]
sed 's/enc:v1:[A-Za-z0-9+/]*=*/SEALED/' in.env >got
ok "comments, order, other lines, CRLF, export, indentation kept" cmp -s expected got
ok "no plaintext left in the file" file_lacks in.env "$C"
ok "the multi-line value is sealed whole" file_lacks in.env "not-an-entry"
ok "mode kept" [ "$(mode_of in.env)" = 640 ]
ok "replaced by rename (new inode)" [ "$(ino_of in.env)" != "$ino" ]
ok "no temporary file left" [ -z "$(ls -A | grep envinit-)" ]
e print --reveal --private-key-file wex.key -f in.env
ok "the sealed file opens to the same values" out_has "WEX_TOKEN=$C"
ok "... the multi-line one" out_has 'CERT="-----BEGIN\nWEX_TOKEN=not-an-entry\n-----END"'
ok "... the single-quoted one" out_has "QUOTED=$C"
ok "... the colon one" out_has "WEX_PASSWORD=$C"
ok "... the untouched ones" out_has "LAST=kept"
cp in.env in.once
ino=$(ino_of in.env)
e seal --public-key wex.pub --in-place in.env WEX_TOKEN CERT QUOTED WEX_PASSWORD
ok "second run -> 0" rc 0
ok "idempotent: byte-identical" cmp -s in.once in.env
ok "... not even rewritten" [ "$(ino_of in.env)" = "$ino" ]

printf 'A=1\nWEX_TOKEN=%s\n' "$C" >fail.env
cp fail.env fail.orig
ino=$(ino_of fail.env)
e seal --public-key wex.pub --in-place fail.env WEX_TOKEN MISSING_KEY
ok "a NAME not in the file -> 78" rc 78
ok "... named with the file" err_has "MISSING_KEY: no entry sets it in this file (fail.env)"
ok "... the file is byte-identical" cmp -s fail.env fail.orig
ok "... not even replaced" [ "$(ino_of fail.env)" = "$ino" ]
ok "... no plaintext in messages" leak_free "$C"
printf 'URL=https://x/${WEX_TOKEN}\nWEX_TOKEN=%s\n' "$C" >interp.env
cp interp.env interp.orig
e seal --public-key wex.pub --in-place interp.env URL
ok "an interpolated value is refused -> 78" rc 78
ok "... said" err_has "URL: uses interpolation"
ok "... file untouched" cmp -s interp.env interp.orig
printf 'A="x" WEX_TOKEN=%s\n' "$C" >shared.env
e seal --public-key wex.pub --in-place shared.env WEX_TOKEN
ok "an entry sharing its line is refused" err_has "shares its line"
ok "... no plaintext in messages" leak_free "$C"
ln -s in.env link.env
printf '\nNEW=%s\n' "$C" >>in.env
e seal --public-key wex.pub --in-place link.env NEW
ok "through a symlink -> 0" rc 0
ok "... the link stays a link" [ -L link.env ]
ok "... its target is sealed" file_lacks in.env "$C"

# ---- only what the service receives is opened -------------------------------
# A shared file may hold another service's sealed values: stripped keys stay
# sealed and need no key; the same file without that policy fails.
cat wex.env techcorp.env >shared.env
e --private-key-file wex.key -f shared.env -a 'WEX_*' -- "$SHOWENV"
ok "stripped sealed value is not opened -> runs" rc 0
ok "... the kept one is opened" out_has "WEX_TOKEN=$C"
ok "... the stripped one never reaches the child" out_lacks "TC_TOKEN"
e --private-key-file wex.key -f shared.env -x 'TC_*' -- "$SHOWENV"
ok "denied sealed value is not opened -> runs" rc 0
e --private-key-file wex.key -f shared.env -- true
ok "without the policy the foreign value must open -> 78" rc 78
ok "... naming it" err_has "TC_TOKEN: no private key opens it"
ok "... nothing leaked" leak_free "$TC"

# A value that fails to open is reported once: no rule runs on its sealed text.
printf '[keys]\nTC_TOKEN = min=100 match=^x$\n' >rules.ini
e -c rules.ini --private-key-file wex.key -f techcorp.env -- true
ok "unopened value with rules -> 78" rc 78
ok "... the open error" err_has "TC_TOKEN: no private key opens it"
ok "... no rule error on the sealed text" err_lacks "TC_TOKEN: min"
ok "... no match error either" err_lacks "TC_TOKEN: match"

# ---- rotation: seal --in-place --reseal --------------------------------------
# wex.key/wex.pub is the old key pair; new.key/new.pub the new one.
"$EI" keygen --private-key-file new.key >new.pub
seal_old() { printf '%s' "$2" | "$EI" seal --public-key wex.pub "$1"; }
seal_new() { printf '%s' "$2" | "$EI" seal --public-key new.pub "$1"; }
{
	printf '# rotation\nexport WEX_TOKEN=%s # the token\n' "$(seal_old WEX_TOKEN "$C")"
	printf 'PLAIN=kept\nWEX_API_KEY=%s\n' "$(seal_old WEX_API_KEY "$C-api")"
} >rot.env
cp rot.env rot.orig
ino=$(ino_of rot.env)
e seal --in-place rot.env --reseal --private-key-file wex.key --public-key new.pub
ok "reseal -> 0" rc 0
ok "... says what it did" out_is "envinit: rot.env: re-sealed 2, already sealed to the new key 0, left unopened 0"
ok "... the file was replaced (atomic rename)" [ "$(ino_of rot.env)" != "$ino" ]
ok "... its mode kept" [ "$(mode_of rot.env)" = "$(mode_of rot.orig)" ]
ok "... no plaintext anywhere" leak_free "$C"
ok "... nor in the file" file_lacks rot.env "$C"
ok "... the comment, export and other lines kept" \
	[ "$(sed 's/enc:v1:[A-Za-z0-9+/=]*/SEALED/' rot.env)" = "$(sed 's/enc:v1:[A-Za-z0-9+/=]*/SEALED/' rot.orig)" ]
e --private-key-file new.key -f rot.env -- "$SHOWENV"
ok "the new key opens the re-sealed values" out_has "WEX_TOKEN=$C"
ok "... every one" out_has "WEX_API_KEY=$C-api"
e --private-key-file wex.key -f rot.env -- true
ok "the old key no longer does -> 78" rc 78

# twice: with the new private key given too, what it opens is left alone
e seal --in-place rot.env --reseal --private-key-file wex.key --private-key-file new.key --public-key new.pub
cp rot.env rot.once
ino=$(ino_of rot.env)
e seal --in-place rot.env --reseal --private-key-file wex.key --private-key-file new.key --public-key new.pub
ok "reseal twice -> 0" rc 0
ok "... changes nothing" out_is "envinit: rot.env: re-sealed 0, already sealed to the new key 2, left unopened 0"
ok "... byte-identical" cmp -s rot.env rot.once
ok "... not even rewritten" [ "$(ino_of rot.env)" = "$ino" ]

# a value no given key opens: named, and nothing changes
{
	printf 'WEX_TOKEN=%s\n' "$(seal_old WEX_TOKEN "$C")"
	printf 'TC_TOKEN=%s\n' "$(printf '%s' "$TC" | "$EI" seal --public-key tc.pub TC_TOKEN)"
} >mixed.env
cp mixed.env mixed.orig
e seal --in-place mixed.env --reseal --private-key-file wex.key --public-key new.pub
ok "an unopened value -> 78" rc 78
cat >want <<'EOF2'
envinit: TC_TOKEN: no given private key opens it (mixed.env:2)
envinit: mixed.env: nothing re-sealed; the file is unchanged (--skip-unopened re-seals the others)
EOF2
ok "... named by key and line, then nothing changed" cmp -s want "$T/err"
ok "... byte-identical" cmp -s mixed.env mixed.orig
e seal --in-place mixed.env --reseal --skip-unopened --private-key-file wex.key --public-key new.pub
ok "--skip-unopened -> 0" rc 0
ok "... warns by name" err_has "envinit: warning: TC_TOKEN: no given private key opens it; left as it is (--skip-unopened) (mixed.env:2)"
ok "... re-seals the rest" out_is "envinit: mixed.env: re-sealed 1, already sealed to the new key 0, left unopened 1"
ok "... the unopened line is untouched" [ "$(sed -n 2p mixed.env)" = "$(sed -n 2p mixed.orig)" ]
ok "... the other one changed" [ "$(sed -n 1p mixed.env)" != "$(sed -n 1p mixed.orig)" ]
ok "... nothing leaked" leak_free "$TC"

# NAMEs: only those
printf 'A=%s\nB=%s\n' "$(seal_old A a)" "$(seal_old B b)" >names.env
cp names.env names.orig
e seal --in-place names.env --reseal --private-key-file wex.key --public-key new.pub B
ok "reseal NAME -> 0" rc 0
ok "... A untouched" [ "$(sed -n 1p names.env)" = "$(sed -n 1p names.orig)" ]
ok "... B re-sealed" [ "$(sed -n 2p names.env)" != "$(sed -n 2p names.orig)" ]
e seal --in-place names.env --reseal --private-key-file wex.key --public-key new.pub NOPE
ok "a NAME with no sealed entry -> 78" rc 78
ok "... said" err_has "envinit: NOPE: no sealed entry sets it in this file (names.env)"
printf 'A=%s\nB=${NOT_HERE:?set it}\n' "$(seal_old A a)" >req.env
e seal --in-place req.env --reseal --private-key-file wex.key --public-key new.pub
ok "a \${X:?} lookup elsewhere in the file does not stop a reseal -> 0" rc 0
ok "... and stays as it was" [ "$(sed -n 2p req.env)" = 'B=${NOT_HERE:?set it}' ]
e seal --reseal --private-key-file wex.key --public-key new.pub
ok "--reseal without --in-place -> 64" rc 64
e seal --in-place names.env --reseal --public-key new.pub
ok "--reseal without a private key -> 64" rc 64

# ---- a gone key file during a rotation ---------------------------------------
e --private-key-file gone.key --private-key-file new.key -f rot.env -- "$SHOWENV"
ok "a missing key file, the other opening everything -> runs" rc 0
ok "... a warning naming it" err_has "envinit: warning: gone.key: cannot read private key file: no such file (the other keys open every sealed value)"
ok "... the values opened" out_has "WEX_TOKEN=$C"
e --private-key-file gone.key --private-key-file wex.key -f rot.env -- true
ok "a missing key file, the other not opening -> 78" rc 78
ok "... the key file is an error" err_has "envinit: gone.key: cannot read private key file: no such file"
ok "... the value too" err_has "WEX_TOKEN: no private key opens it"
e --private-key-file gone.key -f rot.env -- true
ok "the only key file missing -> 78" rc 78
printf 'not a key\n' >bad.key
e --private-key-file bad.key --private-key-file new.key -f rot.env -- true
ok "a malformed key file stays an error -> 78" rc 78
