#!/usr/bin/env bash
# The lease lock on a real 2-node MariaDB Galera cluster (docs/user-guide.md, "Where strata's
# lock holds"), where GET_LOCK holds on one node only:
#   together  two migrators, one per node, started at once, three times: both exit 0 and every
#             migration is recorded once; strata says it takes the lease lock, and why;
#   waiter    a migrator that times out behind another names the holder (host and pid);
#   killed    a holder killed mid-migration: its lease lapses and the next run, on the other
#             node, proceeds (the statement left in doubt is reported, with the choice, as on
#             any MariaDB; --resume=skip finishes);
#   paused    a holder stopped (SIGSTOP) past its lease: the other node's migrator takes the
#             lease; the paused one, continued, stops before its next statement (exit 4) and
#             runs nothing more.
#
#   tests/faults/galera-lock.sh <strata> <example dir>
#
# Starts its own cluster (tests/servers/galera.sh) and stops it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
strata=$1
example=$2

work=$(mktemp -d /tmp/strata-galera-test-XXXXXX)
cleanup() {
  "$here/../servers/galera.sh" stop "$work/state" || true
  rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=expect.sh
source "$here/expect.sh"

read -r port1 port2 < <("$here/../servers/galera.sh" start "$work/state")
echo "cluster: nodes on 127.0.0.1:$port1 and 127.0.0.1:$port2"
sql() {  # <port> <database> <sql>
  mariadb --no-defaults --protocol=TCP -h127.0.0.1 -P "$1" -uroot -N "$2" -e "$3"
}
url() {  # <port> <database> [parameters]
  echo "mysql://root@127.0.0.1:$1/$2${3:+?$3}"
}
running() {  # <statement>: waits until a statement that starts so runs on node 1
  for _ in $(seq 1 300); do
    [ "$(sql "$port1" mysql "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE '$1%'")" -gt 0 ] &&
      return 0
    sleep 0.05
  done
  fail "no statement '$1' ran on node 1"
}
holder_set() {  # <database>: waits until a migrator holds the lease
  for _ in $(seq 1 300); do
    [ -n "$(sql "$port1" "$1" "SELECT holder FROM strata_history_lock WHERE holder <> ''" 2>/dev/null)" ] && return 0
    sleep 0.05
  done
  fail "$1: no migrator took the lease"
}

# together: the example project and a slow migration, so that the two runs overlap.
mkdir -p "$work/together"
cp "$example"/* "$work/together/"
printf 'DO SLEEP(1);\nCREATE TABLE slow_done (id INT);\n' > "$work/together/V10__slow.sql"
# How many migrations the set has on MariaDB: one run alone records them.
sql "$port1" mysql "CREATE DATABASE alone"
"$strata" migrate --url "$(url "$port1" alone)" --dir "$work/together" >"$work/alone.out" 2>&1 ||
  fail "alone: $(cat "$work/alone.out")"
migrations=$(sql "$port1" alone "SELECT COUNT(*) FROM strata_history WHERE success = 1")
for round in 1 2 3; do
  db=together$round
  sql "$port1" mysql "CREATE DATABASE $db"
  "$strata" migrate --url "$(url "$port1" $db)" --dir "$work/together" >"$work/$db-1.out" 2>"$work/$db-1.err" &
  a=$!
  "$strata" migrate --url "$(url "$port2" $db)" --dir "$work/together" >"$work/$db-2.out" 2>"$work/$db-2.err" &
  b=$!
  code_a=0; wait $a || code_a=$?
  code_b=0; wait $b || code_b=$?
  expect_exit 0 "$code_a" "$db: the migrator on node 1 ($(cat "$work/$db-1.err"))"
  expect_exit 0 "$code_b" "$db: the migrator on node 2 ($(cat "$work/$db-2.err"))"
  expect_text "$work/$db-1.err" "taking the lease lock: on a Galera cluster (wsrep_on): GET_LOCK holds on one node only" "$db"
  read -r rows distinct < <(sql "$port2" $db "SELECT COUNT(*), COUNT(DISTINCT script) FROM strata_history WHERE success = 1")
  [ "$rows" = "$migrations" ] && [ "$distinct" = "$migrations" ] ||
    fail "$db: $rows ledger rows for $distinct migrations, wanted $migrations once each"
done

# waiter: node 2's migrator gives up behind node 1's and names it.
mkdir -p "$work/waiter"
printf 'DO SLEEP(5);\n' > "$work/waiter/V1__sleep.sql"
sql "$port1" mysql "CREATE DATABASE waiter"
waiter_case "$work/waiter" "$(url "$port1" waiter)" "$(url "$port2" waiter)"

# killed: a holder killed in its first migration; its 3 s lease lapses.
mkdir -p "$work/killed"
printf 'DO SLEEP(4);\n' > "$work/killed/V1__sleep.sql"
printf 'CREATE TABLE after_kill (id INT);\n' > "$work/killed/V2__after.sql"
sql "$port1" mysql "CREATE DATABASE killed"
"$strata" migrate --url "$(url "$port1" killed lease_seconds=3)" --dir "$work/killed" >"$work/killed-a.out" 2>&1 &
a=$!
running "DO SLEEP(4)"
kill -9 $a
wait $a 2>/dev/null || true
start=$SECONDS
code=0
"$strata" migrate --url "$(url "$port2" killed lease_seconds=3)" --dir "$work/killed" --lock-timeout 30 \
  >"$work/killed-b.out" 2>"$work/killed-b.err" || code=$?
expect_exit 3 "$code" "killed: the next run reports the statement in doubt"
expect_text "$work/killed-b.err" "--resume=retry" killed
expect_text "$work/killed-b.err" "--resume=skip" killed
code=0
"$strata" migrate --url "$(url "$port2" killed lease_seconds=3)" --dir "$work/killed" --resume=skip \
  >"$work/killed-c.out" 2>"$work/killed-c.err" || code=$?
expect_exit 0 "$code" "killed: --resume=skip ($(cat "$work/killed-c.err"))"
[ "$(sql "$port1" killed "SELECT COUNT(*) FROM strata_history WHERE success = 1")" = 2 ] ||
  fail "killed: the ledger does not record both migrations once: $(sql "$port1" killed "SELECT * FROM strata_history")"

# paused: a holder stopped in statement 1 of 2 for longer than its 3 s lease.
mkdir -p "$work/paused"
printf 'DO SLEEP(2);\nCREATE TABLE after_pause (id INT);\n' > "$work/paused/V1__pause.sql"
sql "$port1" mysql "CREATE DATABASE paused"
"$strata" migrate --url "$(url "$port1" paused lease_seconds=3)" --dir "$work/paused" >"$work/paused-a.out" \
  2>"$work/paused-a.err" &
a=$!
running "DO SLEEP(2)"
kill -STOP $a
sleep 5
code=0
"$strata" migrate --url "$(url "$port2" paused lease_seconds=3)" --dir "$work/paused" --lock-timeout 30 \
  >"$work/paused-b.out" 2>"$work/paused-b.err" || code=$?
expect_exit 3 "$code" "paused: the other node's run reports the statement in doubt ($(cat "$work/paused-b.err"))"
kill -CONT $a
code=0; wait $a || code=$?
expect_exit 4 "$code" "paused: the holder, continued ($(cat "$work/paused-a.err"))"
expect_text "$work/paused-a.err" "strata stopped before its next statement: the migration lock's lease" paused
[ -z "$(sql "$port2" paused "SHOW TABLES LIKE 'after_pause'")" ] ||
  fail "paused: the stopped holder ran its next statement after it lost the lease"
code=0
"$strata" migrate --url "$(url "$port2" paused)" --dir "$work/paused" --resume=retry >"$work/paused-c.out" \
  2>"$work/paused-c.err" || code=$?
expect_exit 0 "$code" "paused: --resume=retry ($(cat "$work/paused-c.err"))"
[ -n "$(sql "$port1" paused "SHOW TABLES LIKE 'after_pause'")" ] || fail "paused: after_pause was not made by the retry"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "galera: every case passed"
