# Command line: help, version, usage errors (64), exit statuses 126/127,
# the child's own status, arguments passed untouched.

e --help
ok "--help exits 0" rc 0
ok "--help prints usage on stdout" out_has "usage: envinit"
e -h
ok "-h is --help" out_has "envinit check"
e --version
ok "--version exits 0" rc 0
ok "--version names the program" out_has "envinit "

err_is() { printf '%s\n' "$1" | cmp -s - "$T/err"; }
e help
ok "help verb exits 0" rc 0
cp out help.txt
e --help
ok "help verb prints what --help prints" cmp -s out help.txt
e version
ok "version verb exits 0" rc 0
cp out version.txt
e --version
ok "version verb prints what --version prints" cmp -s out version.txt
e --help
ok "--help lists every exit status" grep -qxF "Exit status: 0 success (check, print, lint, get, keygen, seal); in run" out
ok "--help names 128+N" grep -qxF "mode the command's own status, or 128+N when it died of signal N;" out
ok "--help names 64, 75, 78" grep -qxF "64 usage error; 75 --watch=exit after a change; 78 configuration or" out
ok "--help names 126, 127" grep -qxF "check failure; 126 command not executable; 127 command not found." out

e
ok "bare envinit: the problem and the hint, once" err_is "envinit: no command given
envinit: see 'envinit --help'"
e --foo
ok "unknown option named, hint once" err_is "envinit: unknown option '--foo'
envinit: see 'envinit --help'"
e --env-file
ok "missing argument told apart" err_is "envinit: option '--env-file' needs an argument
envinit: see 'envinit --help'"
e -q -f
ok "missing argument of a short option" err_is "envinit: option '-f' needs an argument
envinit: see 'envinit --help'"
e -qZ -- true
ok "unknown short option in a cluster" err_is "envinit: unknown option '-Z'
envinit: see 'envinit --help'"
e --reveal=x -- true
ok "a value given to a flag" err_is "envinit: option '--reveal' takes no argument
envinit: see 'envinit --help'"
e --ex -- true
ok "an ambiguous abbreviation" err_is "envinit: ambiguous option '--ex'
envinit: see 'envinit --help'"
e --explai -- true
ok "an unambiguous abbreviation still works" grep -qxF "PATH: inherited; kept: nothing is stripped without --allow or a service" err
e --exec --init -- true
ok "--exec with --init -> 64" rc 64
ok "--exec with --init says so" err_is "envinit: --exec and --init exclude each other: give one
envinit: see 'envinit --help'"
e --init --exec -- true
ok "--init with --exec -> 64" rc 64
e --exec --exec -- true
ok "--exec twice is fine" rc 0

e --no-such-option -- true
ok "unknown option is a usage error" rc 64
ok "unknown option is named" err_has "no-such-option"
e --reveal=hunter2canary -- true
ok "an option's =value is never echoed" err_lacks "hunter2canary"
e
ok "no command is a usage error" rc 64
ok "no command says so" err_has "no command given"
e check -- true
ok "check takes no command" rc 64
e print extra
ok "print takes no command" rc 64
e --format yaml print
ok "bad --format is a usage error" rc 64
ok "bad --format is named" err_has "--format"
e print --format yaml
ok "bad --format after the verb too" rc 64
e --max-value-size lots -- true
ok "bad --max-value-size" rc 64
e --grace soon -- true
ok "bad --grace" rc 64
e --rewrite TERM -- true
ok "bad --rewrite" rc 64
e --rewrite TERM:NOPE -- true
ok "unknown signal in --rewrite" rc 64
e --watch=sometimes -- true
ok "bad --watch" rc 64
e -f
ok "missing option argument" rc 64

e -- true
ok "runs a command: true -> 0" rc 0
e -- false
ok "child's status is envinit's: false -> 1" rc 1
e -- sh -c 'exit 42'
ok "child's status 42" rc 42
e run -- sh -c 'exit 7'
ok "explicit run verb" rc 7
e sh -c 'exit 3'
ok "command without --" rc 3
e --exec -- sh -c 'exit 5'
ok "--exec" rc 5

e -- no-such-command-envinit-test
ok "command not found -> 127" rc 127
ok "not found is named" err_has "no-such-command-envinit-test: command not found"
e -- ./missing/cmd
ok "missing path -> 127" rc 127
printf '#!/bin/sh\necho hi\n' >notexec.sh
chmod 0644 notexec.sh
e -- ./notexec.sh
ok "not executable -> 126" rc 126
ok "not executable is named" err_has "notexec.sh: cannot execute"
mkdir adir
e -- ./adir
ok "a directory -> 126" rc 126

e -- "$SHOWENV" -v --flag -- -x "two words"
ok "child's options untouched: -v" out_has "argv[1]=-v"
ok "child's options untouched: --flag" out_has "argv[2]=--flag"
ok "child's -- untouched" out_has "argv[3]=--"
ok "child's arguments untouched" out_has "argv[5]=two words"
e "$SHOWENV" -q
ok "first non-option word starts the command" out_has "argv[1]=-q"

mkdir bin && cp "$SHOWENV" bin/mytool
e -- mytool
ok "PATH search fails without the dir" rc 127
printf 'PATH=%s/bin:/usr/bin:/bin\n' "$T" >path.env
e --override -f path.env -- mytool
ok "PATH search uses the child's PATH" rc 0
e -f /dev/null -- true
ok "a device as env file is an error" rc 78
ok "the device is named" err_has "/dev/null: cannot read env file: not a regular file"

# -v says what was read, never a value; -q hides warnings.
printf 'A=verbose-canary\n' >v.env
mkdir vdir && printf 'x' >vdir/bad@name
e -v -f v.env -d vdir -- true
ok "-v runs" rc 0
ok "-v names the env file read" err_has "v.env: env file read: 1 keys"
ok "-v names the secrets dir read" err_has "vdir: secrets dir read: 0 keys"
ok "-v gives the kept/stripped count" err_has "kept, 0 stripped"
ok "-v shows warnings" err_has "warning: vdir/bad@name: skipped"
ok "-v never shows a value" err_lacks "verbose-canary"
e -f v.env -- true
ok "without -v no info lines" err_lacks "env file read"
e -q -f v.env -d vdir -- true
ok "-q hides warnings" err_lacks "warning"

# The default termination log is /dev/termination-log when it exists.
if unshare --mount true 2>/dev/null; then
	unshare --mount sh -c '
		mount -t tmpfs tmpfs /dev && : >/dev/null && chmod 666 /dev/null &&
		: >/dev/termination-log &&
		"$1" -r NEEDED_KEY -- true 2>/dev/null; echo "rc=$?" >"$2/devlog.rc";
		cp /dev/termination-log "$2/devlog"' sh "$EI" "$T"
	ok "default /dev/termination-log written" file_has devlog "NEEDED_KEY: required but not set"
	ok "default termination log: exit 78" file_has devlog.rc "rc=78"
fi

# An exec failure goes to the --termination-log as well.
: >execlog # exists, as in Kubernetes
e --termination-log execlog -- no-such-command-for-log
ok "exec failure -> 127" rc 127
ok "exec failure in the termination log" file_has execlog "no-such-command-for-log: command not found"

# Every exit status envinit can return is in --help, the README and the man page.
e --help
for s in 64 75 78 126 127 128+N; do
	re=$(printf '%s' "$s" | sed 's/+/\\+/')
	ok "exit status $s in --help" grep -qE "(^|[ ;:])$re " out
	ok "exit status $s in the README's table" grep -qF "| $s |" "$ROOT/README.md"
	ok "exit status $s in envinit(1)" grep -qxE "\.It ($re|128\+ Ns Ar n)" "$ROOT/man/envinit.1"
done
