# Hygiene: a canary secret never appears in stdout, stderr or the
# termination log, whatever fails; the termination log gets the summary.
C=CANARY-7f3a9c

printf 'GOOD=1\nDB_PASSWORD=%s\nBAD KEY=%s\n' "$C" "$C" >bad.env
e -f bad.env --termination-log termlog -- true
ok "bad line -> 78" rc 78
ok "error names FILE:LINE" err_has "bad.env:3"
ok "canary not leaked (bad key line)" leak_free "$C"
ok "termination log written" file_has termlog "bad.env:3"

printf 'A="%s\n' "$C" >unterminated.env
e -f unterminated.env --termination-log termlog -- true
ok "unterminated quote -> 78" rc 78
ok "unterminated: start line" err_has "unterminated.env:1"
ok "canary not leaked (unterminated)" leak_free "$C"

printf 'A=${%s\n' "$C" >tmpl.env
e -f tmpl.env --termination-log termlog -- true
ok "bad template -> 78" rc 78
ok "canary not leaked (template)" leak_free "$C"

printf 'A=%s\nB=${UNSET:?%s}\n' "$C" "must be set" >req.env
e -f req.env --termination-log termlog -- true
ok "required interpolation -> 78" rc 78
ok "names the line" err_has "req.env:2"
ok "canary not leaked (:?)" leak_free "$C"

printf 'TOKEN=%s\n' "$C" >tok.env
e -v --explain -f tok.env -r TOKEN,MISSING --termination-log termlog -- true
ok "-v --explain failing -> 78" rc 78
ok "canary not leaked (-v --explain)" leak_free "$C"
ok "termination log names the key" file_has termlog "MISSING: required but not set"
e -v --explain -f tok.env -- true
ok "-v --explain passing" rc 0
ok "canary not leaked on success" leak_free "$C"

mkdir sec && printf '%s\0x' "$C" >sec/NULVAL
e -d sec --termination-log termlog -- true
ok "NUL in secret -> 78" rc 78
ok "canary not leaked (NUL)" leak_free "$C"

printf '%s' "$C" >sec2 && mkdir s2 && cp sec2 s2/X
e -d s2 --max-value-size 4 --termination-log termlog -- true
ok "too large -> 78" rc 78
ok "canary not leaked (size)" leak_free "$C"

ee "X_FILE=$C" "$EI" --file-keys X --termination-log termlog -- true
ok "unreadable _FILE -> 78" rc 78
ok "a _FILE path is never echoed, whatever the name" leak_free "$C"
ee "DB_PASSWORD_FILE=$C" "$EI" -r DB_PASSWORD --termination-log termlog -- true
ok "secret-named _FILE path not echoed" leak_free "$C"

ee "A=$C" "$EI" -- no-such-cmd-x
ok "127 path leaks nothing" leak_free "$C"

# The log holds at most 4096 bytes, whole lines.
i=0; : >many.env
while [ $i -lt 300 ]; do printf 'K%d=\n' $i >>many.env; i=$((i + 1)); done
req=$(sed 's/=.*//' many.env | tr '\n' ' ')
e -f many.env -r "$req" --termination-log termlog -- true
ok "many problems -> 78" rc 78
ok "termination log at most 4096 bytes" test "$(wc -c <termlog)" -le 4096
ok "termination log non-trivial" test "$(wc -c <termlog)" -gt 3000
ok "termination log ends with a whole line" test "$(tail -c 1 termlog | od -An -c | tr -d ' ')" = '\n'
ok "stderr has every problem" test "$(grep -c 'required but empty' err)" = 300
