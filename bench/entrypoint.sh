#!/bin/bash
# entrypoint.sh - the hand-written container entrypoint envinit replaces,
# as the startup benchmark runs it:
#
#   bash entrypoint.sh COMMAND [ARG...]
#
# It loads $BENCH_ENV_FILE (the emailclient's keys, with KEY_FILE=PATH
# in place of the 20 secrets), turns each KEY_FILE into KEY the way the
# Docker Official Images' entrypoints do (KEY and KEY_FILE together is an
# error; KEY_FILE is not passed on), then execs COMMAND. It checks no rule
# and strips nothing: it does less than envinit does.
#
# bench/run.sh reads the list of secrets from the file_env lines below.
set -eu

set -a
# shellcheck disable=SC1090
. "${BENCH_ENV_FILE:?}"
set +a

# file_env NAME [DEFAULT]: NAME from $NAME, else from the file $NAME_FILE.
file_env() {
	local name=$1 fallback=${2:-}
	local file_name="${name}_FILE"
	local value=${!name:-} path=${!file_name:-}
	if [ -n "$value" ] && [ -n "$path" ]; then
		printf 'entrypoint: %s and %s are both set\n' "$name" "$file_name" >&2
		exit 1
	fi
	if [ -n "$path" ]; then
		value=$(<"$path")
	elif [ -z "$value" ]; then
		value=$fallback
	fi
	export "$name=$value"
	unset "$file_name"
}

file_env APP_SECRET_KEY
file_env DB_USER
file_env DB_PASSWORD
file_env DB_HOST
file_env REDIS_HOST
file_env REDIS_PASSWORD
file_env SECURITY_JWT_SECRET
file_env SECURITY_SESSION_SECRET
file_env SECURITY_CSRF_SECRET
file_env SECURITY_ENCRYPTION_KEY
file_env MAIL_OUTBOUND_USERNAME
file_env MAIL_OUTBOUND_PASSWORD
file_env STORAGE_S3_ACCESS_KEY_ID
file_env STORAGE_S3_SECRET_ACCESS_KEY
file_env HEALTH_METRICS_TOKEN
file_env STRIPE_PUBLISHABLE_KEY
file_env GOOGLE_OAUTH_CLIENT_SECRET
file_env MICROSOFT_OAUTH_CLIENT_SECRET
file_env SPAM_FILTER_PASSWORD
file_env WEBHOOK_SIGNING_SECRET

exec "$@"
