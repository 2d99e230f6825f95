#!/bin/sh
# Build the seed corpora in OUTDIR/NAME for each fuzz target, from the tests:
#   envfile     tests/fixtures/envfile/*.env, tests/bad/*/*.env (print and
#               sealfile too)
#   manifest    tests/fixtures/manifest/*.ini, tests/bad/*/*.ini, examples' *.ini
#   rules       the [keys] lines of those manifests, one seed each
#   seal        values sealed by build/envinit seal for fuzz_seal.c's key (below)
#   secretname  fuzz/seeds/secretname
# and every target gets fuzz/seeds/NAME/* too.
# Seeds are copied, never edited in place; OUTDIR is rebuilt each time.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out=${1:?usage: seeds.sh OUTDIR}
rm -rf "$out"
for t in envfile manifest rules seal secretname print sealfile pipeline; do
	mkdir -p "$out/$t"
	[ -d "$here/seeds/$t" ] && cp "$here/seeds/$t"/* "$out/$t/" 2>/dev/null
done
n=0
for f in "$root"/tests/fixtures/envfile/*.env "$root"/tests/bad/*/*.env; do
	[ -f "$f" ] || continue
	n=$((n + 1)); cp "$f" "$out/envfile/fixture-$n"; cp "$f" "$out/print/fixture-$n"; cp "$f" "$out/sealfile/fixture-$n"
done
n=0
for f in "$root"/tests/fixtures/manifest/*.ini "$root"/tests/bad/*/*.ini \
	"$root"/examples/*/*.ini "$root"/examples/*/*/*.ini; do
	[ -f "$f" ] || continue
	n=$((n + 1)); cp "$f" "$out/manifest/fixture-$n"
	# each [keys] line as a rules seed: "KEY = WORDS"
	awk '/^\[/{k = ($0 ~ /^\[keys\]/)} k && /=/ && !/^[;#]/' "$f" |
	while IFS= read -r line; do
		n=$((n + 1)); printf '%s' "$line" >"$out/rules/line-$n-$(echo "$line" | cksum | cut -d' ' -f1)"
	done
done

# seal: the first byte picks the mode (see fuzz_seal.c). Sealed values are
# made by the real `envinit seal` for fuzz_seal.c's fixed test key (seed
# 32 x 0x42), whose key lines are these:
priv=ENVINIT-PRIVATE-KEY-V1:ledZX8ieUv393OnGpD102/YEcCXuBGLS0XLotqKEHa4=
pub=envinit-pk-v1:zE8s22ld12bzQRjrZ7mGUv7R2LxJwzCxGbv6imSYk3g=
s=$out/seal
if [ -x "$root/build/envinit" ]; then
	n=0
	for kv in KEY=value KEY= OTHER=x KEY=CHANGE_ME "KEY=two words" "KEY=enc"; do
		n=$((n + 1))
		v=$(printf '%s' "${kv#*=}" |
		    "$root/build/envinit" seal --public-key "$pub" "${kv%%=*}") || continue
		printf '\000%s' "$v" >"$s/sealed-$n"
		printf '\001%s' "${v#enc:v1:}" >"$s/b64-$n"
	done
fi
printf '\000enc:v2:AAAA' >"$s/v2"
printf '\000enc:v1:' >"$s/empty"
printf '\002KEY\000value' >"$s/plain-good"
printf '\002OTHER\000value' >"$s/plain-moved"
printf '\002KEY\000a\000b' >"$s/plain-nul"
printf '\002KEY' >"$s/plain-noname"
printf '\003%s\n' "$priv" >"$s/keyfile"
printf '\003%s\r\n' "$priv" >"$s/keyfile-crlf"
printf '\003%s' "$pub" >"$s/keyfile-public"
printf '\004hunter2' >"$s/roundtrip"
printf '\005%s' "${pub#envinit-pk-v1:}" >"$s/public"
exit 0
