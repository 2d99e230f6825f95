# Attack (termination log): the path is settable in a manifest, and envinit
# often runs as root. A symlink there must not make it truncate or write
# another file, a missing path must not be created, and a FIFO or device
# (as /dev/termination-log may be) is written without truncation.
printf 'precious\n' >victim
ln -s victim link
e --termination-log link -r MISSING -- true
ok "a symlinked log: the check still fails (78)" rc 78
ok "... the target is untouched" test "$(cat victim)" = "precious"
ok "... and envinit says so on stderr" \
	err_has "envinit: cannot write termination log link: a symbolic link (not followed)"
printf '[defaults]\ntermination_log = link\nrequire = MISSING\n' >m.ini
e -c m.ini -- true
ok "the same set in a manifest: 78, target untouched" \
	eval 'rc 78 && test "$(cat victim)" = precious'
e --termination-log created -r MISSING -- true
ok "a missing log is not created" test ! -e created
ok "... said on stderr" err_has "envinit: cannot write termination log created: no such file (it is not created)"
: >regular
printf 'old old old old old old old old\n' >regular
e --termination-log regular -r MISSING -- true
ok "a regular file is truncated and written" \
	test "$(cat regular)" = "envinit: MISSING: required but not set"
mkfifo fifo
exec 3<>fifo # a reader that is there already (read-write: no blocking open)
e --termination-log fifo -r MISSING -- true
timeout 5 head -n 1 <&3 >fifo.out
exec 3<&-
ok "a FIFO is written (not truncated, never a hang)" \
	test "$(cat fifo.out)" = "envinit: MISSING: required but not set"
e --termination-log /dev/null -r MISSING -- true
ok "a character device: written, no complaint" test "$(grep -c 'termination log' err)" = 0
