# envinit under a real container engine: podman (with runc) builds
# docker/Dockerfile and runs its images, and podman-compose runs both
# examples/pulse-platform compose files.
#
# Nothing is pulled from a registry. The suite carries its own
# containers.conf (CONTAINERS_CONF): runtime runc, the cgroupfs manager,
# the file events logger and default ulimits within this shell's hard
# limits (podman's own defaults ask for more than an unprivileged-resource
# root may set). The build stage's base is a local Debian 12 image: a
# debootstrap --variant=minbase tree from the mirror apt uses, imported
# with `podman import`; the tree and the image are kept between runs
# (ENVINIT_TEST_BASE_DIR, default /var/tmp/envinit-test-base; image
# localhost/envinit-test-base:bookworm), so only the first run makes them.
# The build stage itself runs apt-get and make inside the engine (cached
# by podman's layers while Makefile and src/ are unchanged); the database
# and cache images of the compose files (postgres, redis) are left out.
#
# Needs root, podman, runc, podman-compose and debootstrap (make test-deps
# installs them); without them every check here is skipped, by name.

started=$(date +%s)
BASE_IMG=localhost/envinit-test-base:bookworm
BASE_DIR=${ENVINIT_TEST_BASE_DIR:-/var/tmp/envinit-test-base}
IMG=localhost/envinit-test/envinit:latest
EX=localhost/envinit-test/example:latest
PP=$ROOT/examples/pulse-platform
ID=envinit-t-$$
SERVICES="backend frontend etl-wex etl-techcorp etl-acme"

missing=
[ "$(id -u)" = 0 ] || missing="root (podman's storage, unshare)"
for c in podman runc podman-compose debootstrap; do
	command -v $c >/dev/null 2>&1 || missing="$missing${missing:+, }$c"
done

# The mirror apt's sources name (deb822 URIs: or a one-line deb entry).
mirror() {
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources 2>/dev/null |
		sed -n -e 's,^URIs: *\(http[^ ]*/debian/*\)$,\1,p' \
			-e 's,^deb \(\[[^]]*\] \)*\(http[^ ]*/debian/*\) .*,\2,p' | head -n 1
}

# The local base image: made once, from the Debian archive.
base_image() {
	podman image exists "$BASE_IMG" && return 0
	if [ ! -x "$BASE_DIR/bin/sh" ]; then
		m=$(mirror)
		[ -n "$m" ] || { echo "no Debian mirror in /etc/apt/sources.list*"; return 1; }
		rm -rf "$BASE_DIR.tmp"
		debootstrap --variant=minbase bookworm "$BASE_DIR.tmp" "$m" >"$T/debootstrap.log" 2>&1 ||
			{ tail -n 5 "$T/debootstrap.log"; return 1; }
		mv "$BASE_DIR.tmp" "$BASE_DIR"
	fi
	tar -C "$BASE_DIR" -c . | podman import -q - "$BASE_IMG" >/dev/null
}

# Wait (15 s at most) for container $1 to print a line starting with $2;
# the line -> $T/out.
line_of() {
	i=0
	while [ $i -lt 150 ]; do
		podman logs "$1" 2>/dev/null | grep "^$2" >"$T/out" && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
exit_code() { podman wait "$1" >/dev/null 2>&1; podman inspect -f '{{.State.ExitCode}}' "$1"; }

if [ -n "$missing" ]; then
	skip "podman: build docker/Dockerfile, run its images and the compose files" "needs $missing"
else
# The hard limits of this shell, as runc must not exceed them.
hard() {
	v=$(sed -n "s/^$1  *[^ ]*  *\([^ ]*\) .*/\1/p" /proc/self/limits)
	[ "$v" = unlimited ] && v=$2
	[ "$v" -gt "$2" ] && v=$2
	echo "$v"
}
ulimit_n=$(hard 'Max open files' 1048576)
ulimit_u=$(hard 'Max processes' "$(cat /proc/sys/kernel/pid_max)")
cat >"$T/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$ulimit_n:$ulimit_n", "nproc=$ulimit_u:$ulimit_u"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
export CONTAINERS_CONF="$T/containers.conf"

base_image >"$T/err" 2>&1; RC=$?
ok "a local Debian 12 base image ($BASE_IMG)" rc 0

build() {
	podman build -f "$ROOT/docker/Dockerfile" --build-arg BASE="$BASE_IMG" \
		--target "$1" -t "$2" "$ROOT" >"$T/build-$1.log" 2>&1; RC=$?
	tail -n 20 "$T/build-$1.log" >"$T/err"
}
build envinit "$IMG"
ok "podman build --target envinit (the build stage from $BASE_IMG)" rc 0
ok "the envinit image holds /envinit and nothing else" \
	test "$(podman image inspect -f '{{len .RootFS.Layers}}' "$IMG")" = 1
build example "$EX"
ok "podman build --target example" rc 0

# --- the scratch image as PID 1 -------------------------------------------
# An env file and a Secret volume in the kubelet's layout (..data -> a
# timestamped directory), the example service mounted in.
mkdir -p cfg sec/..2026_12_01_00_00_00.1 rec
printf 'KEEP=kept\nDROP=dropped\n' >cfg/app.env
printf 'engine-secret-value-q4' >sec/..2026_12_01_00_00_00.1/DB_PASSWORD
ln -s ..2026_12_01_00_00_00.1 sec/..data && ln -s ..data/DB_PASSWORD sec/DB_PASSWORD
H=$ROOT/build/helpers
V="-v $T/cfg:/cfg:ro -v $T/sec:/run/secrets/app:ro -v $ROOT/build/service:/service:ro"
V="$V -v $H/sigrec:/sigrec:ro -v $H/spawn:/spawn:ro -v $T/rec:/rec"
ARGS="-f /cfg/app.env -d /run/secrets/app -a KEEP,DB_*"

# shellcheck disable=SC2086
podman run -d --name "$ID-a" $V "$IMG" $ARGS -- /service app >/dev/null 2>"$T/err"
line_of "$ID-a" "app started with:"; RC=$?
ok "podman run envinit -- /service: the service starts" rc 0
ok "stripping: the service got exactly the allowed keys" out_is "app started with: DB_PASSWORD KEEP"
pid=$(podman inspect -f '{{.State.Pid}}' "$ID-a")
ok "envinit is PID 1 in the container" \
	test "$(sed -n 's/^NSpid:.*[[:space:]]\([0-9]*\)$/\1/p' /proc/"$pid"/status)" = 1
ok "/proc/1/environ is blank (no name, no value)" \
	test -n "$pid" -a -z "$(tr -d '\0' </proc/"$pid"/environ)"
podman stop -t 10 "$ID-a" >/dev/null 2>&1
ok "podman stop: SIGTERM forwarded, the service's status 0 returned" \
	test "$(exit_code "$ID-a")" = 0

# podman kill -s: forwarded; a signal that kills the service comes back
# as 128+N.
# shellcheck disable=SC2086
podman run -d --name "$ID-b" $V "$IMG" -- /sigrec /rec/b 15 >/dev/null 2>"$T/err"
i=0; while ! grep -q '^ready' rec/b 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
podman kill -s USR1 "$ID-b" >/dev/null; podman kill -s HUP "$ID-b" >/dev/null
podman stop -t 10 "$ID-b" >/dev/null 2>&1
ok "podman kill -s USR1, -s HUP, podman stop: forwarded in order" \
	test "$(awk '$1 != "ready" { printf "%s ", $1 }' rec/b)" = "10 1 15 "
ok "... and the service's exit 0 returned" test "$(exit_code "$ID-b")" = 0
# shellcheck disable=SC2086
podman run -d --name "$ID-c" $V "$IMG" -- /service c >/dev/null 2>"$T/err"
line_of "$ID-c" "c started with:"
podman kill -s HUP "$ID-c" >/dev/null
ok "podman kill -s HUP ends the service: 129 (128+1) returned" test "$(exit_code "$ID-c")" = 129

# Orphans re-parented to envinit are reaped.
# shellcheck disable=SC2086
podman run --name "$ID-d" $V "$IMG" -- /spawn orphans 50 >"$T/out" 2>"$T/err"; RC=$?
ok "orphans are reaped by PID 1" rc 0
ok "... all 50" out_has "reaped 50 in "

# A missing key: exit 78, the reason in the mounted termination log.
: >termlog
# shellcheck disable=SC2086
podman run --name "$ID-e" $V -v "$T/termlog:/dev/termination-log" "$IMG" $ARGS -r NEEDED_KEY \
	-- /service e >"$T/out" 2>"$T/err"; RC=$?
ok "a missing key: exit 78" rc 78
ok "... the reason in the termination log" \
	test "$(head -n 1 termlog)" = "envinit: NEEDED_KEY: required but not set"
ok "... and on stderr" err_has "envinit: NEEDED_KEY: required but not set"
ok "... the service never ran" test ! -s "$T/out"
ok "... no secret value shown" leak_free "engine-secret-value-q4"
podman rm -f "$ID-a" "$ID-b" "$ID-c" "$ID-d" "$ID-e" >/dev/null 2>&1

# --- the example image as docker run would run it -------------------------
podman run -d --name "$ID-x" -v "$PP/secrets:/run/secrets:ro" "$EX" >/dev/null 2>"$T/err"
line_of "$ID-x" "backend started with:"; RC=$?
ok "the example image: the backend's keys, no ETL token, no ENVINIT_*" \
	out_is "backend started with: BACKEND_PORT BACKEND_SERVICE_URL BACKEND_WORKERS CORS_ORIGINS DATABASE_URL ENVIRONMENT FRONTEND_URL HOME HOSTNAME JWT_ALGORITHM JWT_EXPIRE_MINUTES JWT_SECRET_KEY LOG_LEVEL PATH POSTGRES_DB POSTGRES_HOST POSTGRES_PASSWORD POSTGRES_PORT POSTGRES_USER REDIS_URL SESSION_COOKIE_NAME SESSION_SECRET"
podman stop -t 10 "$ID-x" >/dev/null 2>&1
ok "the example image: podman stop -> 0" test "$(exit_code "$ID-x")" = 0
podman rm -f "$ID-x" >/dev/null 2>&1

# --- both compose files, with podman-compose --------------------------------
# What each service must print: the WEX worker only WEX's tokens, the
# frontend no secret, the backend no ETL token.
want() {
	case $1 in
	backend) names="BACKEND_PORT BACKEND_SERVICE_URL BACKEND_WORKERS CORS_ORIGINS DATABASE_URL ENVIRONMENT FRONTEND_URL HOME HOSTNAME JWT_ALGORITHM JWT_EXPIRE_MINUTES JWT_SECRET_KEY LOG_LEVEL PATH POSTGRES_DB POSTGRES_HOST POSTGRES_PASSWORD POSTGRES_PORT POSTGRES_USER REDIS_URL SESSION_COOKIE_NAME SESSION_SECRET" ;;
	frontend) names="BACKEND_SERVICE_URL ENVIRONMENT FRONTEND_PORT FRONTEND_URL HOME HOSTNAME LOG_LEVEL NODE_ENV PATH PUBLIC_API_URL PUBLIC_APP_NAME PUBLIC_DEFAULT_LOCALE" ;;
	etl-*) C=$(printf '%s' "${1#etl-}" | tr a-z A-Z)
		names="BACKEND_SERVICE_URL CLIENT_ID CLIENT_NAME ENVIRONMENT ETL_BATCH_SIZE ETL_HTTP_TIMEOUT_SECONDS ETL_MAX_RETRIES ETL_SCHEDULE HOME HOSTNAME LOG_LEVEL PATH POSTGRES_DB POSTGRES_HOST POSTGRES_PASSWORD POSTGRES_PORT POSTGRES_USER REDIS_URL ${C}_ENCRYPTION_KEY ${C}_GITHUB_ORG ${C}_GITHUB_REPOS ${C}_GITHUB_TOKEN ${C}_JIRA_PROJECTS ${C}_JIRA_TOKEN ${C}_JIRA_URL" ;;
	esac
	echo "$1 started with: $(printf '%s\n' $names | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')"
}
# The compose file $1 as written, in a copy of the example: without the
# pulled postgres and redis services, prod's /srv/pulse being the copy,
# and without host ports (what runs is tested, not the host's port 8000,
# which another test run or service may hold).
cp -R "$PP" pp
compose_copy() {
	awk '/^  (postgres|redis):$/ { drop = 1; next }
		drop && /^  [^ ]/ { drop = 0 }
		drop { next }
		/^    depends_on:/ { next }
		/^    ports:/ { next }
		{ print }' "$PP/$1" | sed "s,/srv/pulse/,$T/pp/," >"pp/$1"
}
for f in compose.yaml compose.prod.yaml; do
	p=$ID-$(echo "$f" | tr -dc a-z)
	img=$(sed -n 's/^  image: //p' "$PP/$f")
	ok "$f: one image for the app services, built from the repository ($img)" \
		grep -qx '  build: {context: ../.., dockerfile: docker/Dockerfile, target: example}' "$PP/$f"
	ok "$f: the only pulled images are postgres and redis" \
		test "$(sed -n 's/^    image: //p' "$PP/$f" | tr '\n' ' ')" = "$(case $f in compose.yaml) echo 'postgres:16 redis:7 ' ;; esac)"
	podman-compose -p "$p" -f "$PP/$f" build --build-arg BASE="$BASE_IMG" backend \
		>"$T/cbuild.log" 2>&1; RC=$?
	tail -n 20 "$T/cbuild.log" >"$T/err"
	ok "podman-compose -f $f build (the file's build: section)" rc 0
	compose_copy "$f"
	podman-compose -p "$p" -f "pp/$f" up -d --no-build >"$T/cup.log" 2>&1
	for svc in $SERVICES; do
		line_of "${p}_${svc}_1" "$svc started with:"; RC=$?
		ok "$f: $svc starts" rc 0
		ok "$f: $svc sees exactly its own keys" out_is "$(want "$svc")"
	done
	podman-compose -p "$p" -f "pp/$f" down -t 10 >"$T/cdown.log" 2>&1
	ok "$f: podman-compose down leaves no container" \
		test -z "$(podman ps -a -q --filter "name=^${p}_")"
done
echo "# t-engine: $(($(date +%s) - started)) s"
fi
