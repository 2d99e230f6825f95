# The bundled examples, run as their containers run them.
#
# examples/pulse-platform: each service's exact entrypoint, taken from the
# development compose file, the production compose file and the Kubernetes
# manifests, runs the real static binary in a root laid out like the
# container's (volumes, compose secrets and kubelet Secret/ConfigMap
# volumes bind-mounted where the files say), with $SHOWENV as the service.
# What the service receives proves the isolation the example promises: each
# ETL worker sees its own client's tokens and no other client's, the
# frontend no secret at all, the backend no ETL token.
# examples/emailclient: its 280-key development env passes envinit check;
# its production template fails, naming exactly the keys still holding a
# CHANGE_ME placeholder, never a value.

. "$ROOT/docker/container.sh"
PP=$ROOT/examples/pulse-platform
EC=$ROOT/examples/emailclient
SERVICES="backend frontend etl-wex etl-techcorp etl-acme"
CLIENTS="wex techcorp acme"
DOCKER_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# The policy the example promises, stated independently of its files:
# the secret files (in examples/pulse-platform/secrets) each service needs.
granted() {
	case $1 in
	backend) echo "postgres-password jwt-secret-key session-secret" ;;
	frontend) echo "" ;;
	etl-*) c=${1#etl-}
		echo "postgres-password $c-jira-token $c-github-token $c-encryption-key" ;;
	esac
}
# The same list, sorted, on one line.
granted_set() { granted "$1" | tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' '; }
no() { ! "$@"; }
# The keys an env file leaves as CHANGE_ME placeholders, and the keys the
# last run's stderr names ("envinit: KEY: ..."), one a line, sorted.
placeholder_keys() { grep -E '^[A-Z_][A-Z0-9_]*=CHANGE_ME' "$1" | cut -d= -f1 | sort -u; }
named_keys() { sed -n 's/^envinit: \([A-Z_][A-Z0-9_]*\): .*/\1/p' "$T/err" | sort -u; }
upcase() { printf '%s' "$1" | tr 'a-z-' 'A-Z_'; }
secret_value() { head -n 1 "$PP/secrets/$1"; }
# Every secret file of the example: name, key, value (tab-separated).
for f in "$PP"/secrets/*; do
	printf '%s\t%s\t%s\n' "${f##*/}" "$(upcase "${f##*/}")" "$(secret_value "${f##*/}")"
done >"$T/secrets.tab"

# What $SHOWENV printed for service $1: the isolation, checked on names and
# on values (a secret's value must not appear under any name).
isolated() {
	svc=$1
	awk -F'\t' -v svc="$svc" -v want=" $(granted "$1") " '
		NR == FNR { name[NR] = $1; key[NR] = $2; val[NR] = $3; n = NR; next }
		{ line[++nl] = $0 }
		END {
			for (i = 1; i <= n; i++) {
				found = 0; leaked = 0
				for (j = 1; j <= nl; j++) {
					if (line[j] == key[i] "=" val[i]) found = 1
					else if (index(line[j], key[i] "=") == 1 || index(line[j], val[i]))
						leaked = 1
				}
				if (index(want, " " name[i] " ")) {
					if (!found || leaked) { print "    " svc " lacks " key[i] " or sees its value elsewhere"; bad = 1 }
				} else if (found || leaked) {
					print "    " svc " sees " key[i] " (by name or by value)"; bad = 1
				}
			}
			exit bad
		}' "$T/secrets.tab" "$T/out" || return 1
	# nothing that steers envinit, nothing the runtime added but the kept keys
	! grep -Eq '^(ENVINIT_|KUBERNETES_|STRAY_)' "$T/out" || return 1
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

# The .example templates name the same keys as the files they document.
for f in "$PP"/config/.env.*.example; do
	live=${f%.example}
	e check -f "$PP/config/.env.shared" -f "$live" --require-from "$f"
	ok "${live##*/} has every key of its template" rc 0
	e check -f "$PP/config/.env.shared" -f "$f" --require-from "$live"
	ok "${f##*/} has every key of ${live##*/}" rc 0
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

for svc in $SERVICES; do
	R=$T/dev-$svc && mkdir -p "$R"
	cp "$SHOWENV" "$R/showenv"
	svc_block "$PP/compose.yaml" "$svc" >block
	json_args "$(sed -n 's/^    entrypoint: //p' block)" ep
	ok "compose.yaml: $svc has a JSON entrypoint" test -s ep
	ok "compose.yaml: $svc entrypoint is envinit with its section" \
		grep -qx -- "$svc" ep
	ok "compose.yaml: $svc reads no env_file itself" no grep -q 'env_file:' block
	block_list volumes <block >vols
	while IFS=: read -r src dst mode; do
		case $dst in /envinit) src=$ENVINIT ;; *) src=$PP/$src ;; esac
		ctr_mount "$src" "$dst" "$mode"
	done <vols
	ctr_env PATH=$DOCKER_PATH HOSTNAME=0123456789ab HOME=/root
	ctr_run "$R" ep /showenv
	ok "compose.yaml: $svc starts" rc 0
	ok "compose.yaml: $svc sees only its own secrets" isolated "$svc"
	ok "compose.yaml: $svc keeps HOSTNAME" out_has "HOSTNAME=0123456789ab"
done

# --- docker compose (production): compose.prod.yaml -----------------------
for svc in $SERVICES; do
	R=$T/prod-$svc && mkdir -p "$R"
	cp "$ENVINIT" "$R/envinit"    # the image carries it
	cp "$SHOWENV" "$R/showenv"
	svc_block "$PP/compose.prod.yaml" "$svc" >block
	json_args "$(sed -n 's/^    entrypoint: //p' block)" ep
	block_list volumes <block >vols
	block_list secrets <block >secs
	ok "compose.prod.yaml: $svc is granted exactly its secrets" \
		test "$(sort secs | tr '\n' ' ')" = "$(granted_set "$svc")"
	while IFS=: read -r src dst mode; do
		ctr_mount "$PP/$src" "$dst" "$mode"
	done <vols
	while IFS= read -r s; do
		ctr_mount "$PP/secrets/$s" "/run/secrets/$s" ro
	done <secs
	ctr_env PATH=$DOCKER_PATH HOSTNAME=0123456789ab HOME=/root
	ctr_run "$R" ep /showenv
	ok "compose.prod.yaml: $svc starts" rc 0
	ok "compose.prod.yaml: $svc sees only its own secrets" isolated "$svc"
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
	mkdir -p "$dir/$ts"
	for f; do cp "$PP/$f" "$dir/$ts/"; ln -s "..data/${f##*/}" "$dir/${f##*/}"; done
	ln -s "$ts" "$dir/..data"
}
# The mountPath of the volume named $2 in Deployment file $1.
mount_path() { sed -n "s/.*{name: $2, mountPath: \\([^,}]*\\).*/\\1/p" "$1"; }

gen_files configMapGenerator pulse-config >cm-files
ok "kustomization: the ConfigMap holds envinit.ini" grep -qx config/envinit.ini cm-files
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
	kubelet_volume "$T/k8s-$svc-config" $(cat cm-files)
	ctr_mount "$T/k8s-$svc-config" "$(mount_path "$y" config)" ro
	secret=$(sed -n 's/.*secretName: \([^,}]*\).*/\1/p' "$y")
	if [ "$svc" = frontend ]; then
		ok "k8s/frontend.yaml: no Secret volume at all" test -z "$secret"
	else
		gen_files secretGenerator "$secret" >sec-files
		ok "kustomization: $secret holds exactly $svc's secrets" \
			test "$(sed 's,^secrets/,,' sec-files | sort | tr '\n' ' ')" = "$(granted_set "$svc")"
		kubelet_volume "$T/k8s-$svc-secret" $(cat sec-files)
		ctr_mount "$T/k8s-$svc-secret" "$(mount_path "$y" secrets)" ro
	fi
	ctr_env PATH=$DOCKER_PATH HOSTNAME="$svc-7d9f8b6c5-x2x9q" \
		KUBERNETES_SERVICE_HOST=10.96.0.1 KUBERNETES_SERVICE_PORT=443
	ctr_run "$R" ep /showenv
	ok "k8s: $svc starts" rc 0
	ok "k8s: $svc sees only its own secrets" isolated "$svc"
	ok "k8s: kubelet internals are not keys" no grep -q '^_*data=' "$T/out"
done

# A Secret missing a key: the pod stops with a message kubectl shows.
R=$T/k8s-broken && mkdir -p "$R/dev"
cp "$ENVINIT" "$R/envinit"; cp "$SHOWENV" "$R/showenv"; : >"$R/dev/termination-log"
kubelet_volume "$T/k8s-broken-config" $(cat cm-files)
kubelet_volume "$T/k8s-broken-secret" secrets/postgres-password \
	secrets/wex-github-token secrets/wex-encryption-key
ctr_mount "$T/k8s-broken-config" /config ro
ctr_mount "$T/k8s-broken-secret" /run/secrets/app ro
json_args "$(sed -n 's/^ *command: //p' "$PP/k8s/etl-wex.yaml")" ep
ctr_run "$R" ep /showenv
ok "k8s: a missing WEX token stops etl-wex with 78" rc 78
ok "k8s: the missing key is named" err_has "WEX_JIRA_TOKEN: required but not set"
ok "k8s: nothing ran" test ! -s "$T/out"
ok "k8s: the termination log says why" \
	file_has "$R/dev/termination-log" "WEX_JIRA_TOKEN: required but not set"
ok "k8s: no secret value in the report" \
	leak_free "$(secret_value wex-github-token)"
ok "k8s: no secret value in the termination log" \
	file_lacks "$R/dev/termination-log" "$(secret_value postgres-password)"
fi

# --- make demo: runs, shows the isolation and a failed check, no value ----
sh "$ROOT/examples/demo.sh" >"$T/out" 2>"$T/err"; RC=$?
ok "make demo runs" rc 0
ok "make demo checks every service" out_has "service etl-acme: ok"
ok "make demo shows the WEX worker's keys" out_has "etl-wex runs with: "
ok "make demo shows a failed check" err_has "WEX_JIRA_TOKEN: required but not set"
no_secret_value() {
	while IFS="$(printf '\t')" read -r _ key val; do
		leak_free "$val" || { echo "    the value of $key is shown"; return 1; }
	done <"$T/secrets.tab"
}
ok "make demo never shows a secret value" no_secret_value

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
