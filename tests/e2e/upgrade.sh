#!/usr/bin/env bash
# Upgrades keep data: a data directory written by Berth 0.1.0 (tests/fixtures/upgrade-0.1.0,
# never regenerated) opens in this Berth, which migrates it and serves everything in it byte for
# byte, with its ECR settings, access keys and account; a database from a newer Berth is refused
# and left untouched.
source "$(dirname "$0")/lib.sh"
FIXTURE="$ROOT/tests/fixtures/upgrade-0.1.0"
FIXTURE_SCHEMA=2

# Git keeps neither empty directories nor file modes.
cp -r "$FIXTURE/data" "$BERTH_DATA"
mkdir -p "$BERTH_DATA/uploads"
chmod 600 "$BERTH_DATA/secret.key" "$BERTH_DATA/admin-credentials"
schema() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA user_version").fetchone()[0])' "$BERTH_DATA/meta.db"; }
check "the fixture is at schema version $FIXTURE_SCHEMA" test "$(schema)" = "$FIXTURE_SCHEMA"

berth_start
check "the fixture's admin credentials are used, not new ones" grep -qF "admin-credentials (access key $AK)" "$WORK/berth.out"
export AWS_DATA_PATH="$ROOT/tests/aws-data" AWS_CONFIG_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
if python3 "$(dirname "$0")/upgrade_fixture.py" check "$BERTH_URL" "$AK" "$SK" "$FIXTURE/expected.json" \
  >"$WORK/check.log" 2>&1; then
  pass
else
  fail "the upgraded registry answers as 0.1.0 did"
fi
cat "$WORK/check.log"
berth_stop

# Each migration the upgrade ran is logged, and none of those the fixture already had ran again.
migrated=$(grep -c '"metadata schema migrated"' "$WORK/berth.log" || true)
check "the upgrade logged $migrated migrations, one per version past $FIXTURE_SCHEMA" \
  test "$(schema)" = "$((FIXTURE_SCHEMA + migrated))"
check "no migration ran twice" test -z "$(grep '"metadata schema migrated"' "$WORK/berth.log" |
  grep -E "\"version\":[1-$FIXTURE_SCHEMA]," || true)"

# A database from a newer Berth: refused with a message that says so, and not changed.
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("PRAGMA user_version=999"); c.commit()' "$BERTH_DATA/meta.db"
before=$(sha256sum "$BERTH_DATA/meta.db" | cut -d' ' -f1)
rc=0
"$BERTH_BIN" serve --listen "127.0.0.1:$(free_port)" --data "$BERTH_DATA" >"$WORK/newer.out" 2>"$WORK/newer.err" || rc=$?
check "a database from a newer Berth is refused (exit $rc)" test "$rc" -ne 0
check "the refusal says why" grep -q "written by a newer Berth (schema version 999" "$WORK/newer.err"
check "the newer database is untouched" test "$(sha256sum "$BERTH_DATA/meta.db" | cut -d' ' -f1)" = "$before"
finish
