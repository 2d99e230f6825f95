# container.sh - run a container's command line without a container engine.
#
# Sourced by tests/integration/t-examples.sh, t-docker.sh and t-scratch.sh:
# they take the exact ENTRYPOINT/CMD, compose `entrypoint:` or Kubernetes
# `command:` of this repository's files and run it with the real static
# binary in a root directory laid out as the container's would be, its
# volumes bind-mounted in a private mount namespace (needs root).
#
#   json_args JSON FILE     a JSON array of strings -> FILE, one per line
#   ctr_can_run             whether this machine can do it (root, unshare)
#   ctr_mount SRC DST [ro]  add a bind mount (DST inside the root)
#   ctr_env K=V...          add to the container's environment
#   ctr_run ROOT LIST [ARG...]
#                           run the lines of the file LIST, then ARG..., as
#                           one command chrooted in ROOT, with those mounts
#                           and that environment only; stdout -> $T/out,
#                           stderr -> $T/err, status -> $RC (125: the
#                           emulation itself failed). CTR_PID1=1: in a new
#                           PID namespace, as PID 1. Mounts and environment
#                           are then reset for the next run.

CTR_MOUNTS="$T/ctr.mounts" CTR_ENV="$T/ctr.env"
: >"$CTR_MOUNTS"; : >"$CTR_ENV"

# A JSON array of plain strings (as in Dockerfile exec form, compose and
# Kubernetes flow sequences) to one argument a line. Fails on anything
# else, or on an argument holding a newline.
json_args() {
	printf '%s\n' "$1" | awk '
	{ s = s $0 "\n" }
	END {
		n = length(s); i = 1
		while (i <= n && substr(s, i, 1) ~ /[ \t\n]/) i++
		if (substr(s, i, 1) != "[") exit 1
		i++; want = "value"
		while (i <= n) {
			c = substr(s, i, 1)
			if (c ~ /[ \t\n]/) { i++; continue }
			if (c == "]" && want != "value-after-comma") { out_ok = 1; i++; break }
			if (want == "comma") {
				if (c != ",") exit 1
				want = "value-after-comma"; i++; continue
			}
			if (c != "\"") exit 1
			v = ""; i++
			while (i <= n) {
				c = substr(s, i, 1)
				if (c == "\"") break
				if (c == "\\") {
					i++; e = substr(s, i, 1)
					if (e ~ /[ntrbfu]/) exit 1
					c = e
				}
				v = v c; i++
			}
			if (i > n) exit 1
			i++; args[++na] = v; want = "comma"
		}
		if (!out_ok) exit 1
		while (i <= n) if (substr(s, i++, 1) !~ /[ \t\n]/) exit 1
		for (k = 1; k <= na; k++) print args[k]
	}' >"$2"
}

ctr_can_run() {
	[ "$(id -u)" = 0 ] && unshare --mount --pid --fork true 2>/dev/null
}

ctr_mount() { printf '%s\n%s\n%s\n' "$1" "$2" "${3:-rw}" >>"$CTR_MOUNTS"; }
ctr_env() { for kv; do printf '%s\n' "$kv" >>"$CTR_ENV"; done; }

ctr_run() {
	ctr_root=$1 ctr_list=$2; shift 2
	ctr_pidns=
	[ "${CTR_PID1:-}" = 1 ] && ctr_pidns="--pid --fork"
	ctr_chroot=$(command -v chroot) || { RC=125; return; }
	# shellcheck disable=SC2086
	unshare --mount --propagation private $ctr_pidns sh -c '
		root=$1 mounts=$2 envf=$3 list=$4 chroot=$5; shift 5
		while IFS= read -r src && IFS= read -r dst && IFS= read -r mode; do
			if [ -d "$src" ]; then mkdir -p "$root$dst"
			else mkdir -p "$(dirname "$root$dst")" && : >>"$root$dst"; fi
			mount --bind "$src" "$root$dst" || exit 125
			if [ "$mode" = ro ]; then
				mount -o remount,bind,ro "$root$dst" || exit 125
			fi
		done <"$mounts"
		# Build: env -i K=V... chroot ROOT LIST... EXTRA... by appending
		# to "$@" and rotating the first n entries to the end.
		n=$#
		while IFS= read -r a; do set -- "$@" "$a"; done <"$list"
		i=0
		while [ $i -lt $n ]; do set -- "$@" "$1"; shift; i=$((i + 1)); done
		n=$#
		while IFS= read -r kv; do set -- "$@" "$kv"; done <"$envf"
		set -- "$@" "$chroot" "$root"
		i=0
		while [ $i -lt $n ]; do set -- "$@" "$1"; shift; i=$((i + 1)); done
		exec env -i "$@"' sh "$ctr_root" "$CTR_MOUNTS" "$CTR_ENV" "$ctr_list" "$ctr_chroot" "$@" \
		>"$T/out" 2>"$T/err" </dev/null
	RC=$?
	: >"$CTR_MOUNTS"; : >"$CTR_ENV"
}
