#!/bin/sh
# make demo: assemble the backend's environment from the example's env
# files and secrets dir, check it, print it redacted, run a command under
# it, then show what a failed check looks like.
set -u
cd "$(dirname "$0")/basic" || exit 1
E=../../build/envinit
SRC="-f .env.shared -f .env.backend -d secrets --secrets-upcase"
POLICY="-r POSTGRES_PASSWORD,JWT_SECRET_KEY,DATABASE_URL -a POSTGRES_* -a DATABASE_URL,LOG_LEVEL,WORKERS,GREETING,JWT_* -k PATH"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step envinit check $SRC $POLICY
$E check $SRC $POLICY || exit 1

step envinit print $SRC $POLICY
$E print $SRC $POLICY || exit 1

step envinit --explain $SRC $POLICY -- sh -c '...'
env -i PATH=/usr/bin:/bin WEX_JIRA_TOKEN=leaked $E --explain $SRC $POLICY -- \
	sh -c 'echo "backend runs with $(env | wc -l) variables: $(env | cut -d= -f1 | sort | tr "\n" " ")"; echo "DATABASE_URL=$DATABASE_URL"' || exit 1

step "envinit check $SRC -r SENTRY_DSN (a missing key: exit 78)"
$E check $SRC $POLICY -r SENTRY_DSN
echo "exit status: $?"
exit 0
