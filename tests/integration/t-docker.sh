# docker/Dockerfile without a Docker engine (t-engine.sh builds and runs it
# with podman): its stages are what they claim, its build-stage check
# really tells a static binary from a dynamic one, and the example image's
# exact ENV, ENTRYPOINT and CMD run the real static binary in a root laid
# out like that FROM scratch image (the COPYed /envinit, /service and
# /config, the secrets `docker run -v` mounts; $SHOWENV stands in for
# /service, which would run until stopped).

. "$ROOT/docker/container.sh"
DF=$ROOT/docker/Dockerfile

# One instruction a line: "STAGE<TAB>INSTRUCTION<TAB>ARGUMENTS", continuation
# lines joined, comments dropped.
awk '
	/^[ \t]*#/ { next }
	{ line = cont ? line " " $0 : $0 }
	/\\$/ { sub(/\\$/, "", line); cont = 1; next }
	{ cont = 0 }
	line ~ /^[ \t]*$/ { next }
	{
		sub(/^[ \t]+/, "", line)
		instr = toupper(line); sub(/[ \t].*/, "", instr)
		args = line; sub(/^[^ \t]+[ \t]+/, "", args)
		if (instr == "FROM") {
			stage = args; sub(/.*[ \t][Aa][Ss][ \t]+/, "", stage)
			if (stage == args) stage = "stage" ++n
		}
		printf "%s\t%s\t%s\n", stage, instr, args
	}' "$DF" >df
inst() { awk -F'\t' -v s="$1" -v i="$2" '$1 == s && $2 == i { print $3 }' df; }

ok "three stages: build, envinit, example" \
	test "$(inst build FROM; inst envinit FROM; inst example FROM)" = \
	"$(printf '${BASE} AS build\nscratch AS envinit\nscratch AS example')"
ok "the build stage's base is debian:bookworm-slim unless BASE says" \
	grep -qx 'ARG BASE=debian:bookworm-slim' "$DF"
ok "the build stage installs build packages only (make deps, no test deps)" \
	test "$(inst build RUN | sed 's/ *&& */\n/g' | grep -E 'apt-get install|make ')" = \
	"$(printf 'apt-get install -y --no-install-recommends make file\nmake deps\nmake build')"
no() { ! "$@"; }
ok "no test package in the image" no grep -Eq 'valgrind|mandoc|cmocka|procps|test-deps' "$DF"
ok "the envinit stage copies only the binary" \
	test "$(awk -F'\t' '$1 == "envinit" && $2 != "FROM" && $2 != "ENTRYPOINT"' df)" = \
	"$(printf 'envinit\tCOPY\t--from=build /src/build/envinit /envinit')"
ok "the example copies /envinit and /service from the build stage" \
	test "$(inst example COPY | head -n 2)" = "$(printf -- '--from=build /src/build/envinit /envinit\n--from=build /src/build/service /service')"
inst example ENTRYPOINT >ep.json
json_args "$(cat ep.json)" ep
ok "the example's ENTRYPOINT is [\"/envinit\", \"--\"]" \
	test "$(cat ep.json)" = '["/envinit", "--"]'
# Every COPY source is in the repository (the build context is its root).
awk -F'\t' '$2 == "COPY" && $3 !~ /^--from/ { sub(/ [^ ]*$/, "", $3); print $3 }' df >copies
ok "there are COPY sources" test -s copies
while read -r src; do
	ok "COPY source $src exists" test -e "$ROOT/$src"
	ok "COPY source $src is in the build context" \
		grep -qx "!${src%/}/*" "$ROOT/docker/Dockerfile.dockerignore"
done <copies
ok "the build context excludes everything else" \
	grep -qx '\*' "$ROOT/docker/Dockerfile.dockerignore"

# The build stage's checks, as its RUN line has them, on the real binary;
# and the same static check refuses a dynamic binary.
mkdir -p buildctx/build && cp "$ENVINIT" buildctx/build/envinit
cp "$ROOT/build/service" buildctx/build/service
inst build RUN | sed 's/ *&& */\n/g' | grep 'build/envinit' >checks
ok "the build stage checks the binary twice (static, runs)" test "$(wc -l <checks)" -eq 2
while IFS= read -r c; do
	(cd buildctx && sh -c "$c") >/dev/null 2>&1; RC=$?
	ok "build check passes: $c" rc 0
done <checks
cp /bin/sh buildctx/build/envinit
static=$(grep 'statically linked' checks)
(cd buildctx && sh -c "$static") >/dev/null 2>&1; RC=$?
ok "the static check refuses a dynamic binary" test "$RC" != 0

if ! ctr_can_run; then
	skip "the example image run" "needs root and unshare --mount --pid"
else
# A root like the example image (FROM scratch): what the Dockerfile COPYs,
# $SHOWENV as /service, the ENV it sets, what docker run adds.
image_root() {
	R=$T/image-$1 && mkdir -p "$R"
	inst example COPY >example-copies
	while read -r a b c; do
		case $a in
		--from=build)    # --from=build SRC DST
			case $c in
			/envinit) cp "$ENVINIT" "$R$c" ;;
			/service) cp "$SHOWENV" "$R$c" ;;
			*) return 1 ;;
			esac ;;
		*) ctr_mount "$ROOT/$a" "${b%/}" ro ;;   # SRC DST
		esac
	done <example-copies
	# shellcheck disable=SC2046
	ctr_env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOSTNAME=5f2c9a1b7e30 HOME=/root $(inst example ENV)
}
json_args "$(inst example CMD)" cmd
cat ep cmd >argv
ok "the example's CMD is [\"/service\", \"backend\"]" \
	test "$(inst example CMD)" = '["/service", "backend"]'

PP=$ROOT/examples/pulse-platform
for pid1 in 0 1; do
	image_root "$pid1"
	ctr_mount "$PP/secrets" /run/secrets ro
	CTR_PID1=$pid1 ctr_run "$R" argv
	what="docker run -v secrets:/run/secrets example$([ $pid1 = 1 ] && echo ' (PID 1)')"
	ok "$what: starts" rc 0
	for k in JWT_SECRET_KEY POSTGRES_PASSWORD SESSION_SECRET DATABASE_URL; do
		ok "$what: the backend got $k" out_has "$k="
	done
	ok "$what: and no ETL token" out_lacks "WEX_"
	ok "$what: ENVINIT_* never reach it" out_lacks "ENVINIT_"
done
image_root nosecrets
ctr_run "$R" argv
ok "docker run without the secrets: 78" rc 78
ok "names what is missing" err_has "POSTGRES_PASSWORD: required but not set"
ok "and runs nothing" test ! -s "$T/out"

# The scratch stage's own entrypoint: docker run envinit --version.
mkdir -p "$T/scratch" && cp "$ENVINIT" "$T/scratch/envinit"
json_args "$(inst envinit ENTRYPOINT)" sep
ctr_run "$T/scratch" sep --version
ok "docker run envinit --version (FROM scratch)" out_has "envinit "
fi
