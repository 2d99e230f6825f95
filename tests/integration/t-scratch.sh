# envinit in a FROM scratch container: a root directory that holds nothing
# but the static binary (plus, where said, the static $SHOWENV as the
# service and the files a container would have mounted). No shell, no libc,
# no /etc, no /proc, no /dev: envinit must need none of them.

. "$ROOT/docker/container.sh"
PP=$ROOT/examples/pulse-platform

if ! ctr_can_run; then
	skip "the scratch root run" "needs root and unshare --mount --pid"
	file "$ENVINIT" >file.out
	ok "the binary is static (all that can be checked here)" \
		file_has file.out "statically linked"
else
R=$T/scratch && mkdir "$R" && cp "$ENVINIT" "$R/envinit"

# Exactly what the FROM scratch stage holds: /envinit and nothing else.
ok "the root holds only /envinit" test "$(ls -A "$R")" = envinit
env -i unshare --root="$R" /envinit --version >"$T/out" 2>"$T/err"; RC=$?
ok "unshare --root: envinit runs with nothing beside it" rc 0
ok "it says its version" out_has "envinit "
ctr_run "$R" /dev/null /envinit --help
ok "--help in the scratch root" out_has "usage: envinit"
ctr_run "$R" /dev/null /envinit -- /no/such/service
ok "a missing command in the scratch root: 127" rc 127
ok "the command is named" err_has "/no/such/service: command not found"
ctr_run "$R" /dev/null /envinit -- /
ok "a command that cannot be executed: 126" rc 126
ctr_run "$R" /dev/null /envinit -r NEEDED_KEY -- /envinit --version
ok "a failed check in the scratch root: 78" rc 78
ok "with its message" err_has "NEEDED_KEY: required but not set"
ok "and nothing ran" out_lacks "envinit 0.1"

# A service next to it, the config and secrets mounted as compose mounts them
# (with wex: also the WEX worker's private key, which opens its sealed tokens).
cp "$SHOWENV" "$R/showenv"
mounts() {
	ctr_mount "$PP/config" /config ro
	ctr_mount "$PP/secrets" /run/secrets ro
	[ "${1:-}" = wex ] && ctr_mount "$PP/keys/wex.key" /keys/wex.key ro
}
mounts wex
ctr_run "$R" /dev/null /envinit -c /config/envinit.ini -s etl-wex -- /showenv x
ok "scratch: etl-wex runs" rc 0
ok "scratch: the service gets its arguments" out_has "argv[1]=x"
ok "scratch: it gets WEX's token" out_has "WEX_JIRA_TOKEN=demo-wex-jira-token-not-real"
ok "scratch: and no other client's" out_lacks "TECHCORP_"

# As PID 1, which is what docker run without --init does: init mode.
mounts wex
CTR_PID1=1 ctr_run "$R" /dev/null /envinit -c /config/envinit.ini -s etl-wex -- /showenv
ok "scratch, PID 1: etl-wex runs" rc 0
ok "scratch, PID 1: it gets WEX's token" out_has "WEX_JIRA_TOKEN=demo-wex-jira-token-not-real"
ok "scratch, PID 1: and no other client's" out_lacks "ACME_"
mounts
CTR_PID1=1 ctr_run "$R" /dev/null /envinit -- /envinit -r X -- /showenv
ok "scratch, PID 1: the child's own status is passed on" rc 78

# A numeric user needs no /etc/passwd.
mounts
ctr_run "$R" /dev/null /envinit -c /config/envinit.ini -s frontend -u 65534:65534 -- /showenv
ok "scratch: --user with numbers, no /etc/passwd" rc 0
ok "scratch: the frontend still gets its keys" out_has "PUBLIC_API_URL="

# A failing check: the secret is missing; Kubernetes' /dev/termination-log
# exists, so the summary lands there too.
mkdir -p "$R/dev" && : >"$R/dev/termination-log"
ctr_mount "$PP/config" /config ro
CTR_PID1=1 ctr_run "$R" /dev/null /envinit -c /config/envinit.ini -s backend -- /showenv
ok "scratch: a missing secret stops the backend with 78" rc 78
ok "scratch: the missing key is named" err_has "JWT_SECRET_KEY: required but not set"
ok "scratch: the service never ran" test ! -s "$T/out"
ok "scratch: the termination log has the message" \
	file_has "$R/dev/termination-log" "JWT_SECRET_KEY: required but not set"
fi
