# The bundled examples, run as their containers run them.
#
# examples/pulse-platform: each service's exact entrypoint, taken from the
# development compose file, the production compose file and the Kubernetes
# manifests, runs the real static binary in a root laid out like the
# container's (volumes, compose secrets and kubelet Secret/ConfigMap
# volumes bind-mounted where the files say), with $SHOWENV as the service.
# What the service receives proves the isolation the example promises: each
# ETL worker sees its own client's tokens, opened from the sealed values in
# its client's env file with the one private key mounted in its container,
# and no other client's; the frontend no secret at all, the backend no ETL
# token; neither gets a key. Handed TechCorp's file, the WEX worker cannot
# open TechCorp's tokens and runs nothing; without its key it runs nothing.
# examples/emailclient: its 280-key development env passes envinit check;
# its production template fails, naming exactly the keys still holding a
# CHANGE_ME placeholder, never a value.

. "$ROOT/docker/container.sh"
PP=$ROOT/examples/pulse-platform
EC=$ROOT/examples/emailclient
SERVICES="backend frontend etl-wex etl-techcorp etl-acme"
CLIENTS="wex techcorp acme"
DOCKER_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
TOKENS="JIRA_TOKEN GITHUB_TOKEN ENCRYPTION_KEY"

upcase() { printf '%s' "$1" | tr 'a-z-' 'A-Z_'; }
# A list, sorted, on one line.
set_of() { tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' '; }
no() { ! "$@"; }

# The policy the example promises, stated independently of its files.
# The secret files (examples/pulse-platform/secrets) each service is granted:
granted_files() {
	case $1 in
	backend) echo "postgres-password jwt-secret-key session-secret" ;;
	etl-*) echo "postgres-password" ;;
	esac
}
# The private keys (examples/pulse-platform/keys) each service is given:
granted_keys() { case $1 in etl-*) echo "${1#etl-}.key" ;; esac; }
# The secret keys each service must receive (the values: secrets.tab).
granted() {
	case $1 in
	backend) echo "POSTGRES_PASSWORD JWT_SECRET_KEY SESSION_SECRET" ;;
	etl-*) C=$(upcase "${1#etl-}")
		echo "POSTGRES_PASSWORD ${C}_JIRA_TOKEN ${C}_GITHUB_TOKEN ${C}_ENCRYPTION_KEY" ;;
	esac
}
# The demo plaintexts sealed in config/.env.CLIENT with keys/CLIENT.pub:
# what each worker must receive once they are opened.
cat >sealed.tab <<'EOF'
WEX_JIRA_TOKEN=demo-wex-jira-token-not-real
WEX_GITHUB_TOKEN=demo-wex-github-token-not-real
WEX_ENCRYPTION_KEY=ZGVtby13ZXgtZW5jcnlwdGlvbi1rZXktbm90LXJlYWw=
TECHCORP_JIRA_TOKEN=demo-techcorp-jira-token-not-real
TECHCORP_GITHUB_TOKEN=demo-techcorp-github-token-not-real
TECHCORP_ENCRYPTION_KEY=ZGVtby10ZWNoY29ycC1lbmNyeXB0aW9uLWtleS1ub3Q=
ACME_JIRA_TOKEN=demo-acme-jira-token-not-real
ACME_GITHUB_TOKEN=demo-acme-github-token-not-real
ACME_ENCRYPTION_KEY=ZGVtby1hY21lLWVuY3J5cHRpb24ta2V5LW5vdC1yZWE=
EOF
secret_value() { head -n 1 "$PP/secrets/$1"; }
plaintext() { sed -n "s/^$1=//p" sealed.tab; }
# Every secret of the example, KEY=value: the secret files, the sealed ones.
for f in "$PP"/secrets/*; do
	printf '%s=%s\n' "$(upcase "${f##*/}")" "$(secret_value "${f##*/}")"
done >"$T/secrets.tab"
cat sealed.tab >>"$T/secrets.tab"

# The keys an env file leaves as CHANGE_ME placeholders, and the keys the
# last run's stderr names ("envinit: KEY: ..."), one a line, sorted.
placeholder_keys() { grep -E '^[A-Z_][A-Z0-9_]*=CHANGE_ME' "$1" | cut -d= -f1 | sort -u; }
named_keys() { sed -n 's/^envinit: \([A-Z_][A-Z0-9_]*\): .*/\1/p' "$T/err" | sort -u; }
# Whether env file $1 names no key of a client other than $2.
only_client() {
	for o in $CLIENTS; do
		[ "$o" = "$2" ] || ! grep -q "^$(upcase "$o")_" "$1" || return 1
	done
}

# What $SHOWENV printed for service $1: the isolation, checked on names and
# on values (a secret's value must not appear under any name).
isolated() {
	svc=$1
	awk -v svc="$svc" -v want=" $(granted "$1") " '
		NR == FNR { i = index($0, "="); key[NR] = substr($0, 1, i - 1)
			val[NR] = substr($0, i + 1); n = NR; next }
		{ line[++nl] = $0 }
		END {
			for (i = 1; i <= n; i++) {
				found = 0; leaked = 0
				for (j = 1; j <= nl; j++) {
					if (line[j] == key[i] "=" val[i]) found = 1
					else if (index(line[j], key[i] "=") == 1 || index(line[j], val[i]))
						leaked = 1
				}
				if (index(want, " " key[i] " ")) {
					if (!found || leaked) { print "    " svc " lacks " key[i] " or sees its value elsewhere"; bad = 1 }
				} else if (found || leaked) {
					print "    " svc " sees " key[i] " (by name or by value)"; bad = 1
				}
			}
			exit bad
		}' "$T/secrets.tab" "$T/out" || return 1
	# nothing that steers envinit, nothing the runtime added but the kept
	# keys, no sealed value (opened, or stripped and never passed on)
	! grep -Eq '^(ENVINIT_|KUBERNETES_|STRAY_)' "$T/out" || return 1
	! grep -q 'enc:v[0-9]' "$T/out" || { echo "    $svc got a sealed value"; return 1; }
	case $svc in
	frontend)
		! cut -d= -f1 "$T/out" | grep -Eq 'TOKEN|SECRET|PASSWORD|_KEY$|CREDENTIAL|^(JWT|SESSION|POSTGRES)_' &&
		out_has "PUBLIC_API_URL=" ;;
	backend)
		! cut -d= -f1 "$T/out" | grep -Eq '^(WEX|TECHCORP|ACME|CLIENT|ETL)_' &&
		out_has "DATABASE_URL=postgresql://pulse@postgres:5432/pulse" ;;
	etl-*)
		c=${svc#etl-} C=$(upcase "${svc#etl-}")
		for o in $CLIENTS; do
			[ "$o" = "$c" ] && continue
			! grep -q "^$(upcase "$o")_" "$T/out" || { echo "    $svc sees $o"; return 1; }
		done
		! grep -Eq '^(JWT|SESSION)_' "$T/out" &&
		out_has "CLIENT_ID=$c" && out_has "${C}_JIRA_URL=https://$c.atlassian.example" ;;
	esac
}
# No value of secrets.tab whose key matches the ERE $1 in out, err or the
# termination log $2 (if given).
no_value_of() {
	while IFS= read -r kv; do
		printf '%s\n' "${kv%%=*}" | grep -Eq "$1" || continue
		leak_free "${kv#*=}" && file_lacks "${2:-$T/termlog}" "${kv#*=}" ||
			{ echo "    the value of ${kv%%=*} is shown"; return 1; }
	done <"$T/secrets.tab"
}

# --- the sealed files and the keys, as committed -------------------------
ok "secrets/ holds only the shared secrets (a client token there would win over its sealed value)" \
	test "$(ls "$PP/secrets" | set_of)" = "$(granted_files backend | set_of)"
for c in $CLIENTS; do
	C=$(upcase "$c") f=$PP/config/.env.$c
	for k in $TOKENS; do
		ok ".env.$c: ${C}_$k is sealed" grep -q "^${C}_$k=enc:v1:" "$f"
		ok "the plaintext of ${C}_$k is nowhere in the example" \
			no grep -rqF -- "$(plaintext "${C}_$k")" "$PP"
	done
	ok ".env.$c: no other sealed value" \
		test "$(grep -c '=enc:v' "$f")" -eq 3
	ok ".env.$c: no other client's key" only_client "$f" "$c"
	# The recorded plaintexts are exactly what the sealed values open to.
	e print --reveal -f "$f" --private-key-file "$PP/keys/$c.key"
	ok ".env.$c opens with keys/$c.key" rc 0
	grep "^${C}_" sealed.tab | sort >want
	grep -E "^${C}_($(echo "$TOKENS" | tr ' ' '|'))=" "$T/out" | sort >got
	ok ".env.$c opens to the recorded demo plaintexts" cmp -s want got
	# keys/CLIENT.pub is the public half of keys/CLIENT.key.
	printf 'probe-for-%s' "$c" | env -i PATH=/usr/bin:/bin "$ENVINIT" seal \
		--public-key "$PP/keys/$c.pub" PROBE_TOKEN >probe.sealed 2>"$T/err"
	printf 'PROBE_TOKEN=%s\n' "$(cat probe.sealed)" >probe.env
	e print --reveal -i -f probe.env --private-key-file "$PP/keys/$c.key"
	ok "keys/$c.pub seals what keys/$c.key opens" out_is "PROBE_TOKEN=probe-for-$c"
	# No other client's key opens this client's values.
	for o in $CLIENTS; do
		[ "$o" = "$c" ] && continue
		e print -f "$f" --private-key-file "$PP/keys/$o.key"
		ok "keys/$o.key does not open .env.$c" rc 78
		for k in $TOKENS; do
			ok "keys/$o.key: ${C}_$k: no private key opens it" \
				err_has "${C}_$k: no private key opens it"
		done
		ok "keys/$o.key: no plaintext of $c's shown" no_value_of "^${C}_"
	done
done
ok "keys/README.md: the private keys are marked demo-only" \
	file_has "$PP/keys/README.md" "Never use them for anything real"
ok "keys/README.md: real keys live in the secret store" \
	file_has "$PP/keys/README.md" "orchestrator's secret store"

# --- straight from the checkout: what README and make demo show ----------
e check --all -c "$PP/config/envinit.ini" -d "$PP/secrets"
ok "pulse-platform: check --all passes from the checkout" rc 0
ok "check --all names every service" out_has "service etl-acme: ok"
for svc in $SERVICES; do
	ee HOSTNAME=h STRAY_TOKEN=inherited "$EI" -c "$PP/config/envinit.ini" -s "$svc" \
		-d "$PP/secrets" -- "$SHOWENV"
	ok "checkout: $svc runs" rc 0
	ok "checkout: $svc sees only its own secrets" isolated "$svc"
done
# The tokens come from the sealed values (not from a secrets dir).
for c in $CLIENTS; do
	C=$(upcase "$c")
	e print --explain -c "$PP/config/envinit.ini" -s "etl-$c" -d "$PP/secrets"
	for k in $TOKENS; do
		ok "checkout: etl-$c's ${C}_$k is opened from .env.$c" \
			err_has "${C}_$k: sealed $PP/config/.env.$c:"
	done
	ok "checkout: print redacts etl-$c's opened tokens" \
		out_has "${C}_JIRA_TOKEN=<redacted>"
	ok "checkout: print shows no plaintext" no_value_of .
done
# The WEX worker handed TechCorp's file (and, misconfigured, allowed its
# keys: a stripped key is never opened) cannot open TechCorp's tokens.
e -c "$PP/config/envinit.ini" -s etl-wex -d "$PP/secrets" \
	-f "$PP/config/.env.techcorp" -a 'TECHCORP_*' -- "$SHOWENV"
ok "checkout: etl-wex with TechCorp's file stops with 78" rc 78
for k in $TOKENS; do
	ok "checkout: TECHCORP_$k: no private key opens it" \
		err_has "TECHCORP_$k: no private key opens it"
done
ok "checkout: nothing ran" test ! -s "$T/out"
ok "checkout: no plaintext shown" no_value_of .
# Given TechCorp's file but not allowed its keys, they stay sealed and the
# WEX worker runs as before: only kept keys are opened.
e -c "$PP/config/envinit.ini" -s etl-wex -d "$PP/secrets" \
	-f "$PP/config/.env.techcorp" -- "$SHOWENV"
ok "checkout: TechCorp's file, its keys stripped: etl-wex runs" rc 0
ok "checkout: and sees no TechCorp key" no grep -q '^TECHCORP_' "$T/out"

# The .example templates name the same keys as the files they document.
KEYS="--private-key-file $PP/keys/wex.key --private-key-file $PP/keys/techcorp.key --private-key-file $PP/keys/acme.key"
for f in "$PP"/config/.env.*.example; do
	live=${f%.example}
	# shellcheck disable=SC2086
	e check $KEYS -f "$PP/config/.env.shared" -f "$live" --require-from "$f"
	ok "${live##*/} has every key of its template" rc 0
	# shellcheck disable=SC2086
	e check $KEYS -f "$PP/config/.env.shared" -f "$f" --require-from "$live"
	ok "${f##*/} has every key of ${live##*/}" rc 0
	ok "${f##*/} is a template: nothing sealed in it" no grep -q '=enc:v' "$f"
done
# A template used as it is fails the service's check, naming exactly the
# keys it leaves as CHANGE_ME placeholders (and passes when it has none).
for pair in shared:backend backend:backend frontend:frontend etl:etl-wex \
	wex:etl-wex techcorp:etl-techcorp acme:etl-acme; do
	f=$PP/config/.env.${pair%%:*}.example
	e check -c "$PP/config/envinit.ini" -s "${pair#*:}" -d "$PP/secrets" -f "$f"
	placeholder_keys "$f" >want
	named_keys >got
	if [ -s want ]; then
		ok "${f##*/} as is: ${pair#*:} fails" rc 78
	else
		ok "${f##*/} as is: ${pair#*:} passes" rc 0
	fi
	ok "${f##*/} as is: exactly its placeholders are named" cmp -s want got
done

if ! ctr_can_run; then
	echo "note: not root or no unshare: the container layouts are not run"
else
# The WEX worker in a container laid out by the function $1 (SVC [nokey]
# mounts SVC's volumes, without its private key with nokey) in root $2, its
# entrypoint in ep, what it says stopping in termination log $3 (if any):
#  - handed TechCorp's file as well: -f /config/.env.techcorp appended to
#    its exact entrypoint line, and TECHCORP_* allowed to model the
#    misconfiguration (a stripped key is never opened);
#  - without its key mounted.
# Each stops with 78, names why, runs nothing, shows no plaintext.
wex_fails() {
	lay=$1 root=$2 tlog=${3:-}
	ok "$lay: etl-wex's entrypoint ends with --" test "$(tail -n 1 ep)" = "--"
	sed '$d' ep >ep-tc
	printf '%s\n' -f /config/.env.techcorp -a 'TECHCORP_*' -- >>ep-tc
	[ -n "$tlog" ] && : >"$tlog"
	"$1" etl-wex
	ctr_run "$root" ep-tc /showenv
	ok "$lay: etl-wex handed TechCorp's file stops with 78" rc 78
	for k in $TOKENS; do
		ok "$lay: TECHCORP_$k: no private key opens it" \
			err_has "TECHCORP_$k: no private key opens it (sealed to another key, or altered) (/config/.env.techcorp:"
	done
	ok "$lay: TechCorp's file: nothing ran" test ! -s "$T/out"
	ok "$lay: TechCorp's file: no plaintext shown" no_value_of . "$tlog"
	ok "$lay: TechCorp's file: no sealed value shown" err_lacks "enc:v1:"
	if [ -n "$tlog" ]; then
		ok "$lay: TechCorp's file: the termination log says why" \
			file_has "$tlog" "TECHCORP_JIRA_TOKEN: no private key opens it"
		: >"$tlog"
	fi
	rm -rf "$root/keys"    # the earlier runs' mount point: a new container has none
	"$1" etl-wex nokey
	ctr_run "$root" ep /showenv
	ok "$lay: etl-wex without its key stops with 78" rc 78
	ok "$lay: without its key: the key file is named, its path cleaned" \
		grep -qxF "envinit: /keys/wex.key: cannot read private key file: no such file" "$T/err"
	ok "$lay: without its key: nothing ran" test ! -s "$T/out"
	ok "$lay: without its key: no plaintext shown" no_value_of . "$tlog"
	if [ -n "$tlog" ]; then
		ok "$lay: without its key: the termination log says why" \
			file_has "$tlog" "keys/wex.key: cannot read private key file"
	fi
}

# --- docker compose (development): compose.yaml ---------------------------
# One service's block of a compose file, and a list under it.
svc_block() {
	awk -v s="  $2:" '$0 == s { on = 1; next }
		on && (/^[^ ]/ || /^  [^ ]/) { exit } on' "$1"
}
block_list() {
	awk -v k="    $1:" '$0 == k { on = 1; next }
		on && /^      - / { sub(/^      - /, ""); print; next } on { exit }'
}
# The mounts of compose.yaml's service $1 (nokey: not its private key).
dev_mounts() {
	svc_block "$PP/compose.yaml" "$1" | block_list volumes >vols
	while IFS=: read -r src dst mode; do
		case $src in ./keys/*) [ "${2:-}" = nokey ] && continue ;; esac
		case $dst in /envinit) src=$ENVINIT ;; *) src=$PP/$src ;; esac
		ctr_mount "$src" "$dst" "$mode"
	done <vols
	ctr_env PATH=$DOCKER_PATH HOSTNAME=0123456789ab HOME=/root
}

for svc in $SERVICES; do
	R=$T/dev-$svc && mkdir -p "$R"
	cp "$ENVINIT" "$R/envinit"    # the image carries it (docker/Dockerfile)
	cp "$SHOWENV" "$R/showenv"
	svc_block "$PP/compose.yaml" "$svc" >block
	json_args "$(sed -n 's/^    entrypoint: //p' block)" ep
	ok "compose.yaml: $svc has a JSON entrypoint" test -s ep
	ok "compose.yaml: $svc entrypoint is envinit with its section" \
		grep -qx -- "$svc" ep
	ok "compose.yaml: $svc reads no env_file itself" no grep -q 'env_file:' block
	ok "compose.yaml: $svc runs the example service" \
		grep -qx "    command: \\[\"/service\", \"$svc\"\\]" block
	ok "compose.yaml: $svc is built from the repository" grep -qx '    <<: \*app' block
	block_list volumes <block >vols
	ok "compose.yaml: $svc mounts exactly its own key, read-only, at /keys" \
		test "$(sed -n 's,^\./keys/\([^:]*\):/keys/\1:ro$,\1,p' vols | set_of)" = "$(granted_keys "$svc" | set_of)"
	ok "compose.yaml: $svc mounts no other key" \
		test "$(grep -c 'keys' vols)" -eq "$(granted_keys "$svc" | wc -w)"
	dev_mounts "$svc"
	ctr_run "$R" ep /showenv
	ok "compose.yaml: $svc starts" rc 0
	ok "compose.yaml: $svc sees only its own secrets" isolated "$svc"
	ok "compose.yaml: $svc keeps HOSTNAME" out_has "HOSTNAME=0123456789ab"
	[ "$svc" = etl-wex ] && wex_fails dev_mounts "$R"
done

# --- docker compose (production): compose.prod.yaml -----------------------
# A service's secrets, short (NAME) or long (source:, target:) syntax, as
# "SOURCE TARGET" lines; the file of a top-level secret.
prod_secrets() {
	awk '$0 == "    secrets:" { on = 1; next }
		on && /^      - source: / { if (s != "") print s, "/run/secrets/" s; s = $3; next }
		on && /^        target: / { print s, $2; s = ""; next }
		on && /^      - / { if (s != "") print s, "/run/secrets/" s; s = ""
			print $2, "/run/secrets/" $2; next }
		on { exit }
		END { if (s != "") print s, "/run/secrets/" s }'
}
prod_file() {
	sed -n "/^secrets:/,\$s/^  $1: {file: \\(.*\\)}\$/\\1/p" "$PP/compose.prod.yaml"
}
# The mounts of compose.prod.yaml's service $1, the host's /srv/pulse being
# the example's directory (nokey: not its private key).
prod_mounts() {
	svc_block "$PP/compose.prod.yaml" "$1" >pblock
	block_list volumes <pblock >vols
	while IFS=: read -r src dst mode; do
		ctr_mount "$PP/$src" "$dst" "$mode"
	done <vols
	prod_secrets <pblock | while read -r s dst; do
		f=$(prod_file "$s")
		case $f in /srv/pulse/keys/*) [ "${2:-}" = nokey ] && continue ;; esac
		ctr_mount "$PP/${f#/srv/pulse/}" "$dst" ro
	done
	ctr_env PATH=$DOCKER_PATH HOSTNAME=0123456789ab HOME=/root
}

for svc in $SERVICES; do
	R=$T/prod-$svc && mkdir -p "$R"
	cp "$ENVINIT" "$R/envinit"    # the image carries it
	cp "$SHOWENV" "$R/showenv"
	svc_block "$PP/compose.prod.yaml" "$svc" >block
	json_args "$(sed -n 's/^    entrypoint: //p' block)" ep
	prod_secrets <block >secs
	: >sec-files; : >key-files
	while read -r s dst; do
		f=$(prod_file "$s")
		ok "compose.prod.yaml: secret $s is a file of the example" \
			test -f "$PP/${f#/srv/pulse/}"
		case $f in
		/srv/pulse/secrets/*)
			ok "compose.prod.yaml: $s is at /run/secrets/${f##*/}" \
				test "$dst" = "/run/secrets/${f##*/}"
			echo "${f##*/}" >>sec-files ;;
		/srv/pulse/keys/*)
			ok "compose.prod.yaml: $s is at /keys/${f##*/}" \
				test "$dst" = "/keys/${f##*/}"
			echo "${f##*/}" >>key-files ;;
		*) ok "compose.prod.yaml: $s is a secret or a key" false ;;
		esac
	done <secs
	ok "compose.prod.yaml: $svc is granted exactly its secrets" \
		test "$(set_of <sec-files)" = "$(granted_files "$svc" | set_of)"
	ok "compose.prod.yaml: $svc is granted exactly its own key" \
		test "$(set_of <key-files)" = "$(granted_keys "$svc" | set_of)"
	prod_mounts "$svc"
	ctr_run "$R" ep /showenv
	ok "compose.prod.yaml: $svc starts" rc 0
	ok "compose.prod.yaml: $svc sees only its own secrets" isolated "$svc"
	[ "$svc" = etl-wex ] && wex_fails prod_mounts "$R"
done

# --- Kubernetes: kustomization.yaml + k8s/*.yaml --------------------------
# The files of one generator (configMapGenerator or secretGenerator NAME).
gen_files() {
	awk -v g="$1:" -v n="$2" '
		/^[^ #]/ { in_g = ($0 == g); next }
		in_g && /^  - name: / { cur = $3; next }
		in_g && cur == n && /^      - / { print $2 }' "$PP/kustomization.yaml"
}
# A kubelet volume: files in a timestamped directory, ..data -> it, and a
# top-level symlink per key, as the kubelet's atomic writer leaves it.
kubelet_volume() {
	dir=$1; shift
	ts=..2026_11_23_10_00_00.000000001
	rm -rf "$dir" && mkdir -p "$dir/$ts"
	for f; do cp "$PP/$f" "$dir/$ts/"; ln -s "..data/${f##*/}" "$dir/${f##*/}"; done
	ln -s "$ts" "$dir/..data"
}
# The mountPath of the volume named $2 in Deployment file $1.
mount_path() { sed -n "s/.*{name: $2, mountPath: \\([^,}]*\\).*/\\1/p" "$1"; }
# The volumes of Deployment file $1: "NAME configMap|secret SOURCE" lines.
volumes() {
	awk '/^      volumes:/ { on = 1; next } on && /^      [^ ]/ { exit }
		on && /^        - name: / { v = $3; next }
		on && /configMap: \{name: / { s = $0; sub(/.*configMap: \{name: /, "", s)
			sub(/[,}].*/, "", s); print v, "configMap", s }
		on && /secretName: / { s = $0; sub(/.*secretName: /, "", s)
			sub(/[,}].*/, "", s); print v, "secret", s }' "$1"
}
# The mounts of Kubernetes service $1 (nokey: not the Secrets of keys/).
k8s_mounts() {
	volumes "$PP/k8s/$1.yaml" | while read -r v kind src; do
		if [ "$kind" = configMap ]; then
			gen_files configMapGenerator "$src" >vol-files
		else
			gen_files secretGenerator "$src" >vol-files
			[ "${2:-}" = nokey ] && grep -q '^keys/' vol-files && continue
		fi
		# shellcheck disable=SC2046
		kubelet_volume "$T/k8s-$1-$v" $(cat vol-files)
		ctr_mount "$T/k8s-$1-$v" "$(mount_path "$PP/k8s/$1.yaml" "$v")" ro
	done
	ctr_env PATH=$DOCKER_PATH HOSTNAME="$1-7d9f8b6c5-x2x9q" \
		KUBERNETES_SERVICE_HOST=10.96.0.1 KUBERNETES_SERVICE_PORT=443
}

gen_files configMapGenerator pulse-config >cm-files
ok "kustomization: the ConfigMap holds envinit.ini" grep -qx config/envinit.ini cm-files
ok "kustomization: the ConfigMap holds no key" no grep -q '^keys/' cm-files
for svc in $SERVICES; do
	y=$PP/k8s/$svc.yaml
	R=$T/k8s-$svc && mkdir -p "$R/dev"
	cp "$ENVINIT" "$R/envinit"
	cp "$SHOWENV" "$R/showenv"
	: >"$R/dev/termination-log"
	json_args "$(sed -n 's/^ *command: //p' "$y")" ep
	ok "k8s/$svc.yaml: command is envinit with its section" grep -qx -- "$svc" ep
	ok "k8s/$svc.yaml: FallbackToLogsOnError" \
		grep -q 'terminationMessagePolicy: FallbackToLogsOnError' "$y"
	volumes "$y" >vols
	ok "k8s/$svc.yaml: the ConfigMap at /config" \
		test "$(mount_path "$y" "$(awk '$2 == "configMap" { print $1 }' vols)")" = /config
	: >sec-files; : >key-files
	while read -r v kind src; do
		[ "$kind" = secret ] || continue
		gen_files secretGenerator "$src" >vol-files
		ok "kustomization: Secret $src is generated" test -s vol-files
		ok "k8s/$svc.yaml: volume $v is mounted read-only" \
			grep -q "{name: $v, mountPath: [^,]*, readOnly: true}" "$y"
		ok "k8s/$svc.yaml: Secret $src is 0440 (root-owned, read through fsGroup)" \
			grep -q "secretName: $src, defaultMode: 0440}" "$y"
		if grep -q '^keys/' vol-files; then
			ok "kustomization: Secret $src holds only keys" no grep -qv '^keys/' vol-files
			ok "k8s/$svc.yaml: Secret $src is mounted at /keys" \
				test "$(mount_path "$y" "$v")" = /keys
			sed 's,^keys/,,' vol-files >>key-files
		else
			ok "k8s/$svc.yaml: Secret $src is mounted at /run/secrets/app" \
				test "$(mount_path "$y" "$v")" = /run/secrets/app
			sed 's,^secrets/,,' vol-files >>sec-files
		fi
	done <vols
	ok "kustomization: $svc's Secrets hold exactly its secrets" \
		test "$(set_of <sec-files)" = "$(granted_files "$svc" | set_of)"
	ok "kustomization: $svc's pod mounts exactly its own key" \
		test "$(set_of <key-files)" = "$(granted_keys "$svc" | set_of)"
	if [ "$svc" = frontend ]; then
		ok "k8s/frontend.yaml: no Secret volume at all" no grep -q secretName "$y"
	fi
	k8s_mounts "$svc"
	ctr_run "$R" ep /showenv
	ok "k8s: $svc starts" rc 0
	ok "k8s: $svc sees only its own secrets" isolated "$svc"
	ok "k8s: kubelet internals are not keys" no grep -q '^_*data=' "$T/out"
	[ "$svc" = etl-wex ] && wex_fails k8s_mounts "$R" "$R/dev/termination-log"
done

# A Secret missing a key: the pod stops with a message kubectl shows.
R=$T/k8s-broken && mkdir -p "$R/dev"
cp "$ENVINIT" "$R/envinit"; cp "$SHOWENV" "$R/showenv"; : >"$R/dev/termination-log"
# shellcheck disable=SC2046
kubelet_volume "$T/k8s-broken-config" $(cat cm-files)
kubelet_volume "$T/k8s-broken-secret"
kubelet_volume "$T/k8s-broken-key" keys/wex.key
ctr_mount "$T/k8s-broken-config" /config ro
ctr_mount "$T/k8s-broken-secret" /run/secrets/app ro
ctr_mount "$T/k8s-broken-key" /keys ro
json_args "$(sed -n 's/^ *command: //p' "$PP/k8s/etl-wex.yaml")" ep
ctr_run "$R" ep /showenv
ok "k8s: a Secret without postgres-password stops etl-wex with 78" rc 78
ok "k8s: the missing key is named" err_has "POSTGRES_PASSWORD: required but not set"
ok "k8s: nothing ran" test ! -s "$T/out"
ok "k8s: the termination log says why" \
	file_has "$R/dev/termination-log" "POSTGRES_PASSWORD: required but not set"
ok "k8s: no secret value in the report or the termination log" \
	no_value_of . "$R/dev/termination-log"
fi

# --- make demo: runs, shows the isolation and a failed check, no value ----
sh "$ROOT/examples/demo.sh" >"$T/out" 2>"$T/err"; RC=$?
ok "make demo runs" rc 0
ok "make demo checks every service" out_has "service etl-acme: ok"
ok "make demo shows the WEX worker's keys" out_has "etl-wex runs with: "
ok "make demo shows the sealed file" out_has "WEX_JIRA_TOKEN=enc:v1:"
ok "make demo shows the opened tokens redacted" out_has "WEX_JIRA_TOKEN=<redacted>"
ok "make demo shows the WEX worker failing on TechCorp's file" \
	err_has "TECHCORP_JIRA_TOKEN: no private key opens it"
ok "make demo shows the WEX worker failing without its key" \
	err_has "keys/wex.key: cannot read private key file"
ok "make demo never shows a secret value" no_value_of .

# --- the manifests in man/envinit.ini.5's EXAMPLES parse -----------------
awk '/^\.Bd -literal/ { n++; on = 1; next } /^\.Ed/ { on = 0; next }
	on { print >("man-example-" n ".ini") }' "$ROOT/man/envinit.ini.5"
n=0
for f in man-example-*.ini; do
	grep -q '^\[service ' "$f" || continue
	n=$((n + 1))
	e check --all -c "$f"
	ok "man/envinit.ini.5: example $f is a valid manifest" err_lacks "$f:"
	ok "man/envinit.ini.5: example $f is checked" out_has "check --all: service "
done
ok "man/envinit.ini.5 has two example manifests" test "$n" -eq 2

# --- examples/emailclient -------------------------------------------------
# The committed files are what gen.sh makes of variables.txt.
mkdir ec && cp "$EC/gen.sh" "$EC/variables.txt" ec/ && sh ec/gen.sh
for f in .env.example .env.development .env.production.template envinit.ini; do
	ok "emailclient: $f is gen.sh's output" cmp -s "ec/$f" "$EC/$f"
done
grep -E '^[A-Z_][A-Z0-9_]*=' "$EC/.env.example" | cut -d= -f1 | sort >ec-keys
ok "emailclient: .env.example has 280 keys" test "$(wc -l <ec-keys)" -eq 280
ok "emailclient: no key twice" test -z "$(uniq -d ec-keys)"
ok "emailclient: in 16 categories" \
	test "$(grep -c '^# ---- [0-9]*\. ' "$EC/.env.example")" -eq 16
sed -n '/^\[keys\]/,/^\[/s/^\([A-Z_][A-Z0-9_]*\) = .*/\1/p' "$EC/envinit.ini" | sort >ec-typed
ok "emailclient: the manifest types every key" cmp -s ec-keys ec-typed

echeck() { e check -c "$EC/envinit.ini" -s app -f "$1"; }
echeck "$EC/.env.development"
ok "emailclient: the development env passes" rc 0
ok "emailclient: all 280 keys kept" out_has "281 keys kept"

echeck "$EC/.env.production.template"
ok "emailclient: the production template fails with 78" rc 78
placeholder_keys "$EC/.env.production.template" >want
named_keys >got
ok "emailclient: some keys are placeholders" test "$(wc -l <want)" -gt 30
ok "emailclient: exactly the CHANGE_ME keys are named" cmp -s want got
ok "emailclient: every line names a key" \
	test -z "$(grep -v '^envinit: [A-Z_][A-Z0-9_]*: ' "$T/err")"
ok "emailclient: each as a placeholder, with its line" \
	test "$(grep -c ': no-placeholder: .*(.*\.env\.production\.template:[0-9]*)$' "$T/err")" -eq "$(wc -l <want)"
ok "emailclient: no value is printed" err_lacks "CHANGE_ME"

# Typing: wrong values are named, and only they.
sed -e 's/^APP_PORT=.*/APP_PORT=80a/' -e 's/^APP_DEBUG=.*/APP_DEBUG=maybe/' \
	-e 's/^LOG_FORMAT=.*/LOG_FORMAT=xml/' -e 's/^APP_URL=.*/APP_URL=localhost:8080/' \
	-e '/^SECURITY_CSRF_SECRET=/d' "$EC/.env.development" >bad.env
echeck bad.env
ok "emailclient: bad values fail" rc 78
ok "emailclient: exactly the bad keys are named" \
	test "$(named_keys | tr '\n' ' ')" = "APP_DEBUG APP_PORT APP_URL LOG_FORMAT SECURITY_CSRF_SECRET "
ok "emailclient: port" err_has "APP_PORT: port:"
ok "emailclient: bool" err_has "APP_DEBUG: bool:"
ok "emailclient: one-of" err_has "LOG_FORMAT: one-of:"
ok "emailclient: url" err_has "APP_URL: url:"
ok "emailclient: a key of .env.example missing" \
	err_has "SECURITY_CSRF_SECRET: required but not set"
