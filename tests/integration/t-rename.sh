# --rename OLD=NEW (and manifest rename), and the spelling hints a missing
# required key gets when a source has it under another spelling.
# err_is TEXT: stderr is exactly TEXT (lines)
err_is() { printf '%s\n' "$1" | cmp -s - "$T/err"; }


mkdir s
printf 'pw\n' >s/db-password
printf 'db_user=alice\nDB_NAME=app\n' >app.env

# ---- --rename ---------------------------------------------------------------
e -d s --rename db_password=POSTGRES_PASSWORD -r POSTGRES_PASSWORD -- "$SHOWENV"
ok "--rename: the secret file's key is called NEW" out_has "POSTGRES_PASSWORD=pw"
ok "... and OLD is gone" out_lacks "db_password="
ok "... exit 0" rc 0
e print -i --explain -d s --rename db_password=POSTGRES_PASSWORD -r POSTGRES_PASSWORD
ok "--rename: provenance kept (--explain)" \
	err_has "POSTGRES_PASSWORD: secret file s/db-password, secret; kept: required"
ok "--rename: still secret (redacted)" out_is "POSTGRES_PASSWORD=<redacted>"
e print -i -f app.env --rename db_user=DB_USER --rename DB_USER=PGUSER
ok "--rename: repeatable, applied in order" out_is "DB_NAME=app
PGUSER=alice"
e print -i -f app.env --rename nope=OTHER
ok "--rename of a key that is not set: nothing happens" out_is "db_user=alice
DB_NAME=app"
e print -f app.env -a 'DB_*' --rename db_user=DB_USER
ok "--rename comes before the policy (--allow sees NEW)" out_is "DB_NAME=app
DB_USER=alice"
ee DB_USER=bob "$ENVINIT" print -f app.env --rename db_user=DB_USER
ok "--rename onto a key that is also set -> 78" rc 78
ok "... naming both and their sources" err_is \
	"envinit: DB_USER: --rename db_user=DB_USER: db_user (app.env:1) cannot be renamed onto DB_USER: it is also set (environment)"
e print -f app.env --rename db_user=DB_NAME
ok "--rename onto a key of the same file -> 78" rc 78
ok "... naming it" err_is \
	"envinit: DB_NAME: --rename db_user=DB_NAME: db_user (app.env:1) cannot be renamed onto DB_NAME: it is also set (app.env:2)"
for bad in db_user 'db_user=' '=X' 'a=1X' 'a=B-C' 'a=a' 'a b=C'; do
	e print -f app.env --rename "$bad"
	ok "--rename '$bad' -> 64" rc 64
done
ok "... saying what it expects" err_has \
	"envinit: --rename: expects OLD=NEW, two different key names, e.g. db_password=POSTGRES_PASSWORD"
printf '[defaults]\nsecrets_dir = s\nrename = db_password=POSTGRES_PASSWORD\n' >m.ini
e print -i -c m.ini
ok "manifest rename = OLD=NEW" out_is "POSTGRES_PASSWORD=<redacted>"
printf '[defaults]\nrename = db password\n' >bad.ini
e print -c bad.ini
ok "manifest rename with a bad value -> 78" rc 78

# ---- spelling hints -----------------------------------------------------------
e check -d s -f app.env -r DB_PASSWORD,DB_USER
ok "hints: -> 78" rc 78
ok "hints: a secret file that --secrets-upcase would map, and a key --rename would" err_is \
	"envinit: DB_PASSWORD: required but not set (secret file s/db-password would give it with --secrets-upcase)
envinit: DB_USER: required but not set (db_user from app.env:1 would give it with --rename db_user=DB_USER)"
e check -d s -r Db_Password
ok "hints: a plain case mismatch names --rename" err_is \
	"envinit: Db_Password: required but not set (db_password from s/db-password would give it with --rename db_password=Db_Password)"
e check -f app.env -r NOPE
ok "no hint when nothing is close" err_is "envinit: NOPE: required but not set"
