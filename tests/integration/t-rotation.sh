# The key rotation walkthrough of the README ("Key rotation"), run as the
# script it is: its sh block, extracted from README.md, with `envinit` the
# real binary and `etl-worker` a service that checks it got the opened
# token. Then what the walkthrough promises: no window where the service
# cannot start, and a second reseal changes nothing.
C=CANARY-r0t8
mkdir bin
ln -s "$EI" bin/envinit
cat >bin/etl-worker <<EOF2
#!/bin/sh
[ "\$WEX_JIRA_TOKEN" = "$C" ] && [ "\$WEX_GITHUB_TOKEN" = "$C-gh" ] && echo started >>"$T/started"
EOF2
chmod 755 bin/etl-worker
RP="$T/bin:/usr/bin:/bin"

# before: .env.wex sealed to old.pub
"$EI" keygen --private-key-file old.key >old.pub
{
	printf '# the WEX client\nCLIENT_ID=wex\n'
	printf 'WEX_JIRA_TOKEN=%s\n' "$(printf '%s' "$C" | "$EI" seal --public-key old.pub WEX_JIRA_TOKEN)"
	printf 'WEX_GITHUB_TOKEN=%s\n' "$(printf '%s' "$C-gh" | "$EI" seal --public-key old.pub WEX_GITHUB_TOKEN)"
} >.env.wex
cp .env.wex before.env

sed -n '/^### Key rotation$/,/^```$/p' "$ROOT/README.md" | sed '1,/^```sh$/d; $d' >walkthrough.sh
ok "the README has the walkthrough" grep -q -- '--reseal' walkthrough.sh
ok "... with its four steps" [ "$(grep -c '^# [1-4]\. ' walkthrough.sh)" = 4 ]
env -i PATH="$RP" sh -e -x walkthrough.sh >"$T/out" 2>"$T/err"; RC=$?
ok "the walkthrough runs as a script -> 0" rc 0
ok "the service started at steps 2 and 4: no window where it cannot" [ "$(cat started)" = "started
started" ]
ok "... the file changed" [ "$(cmp -s before.env .env.wex; echo $?)" = 1 ]
ok "... comments and plain lines kept" [ "$(sed -n 1,2p .env.wex)" = "$(sed -n 1,2p before.env)" ]
ok "the old key is gone" [ ! -e old.key ]
ok "no value was ever shown" leak_free "$C"

cp .env.wex once.env
env -i PATH="$RP" envinit seal --in-place .env.wex --reseal --private-key-file new.key --public-key new.pub >"$T/out" 2>"$T/err"; RC=$?
ok "a second reseal -> 0" rc 0
ok "... changes nothing" cmp -s once.env .env.wex
ok "... and says so" out_is "envinit: .env.wex: re-sealed 0, already sealed to the new key 2, left unopened 0"

# the deployment still listing the deleted old key keeps starting
env -i PATH="$RP" envinit --private-key-file old.key --private-key-file new.key -f .env.wex -- etl-worker >"$T/out" 2>"$T/err"; RC=$?
ok "old.key deleted but still listed -> starts" rc 0
ok "... with one warning naming it" [ "$(cat "$T/err")" = "envinit: warning: old.key: cannot read private key file: no such file (the other keys open every sealed value)" ]
