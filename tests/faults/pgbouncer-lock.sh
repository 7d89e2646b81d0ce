#!/usr/bin/env bash
# strata behind a real PgBouncer in transaction pooling (docs/user-guide.md, "Where strata's
# lock holds"), where a session's advisory lock, settings and prepared statements do not survive
# from one transaction to the next:
#   undeclared  a URL through the pooler without pooler= is refused (exit 2), naming the
#               parameter, and nothing is written;
#   together    two migrators through the pooler with ?schema=app&pooler=transaction, started at
#               once, three times: both exit 0, every migration is recorded once, every table is
#               in the schema app, and strata says it takes the lease lock, and why;
#   waiter      a migrator that times out behind another names the holder (host and pid);
#   killed      a holder killed mid-migration: its lease lapses and the next run proceeds and
#               applies each migration once;
#   outside     a statement that cannot run inside a transaction (CREATE INDEX CONCURRENTLY)
#               fails with advice, since strata's settings hold only inside one there.
#
#   tests/faults/pgbouncer-lock.sh <strata> <example dir>
#
# Starts its own server (tests/servers/postgres.sh) and pooler (tests/servers/pgbouncer.sh),
# and stops them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
strata=$1
example=$2

work=$(mktemp -d /tmp/strata-pgbouncer-test-XXXXXX)
cleanup() {
  "$here/../servers/pgbouncer.sh" stop "$work/pooler" || true
  "$here/../servers/postgres.sh" stop "$work/server" || true
  rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=expect.sh
source "$here/expect.sh"
# shellcheck source=../servers/password.sh
source "$here/../servers/password.sh"

"$here/../servers/postgres.sh" start "$work/server" "$work/server.conf" "$strata" "$example" >/dev/null
server_port=$(sed -n 's|^STRATA_TEST_ADMIN_URL=.*@127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$work/server.conf")
pooler_port=$("$here/../servers/pgbouncer.sh" start "$work/pooler" "$server_port")
echo "PostgreSQL on 127.0.0.1:$server_port, PgBouncer (pool_mode = transaction) on 127.0.0.1:$pooler_port"
sql() {  # <database> <sql>: on the server itself
  PGPASSWORD=$password psql -X -q -h 127.0.0.1 -p "$server_port" -U postgres -d "$1" -v ON_ERROR_STOP=1 -Atc "$2"
}
url() {  # <database> [parameters]: through the pooler
  echo "postgres://postgres:$password_in_url@127.0.0.1:$pooler_port/$1?schema=app&pooler=transaction${2:+&$2}"
}
running() {  # <statement>: waits until a statement that starts so runs on the server
  for _ in $(seq 1 300); do
    [ "$(sql postgres "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '$1%'")" -gt 0 ] && return 0
    sleep 0.05
  done
  fail "no statement '$1' ran on the server"
}
holder_set() {  # <database>: waits until a migrator holds the lease
  for _ in $(seq 1 300); do
    [ -n "$(sql "$1" "SELECT holder FROM app.strata_history_lock WHERE holder <> ''" 2>/dev/null)" ] && return 0
    sleep 0.05
  done
  fail "$1: no migrator took the lease"
}
new_database() {  # <name>: with the schema app
  sql postgres "CREATE DATABASE $1"
  sql "$1" "CREATE SCHEMA app"
}

# undeclared: the pooler is found, and the URL must say how it pools.
new_database undeclared
code=0
"$strata" migrate --url "postgres://postgres:$password_in_url@127.0.0.1:$pooler_port/undeclared?schema=app" \
  --dir "$example" >"$work/undeclared.out" 2>"$work/undeclared.err" || code=$?
expect_exit 2 "$code" "undeclared: a URL through the pooler without pooler="
expect_text "$work/undeclared.err" "reaches PostgreSQL through a connection pooler" undeclared
expect_text "$work/undeclared.err" "add pooler=transaction to the URL" undeclared
refuse_text "$work/undeclared.err" "$password" undeclared
[ "$(sql undeclared "SELECT count(*) FROM pg_tables WHERE schemaname = 'app'")" = 0 ] ||
  fail "undeclared: the refused run wrote tables"

# A pooling the driver does not know of is refused, naming those it knows.
code=0
"$strata" migrate --url "$(url undeclared)&pooler=statement" --dir "$example" >"$work/statement.out" \
  2>"$work/statement.err" || code=$?
expect_exit 2 "$code" "pooler=statement"
expect_text "$work/statement.err" "pooler=statement: the postgres driver takes transaction" pooler=statement

# together: the example project and a slow migration, so that the two runs overlap.
mkdir -p "$work/together"
cp "$example"/* "$work/together/"
printf 'SELECT pg_sleep(1);\nCREATE TABLE slow_done (id INT);\n' > "$work/together/V10__slow.sql"
new_database alone
"$strata" migrate --url "$(url alone)" --dir "$work/together" >"$work/alone.out" 2>&1 ||
  fail "alone: $(cat "$work/alone.out")"
migrations=$(sql alone "SELECT count(*) FROM app.strata_history WHERE success")
for round in 1 2 3; do
  db=together$round
  new_database $db
  "$strata" migrate --url "$(url $db)" --dir "$work/together" >"$work/$db-1.out" 2>"$work/$db-1.err" &
  a=$!
  "$strata" migrate --url "$(url $db)" --dir "$work/together" >"$work/$db-2.out" 2>"$work/$db-2.err" &
  b=$!
  code_a=0; wait $a || code_a=$?
  code_b=0; wait $b || code_b=$?
  expect_exit 0 "$code_a" "$db: the first migrator ($(cat "$work/$db-1.err"))"
  expect_exit 0 "$code_b" "$db: the second migrator ($(cat "$work/$db-2.err"))"
  expect_text "$work/$db-1.err" "taking the lease lock: on a transaction pooler (pooler=transaction)" "$db"
  read -r rows distinct < <(sql $db "SELECT count(*) || ' ' || count(DISTINCT script) FROM app.strata_history WHERE success")
  [ "$rows" = "$migrations" ] && [ "$distinct" = "$migrations" ] ||
    fail "$db: $rows ledger rows for $distinct migrations, wanted $migrations once each"
  [ "$(sql $db "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = 0 ] ||
    fail "$db: tables outside the schema app: $(sql $db "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")"
  [ "$(sql $db "SELECT count(*) FROM pg_tables WHERE schemaname = 'app' AND tablename = 'slow_done'")" = 1 ] ||
    fail "$db: no app.slow_done"
done

# waiter: a migrator gives up behind another and names it.
mkdir -p "$work/waiter"
printf 'SELECT pg_sleep(5);\n' > "$work/waiter/V1__sleep.sql"
new_database waiter
waiter_case "$work/waiter" "$(url waiter)" "$(url waiter)"

# killed: a holder killed in its first migration; its 3 s lease lapses, and the next run
# applies both migrations (PostgreSQL rolled the killed one's transaction back).
mkdir -p "$work/killed"
printf 'CREATE TABLE before_kill (id INT);\nSELECT pg_sleep(4);\n' > "$work/killed/V1__sleep.sql"
printf 'CREATE TABLE after_kill (id INT);\n' > "$work/killed/V2__after.sql"
new_database killed
"$strata" migrate --url "$(url killed lease_seconds=3)" --dir "$work/killed" >"$work/killed-a.out" 2>&1 &
a=$!
running "SELECT pg_sleep(4)"
kill -9 $a
wait $a 2>/dev/null || true
start=$SECONDS
code=0
"$strata" migrate --url "$(url killed lease_seconds=3)" --dir "$work/killed" --lock-timeout 30 \
  >"$work/killed-b.out" 2>"$work/killed-b.err" || code=$?
expect_exit 0 "$code" "killed: the next run ($(cat "$work/killed-b.err"))"
[ $((SECONDS - start)) -le 20 ] || fail "killed: the next run took $((SECONDS - start)) s behind a 3 s lease"
[ "$(sql killed "SELECT count(*) || ' ' || count(DISTINCT script) FROM app.strata_history WHERE success")" = "2 2" ] ||
  fail "killed: the ledger does not record both migrations once: $(sql killed "SELECT * FROM app.strata_history")"

# outside: strata's settings hold only inside a transaction behind the pooler.
mkdir -p "$work/outside"
printf 'CREATE TABLE base (id INT);\n' > "$work/outside/V1__base.sql"
printf -- '-- strata:no-transaction\nCREATE INDEX CONCURRENTLY ix_base_id ON base (id);\n' > "$work/outside/V2__index.sql"
new_database outside
code=0
"$strata" migrate --url "$(url outside)" --dir "$work/outside" >"$work/outside.out" 2>"$work/outside.err" || code=$?
expect_exit 1 "$code" "outside: CREATE INDEX CONCURRENTLY through the pooler"
expect_text "$work/outside.err" "V2__index.sql:2:1" outside
expect_text "$work/outside.err" \
  "run this migration (strata migrate --resume) through a URL of the server itself, without the pooler" outside
[ "$(sql outside "SELECT count(*) FROM app.strata_history WHERE success AND script = 'V1__base.sql'")" = 1 ] ||
  fail "outside: V1 is not recorded once: $(sql outside "SELECT * FROM app.strata_history")"
# As the message says: --resume with the server's own URL, under the same lease.
code=0
"$strata" migrate --resume --url "postgres://postgres:$password_in_url@127.0.0.1:$server_port/outside?schema=app" \
  --dir "$work/outside" >"$work/outside-resume.out" 2>"$work/outside-resume.err" || code=$?
expect_exit 0 "$code" "outside: --resume with the server's URL ($(cat "$work/outside-resume.err"))"
[ "$(sql outside "SELECT count(*) FROM pg_indexes WHERE schemaname = 'app' AND indexname = 'ix_base_id'")" = 1 ] ||
  fail "outside: no index app.ix_base_id after --resume"
[ "$(sql outside "SELECT lock_kind FROM app.strata_history_lock")" = lease ] || fail "outside: the ledger left the lease lock"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "pgbouncer: every case passed"
