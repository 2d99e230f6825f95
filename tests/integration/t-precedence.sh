# Precedence: env files in order < secret dirs in order < inherited;
# --override puts the inherited environment at the bottom. Each key reaches
# the child exactly once; the child sees exactly the assembled set.

printf 'A=file1\nB=file1\nC=file1\nD=file1\n' >one.env
printf 'B=file2\nC=file2\nE=${A}-x\n' >two.env
mkdir s1 s2
printf 'secret1\n' >s1/C
printf 'secret1' >s1/D
printf 'secret2\n' >s2/D

ee D=inherited X=inherited "$EI" -f one.env -f two.env -d s1 -d s2 -- "$SHOWENV"
ok "runs" rc 0
ok "first file" out_has "A=file1"
ok "later file overrides earlier" out_has "B=file2"
ok "secret dir overrides files" out_has "C=secret1"
ok "inherited overrides secret dirs" out_has "D=inherited"
ok "interpolation sees earlier files" out_has "E=file1-x"
ok "inherited variables pass through" out_has "X=inherited"
ok "exactly once: D" test "$(grep -c '^D=' out)" = 1
child_env >got
printf 'A=file1\nB=file2\nC=secret1\nD=inherited\nE=file1-x\nPATH=/usr/bin:/bin\nX=inherited\n' >want
ok "child sees exactly the assembled set" cmp -s got want

ee D=inherited "$EI" --override -f one.env -f two.env -d s1 -d s2 -- "$SHOWENV"
ok "--override: secret dirs win over inherited" out_has "D=secret2"
ok "--override: later secret dir wins" out_lacks "D=secret1"

printf 'P=$HOME/x\nQ=${UNSET_VAR:-dflt}\n' >interp.env
ee HOME=/home/u "$EI" -f interp.env -- "$SHOWENV"
ok "interpolation reads the inherited env" out_has "P=/home/u/x"
ok "interpolation default" out_has "Q=dflt"

printf 'A=from-file\nB=$A\n' >lookup.env
ee A=from-env "$EI" --override -f lookup.env -- "$SHOWENV"
ok "ENV beats earlier lines in lookups (compose)" out_has "B=from-env"
ok "--override makes the file's A win" out_has "A=from-file"

printf 'BARE\n' >bare.env
ee BARE=inh "$EI" --override -f bare.env -- "$SHOWENV"
ok "bare key copies from the inherited env" out_has "BARE=inh"

ee A=x ENVINIT_SERVICE_X=y ENVINIT_FOO=z "$EI" -- "$SHOWENV"
ok "ENVINIT_* never reach the child" out_lacks "ENVINIT_"
ok "others do" out_has "A=x"

printf 'ENVINIT_FROM_FILE=1\n' >ei.env
e -f ei.env -- "$SHOWENV"
ok "ENVINIT_* from a file is stripped too" out_lacks "ENVINIT_FROM_FILE"

e -f missing.env -- true
ok "missing env file -> 78" rc 78
ok "missing env file is named" err_has "missing.env"
e --env-file-optional missing.env -- true
ok "optional missing env file is skipped" rc 0
e --secrets-dir-optional nodir -- true
ok "optional missing secrets dir is skipped" rc 0
e -d nodir -- true
ok "missing secrets dir -> 78" rc 78
