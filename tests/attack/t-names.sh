# Attack: names are data. An inherited variable's NAME is chosen by
# whoever controls the container's environment; it must never run a
# command through `print --format shell`, nor forge a line of print
# output, stderr or the termination log.
err_is() { printf '%s\n' "$1" | cmp -s - "$T/err"; }
NL='
'

# ---- a name that runs a command when the shell output is evaluated ----------
ee "X;touch $T/pwned;Y=1" B=2 "$EI" print --format shell
ok "shell: exit 0" rc 0
ok "shell: only shell identifiers are printed" out_is "export PATH='/usr/bin:/bin'
export B='2'"
ok "shell: the bad name is left out with a warning" \
	err_is "envinit: warning: X;touch $T/pwned;Y: not a shell identifier: left out of --format shell"
sh "$T/out"
ok "shell: evaluating the output runs nothing" test ! -e "$T/pwned"
ee "\$(touch $T/pwned2)=1" "A'B=2" C=3 "$EI" print --format shell -q
ok "shell: \$() and quote names left out, -q silences" out_is "export PATH='/usr/bin:/bin'
export C='3'"
sh "$T/out"
ok "shell: command substitution in a name runs nothing" test ! -e "$T/pwned2"

# ---- a name with a newline: dropped at the boundary, shown escaped ----------
ee "A${NL}FORGED=1" B=2 "$EI" print --format env
ok "env: no forged line in print output" out_is "PATH=/usr/bin:/bin
B=2"
ok "env: the name is dropped with an escaped warning" \
	err_is 'envinit: warning: A\nFORGED: inherited name holds a control character or a non-UTF-8 byte: dropped (environment)'

# the name would be a KEY_FILE pointer whose error names the key: it must
# not forge an "envinit:" line in stderr or in the termination log
ee "X${NL}envinit: all good_FILE=/nonexistent" "$EI" check --require NEED \
	--termination-log "$T/termlog"
ok "check: fails on the missing key only" rc 78
ok "stderr: one escaped warning, then the real error" err_is \
'envinit: warning: X\nenvinit: all good_FILE: inherited name holds a control character or a non-UTF-8 byte: dropped (environment)
envinit: NEED: required but not set'
ok "termination log: the real error only" sh -c \
	"printf 'envinit: NEED: required but not set\n' | cmp -s - '$T/termlog'"

# escape sequences and bytes that are not UTF-8 are escaped too
ee "$(printf 'E\033[2JX\377')=1" "$EI" check -q
ok "ESC and 0xff: dropped (exit 0 with -q)" rc 0
ee "$(printf 'E\033[2JX\377')=1" "$EI" check
ok "ESC and 0xff: shown as \\x1b and \\xff" err_is \
'envinit: warning: E\x1b[2JX\xff: inherited name holds a control character or a non-UTF-8 byte: dropped (environment)'

# ---- a path is data too: a file name with a newline -------------------------
e check --env-file "missing${NL}envinit: check passed"
ok "path: 78" rc 78
ok "path: escaped in the one error line" \
	err_is 'envinit: missing\nenvinit: check passed: cannot read env file: no such file'
