# shellcheck shell=sh
# bench/workload.sh - build the benchmark workload in $WL; sourced by
# bench/run.sh and bench/counts.sh, which define WL, OUT, ENVINIT, meta, say
# and die first.
# Command lines are kept in strings and split on purpose:
# shellcheck disable=SC2086,SC2034
EX=examples/emailclient
SECRETS=$(sed -n 's/^file_env \([A-Za-z_][A-Za-z0-9_]*\).*/\1/p' bench/entrypoint.sh)
SEALED="STRIPE_SECRET_KEY STRIPE_WEBHOOK_SECRET OPENAI_API_KEY"
if [ -f "$EX/.env.development" ] && [ -f "$EX/envinit.ini" ] && [ -f "$EX/.env.example" ]; then
	cp "$EX/.env.development" "$EX/.env.example" "$EX/envinit.ini" "$WL/"
	meta workload.source "examples/emailclient (.env.development, .env.example, envinit.ini)"
else
	# A stand-in with the emailclient's shape, until the example exists.
	say "examples/emailclient missing: generating a 280-key stand-in"
	meta workload.source "a generated 280-key stand-in (examples/emailclient did not exist)"
	(cd "$WL" && awk -v keys="$SECRETS $SEALED" 'BEGIN {
		n = split(keys, k, " ")
		print "[defaults]\nclear_env = yes\nkeep = PATH HOME HOSTNAME TZ\n\n[keys]" >"envinit.ini"
		for (i = 1; i <= 280; i++) {
			if (i <= n) { key = k[i]; rule = "secret min=16 no-placeholder"; val = "standin-" tolower(key) "-0123456789" }
			else if (i % 4 == 0) { key = sprintf("SVC_%03d_PORT", i); rule = "port"; val = 1000 + i }
			else if (i % 4 == 1) { key = sprintf("SVC_%03d_ENABLED", i); rule = "bool"; val = "true" }
			else if (i % 4 == 2) { key = sprintf("SVC_%03d_URL", i); rule = "url"; val = "http://svc" i ".test:80/" }
			else { key = sprintf("SVC_%03d_MODE", i); rule = "one-of=fast,safe"; val = "safe" }
			print key " = " rule >"envinit.ini"
			print key "=" val >".env.development"
			print key "=" >".env.example"
		}
		print "\n[service app]\nrequire_from = .env.example" >"envinit.ini"
	}' </dev/null)
fi

value_of() { # KEY FILE: the value in an env file, outer single quotes removed
	sed -n "s/^$1=//p" "$2" | head -n 1 | sed "s/^'\\(.*\\)'\$/\\1/"
}

# 20 secret files in the layout the kubelet writes: a timestamped
# directory, ..data pointing at it, one symlink per key through ..data.
ts=..2026_01_15_10_30_00.123456789
mkdir -p "$WL/secrets/$ts"
for k in $SECRETS; do
	v=$(value_of "$k" "$WL/.env.development")
	printf '%s-k8s\n' "${v:-bench-$k-0123456789abcdef}" >"$WL/secrets/$ts/$k"
	ln -s "..data/$k" "$WL/secrets/$k"
done
ln -s "$ts" "$WL/secrets/..data"
nsecrets=$(echo $SECRETS | wc -w)
[ "$nsecrets" = 20 ] || say "warning: entrypoint.sh lists $nsecrets secrets, not 20"

# Sealed values, when this envinit can make them.
svc_lines="env_file = .env.development
secrets_dir = secrets"
nsealed=0
if pk=$("$ENVINIT" keygen --private-key-file "$WL/sealed.key" 2>"$OUT/keygen.err") &&
	[ -n "$pk" ] && [ -s "$WL/sealed.key" ]; then
	: >"$WL/.env.sealed"
	for k in $SEALED; do
		v=$(value_of "$k" "$WL/.env.development")
		sealed=$(printf '%s-sealed' "${v:-bench-$k-0123456789abcdef}" |
			"$ENVINIT" seal --public-key "$pk" "$k") || die "envinit seal failed"
		printf '%s=%s\n' "$k" "$sealed" >>"$WL/.env.sealed"
		nsealed=$((nsealed + 1))
	done
	meta workload.sealed "$nsealed sealed values (enc:v1, envinit seal) in a second env file"
else
	meta workload.sealed "none: 'envinit keygen' is not available in this build"
fi

# The manifest: the example's, with the sources added to [service app],
# so the entrypoint is the usual `envinit -c FILE -s app -- CMD`.
add_to_service() { # IN OUT LINES
	awk -v add="$3" '{ print } /^\[service app\]/ { print add }' "$1" >"$2"
	grep -q '^\[service app\]' "$2" || die "$1 has no [service app]"
}
add_to_service "$WL/envinit.ini" "$WL/nosealed.ini" "$svc_lines"
if [ "$nsealed" -gt 0 ]; then
	add_to_service "$WL/envinit.ini" "$WL/full.ini" "$svc_lines
env_file = .env.sealed
private_key_file = sealed.key"
else
	cp "$WL/nosealed.ini" "$WL/full.ini"
fi
add_to_service "$WL/envinit.ini" "$WL/rotate.ini" "env_file = .env.development
secrets_dir = rot-secrets"
cp -a "$WL/secrets" "$WL/rot-secrets"

# The bash entrypoint's env file: the same keys, the 20 secrets as
# KEY_FILE=PATH (what a compose file or a pod spec would set).
awk -v skip="$SECRETS" 'BEGIN { n = split(skip, s, " "); for (i = 1; i <= n; i++) drop[s[i]] = 1 }
	{ k = $0; sub(/=.*/, "", k); if (!(k in drop)) print }' \
	"$WL/.env.development" >"$WL/bash.env"
for k in $SECRETS; do
	printf '%s_FILE=%s\n' "$k" "$WL/secrets/$k" >>"$WL/bash.env"
done


# The lighter workload: the same env file and secrets, a require list and
# an allow list, no [keys] rules, no require_from, no sealed values.
{
	printf '[service app]\nenv_file = .env.development\nsecrets_dir = secrets\n'
	for k in $SECRETS; do printf 'require = %s\n' "$k"; done
	sed -n 's/^\([A-Z][A-Z0-9]*\)_.*/allow = \1_*/p' "$WL/.env.development" | sort -u
} >"$WL/light.ini"
