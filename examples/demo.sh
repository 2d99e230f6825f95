#!/bin/sh
# make demo: the pulse-platform example (examples/pulse-platform), run from
# the checkout. In a container the same manifest is read from /config, the
# secrets from /run/secrets and a client's private key from /keys; here -d
# points at the fake development secrets instead, and the manifest's
# private_key_file (../keys/CLIENT.key) finds the demo keys beside config/. `sh examples/demo.sh basic` runs the smaller
# command-line-only example (examples/basic).
set -u
here=$(cd "$(dirname "$0")" && pwd)
E=$here/../build/envinit

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
# The environment a container runtime would pass, and nothing of ours.
run() { env -i PATH=/usr/local/bin:/usr/bin:/bin HOSTNAME=demo "$E" "$@"; }

basic() {
	cd "$here/basic" || exit 1
	SRC="-f .env.shared -f .env.backend -d secrets --secrets-upcase"
	POLICY="-r POSTGRES_PASSWORD,JWT_SECRET_KEY,DATABASE_URL -a POSTGRES_* -a DATABASE_URL,LOG_LEVEL,WORKERS,GREETING,JWT_* -k PATH"

	step envinit check $SRC $POLICY
	run check $SRC $POLICY || exit 1

	step envinit print $SRC $POLICY
	run print $SRC $POLICY || exit 1

	step envinit --explain $SRC $POLICY -- sh -c '...'
	env -i PATH=/usr/bin:/bin WEX_JIRA_TOKEN=leaked $E --explain $SRC $POLICY -- \
		sh -c 'echo "backend runs with $(env | wc -l) variables: $(env | cut -d= -f1 | sort | tr "\n" " ")"; echo "DATABASE_URL=$DATABASE_URL"' || exit 1

	step "envinit check $SRC -r SENTRY_DSN (a missing key: exit 78)"
	run check $SRC $POLICY -r SENTRY_DSN
	echo "exit status: $?"
}

pulse() {
	cd "$here/pulse-platform" || exit 1
	M="-c config/envinit.ini"

	echo "pulse-platform: a backend, one ETL worker per client (WEX, TechCorp, ACME)"
	echo "and a frontend; every container's entrypoint is"
	echo '  ["/envinit", "-c", "/config/envinit.ini", "-s", "SERVICE", "--"]'
	echo "(compose.yaml, compose.prod.yaml, k8s/). The shared secrets are files in"
	echo "./secrets; each client's tokens are sealed in its own env file, and only"
	echo "its worker holds the private key that opens them (./keys: demo keys)."

	step "grep ^WEX_JIRA_TOKEN= config/.env.wex    (sealed: the file can be committed)"
	grep ^WEX_JIRA_TOKEN= config/.env.wex || exit 1

	step envinit check --all $M -d secrets
	run check --all $M -d secrets || exit 1

	step "envinit print $M -s etl-wex -d secrets    (opened with ../keys/wex.key)"
	run print $M -s etl-wex -d secrets || exit 1

	step "envinit print --explain $M -s etl-wex -d secrets 2>&1 >/dev/null | grep WEX_.*sealed"
	run print --explain $M -s etl-wex -d secrets 2>&1 >/dev/null | grep 'WEX_.*sealed'

	for svc in backend frontend etl-wex etl-techcorp etl-acme; do
		step envinit $M -s $svc -d secrets -- sh -c '...'
		run $M -s $svc -d secrets -- sh -c '
			echo "$1 runs with: $(env | cut -d= -f1 | grep -v "^PWD$" | sort | tr "\n" " ")"' sh $svc ||
			exit 1
	done

	step "envinit $M -s etl-wex -d secrets -f config/.env.techcorp -a 'TECHCORP_*' -- python -m pulse.etl"
	echo "(the WEX worker handed TechCorp's file, and misconfigured to keep its keys)"
	run $M -s etl-wex -d secrets -f config/.env.techcorp -a 'TECHCORP_*' -- python -m pulse.etl
	echo "exit status: $? (nothing was run; in Kubernetes the message is the termination message)"

	tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
	cp -R config "$tmp/"
	step "envinit -c COPY-OF-config/envinit.ini -s etl-wex -d secrets -- python -m pulse.etl"
	echo "(the WEX worker without its private key mounted)"
	run -c "$tmp/config/envinit.ini" -s etl-wex -d secrets -- python -m pulse.etl
	echo "exit status: $?"

	step "envinit check $M -s etl-wex -d secrets -f config/.env.wex.example (the template as is)"
	run check $M -s etl-wex -d secrets -f config/.env.wex.example
	echo "exit status: $?"
}

case ${1:-pulse} in
basic) basic ;;
*) pulse ;;
esac
exit 0
