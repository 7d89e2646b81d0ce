#!/usr/bin/env bash
# Broken servers and connections (docs/reliability.md, "Broken servers"): a migration under way
# when its PostgreSQL server restarts, when its session is ended with pg_terminate_backend while
# it holds the lock, when its MariaDB server is killed and started again, and when either server
# is stopped (SIGSTOP) longer than the statement timeout. Each time strata must
# exit 5 with a message naming the file, the statement and what happened (no bare client-library
# text) and the advice to run again; the ledger must say exactly what ran; and what the user guide
# says next (a plain `migrate`; for a statement in doubt on MariaDB, the operator's choice) must
# finish the job, every migration recorded once. Two cases of what the server says rather than
# how it breaks (PostgreSQL): a script's own longer statement_timeout is waited for, and a
# statement the server refuses inside a transaction block runs alone. And migrators waiting behind
# a stopped server for the lock, or connecting to it, give up within their lock timeout.
#
#   tests/faults/broken-servers.sh <strata> <example dir> [postgres|mariadb ...]
#
# Starts its own throwaway servers (tests/servers/*.sh) on loopback ports and stops them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
strata=$1
example=$2
shift 2
backends=("$@")
[ ${#backends[@]} -gt 0 ] || backends=(postgres mariadb)
# shellcheck source=../servers/password.sh
source "$here/../servers/password.sh"

work=$(mktemp -d /tmp/strata-broken-XXXXXX)
cleanup() {
  for b in postgres mariadb; do [ -d "$work/$b-state" ] && "$here/../servers/$b.sh" stop "$work/$b-state"; done
  rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=expect.sh
source "$here/expect.sh"

# A slow middle statement gives the fault its moment: statement 2 of 3.
slow_set() {  # <dir> <sleep statement> [directive]
  mkdir -p "$1"
  printf '%sCREATE TABLE b1 (id INTEGER);\n%s;\nCREATE TABLE b2 (id INTEGER);\n' "${3:-}" "$2" > "$1/V1__slow.sql"
  printf 'CREATE TABLE b3 (id INTEGER);\n' > "$1/V2__after.sql"
}

# Waits until statement 2's sleep runs on the server (sleeping: the backend's count of them), so
# that a fault lands in it however slowly the migrator started (a sanitizer build).
wait_for_sleep() {
  for _ in $(seq 1 200); do
    [ "$(sleeping)" -gt 0 ] && return 0
    sleep 0.05
  done
  fail "no sleeping statement 2 seen within 10 s"
}

# run_with_fault <name> <url> <dir> <fault command...>: migrate in the background, the fault once
# statement 2 is sleeping, and the migrator's exit code and stderr kept.
run_with_fault() {
  local name=$1 url=$2 dir=$3
  shift 3
  "$strata" migrate --url "$url" --dir "$dir" >"$work/$name.out" 2>"$work/$name.err" &
  local migrator=$!
  wait_for_sleep
  "$@"
  local code=0
  wait "$migrator" || code=$?
  echo "$code" >"$work/$name.code"
}

# run_with_stop <name> <url> <dir> <command printing the server's pids>: migrate with
# --statement-timeout 2 while statement 2 sleeps 1.5 s, the server's processes stopped (SIGSTOP)
# once it sleeps, for 10 s; the migrator's exit code, stderr and seconds kept. The server's own
# timeout cannot fire while it is stopped.
run_with_stop() {
  local name=$1 url=$2 dir=$3
  shift 3
  local start=$SECONDS
  "$strata" migrate --url "$url" --dir "$dir" --statement-timeout 2 >"$work/$name.out" 2>"$work/$name.err" &
  local migrator=$!
  wait_for_sleep
  local pids
  pids=$("$@")
  # shellcheck disable=SC2086
  kill -STOP $pids
  # shellcheck disable=SC2086
  (sleep 10; kill -CONT $pids) &
  local resume=$!
  local code=0
  wait "$migrator" || code=$?
  echo "$code" >"$work/$name.code"
  echo $((SECONDS - start)) >"$work/$name.seconds"
  wait "$resume"
}

# waiters_behind_stop <name> <url> <dir> <command printing the server's pids>: migrator A holds
# the lock in a 6 s statement; B waits for the lock (--lock-timeout 4); then the server is stopped
# for 20 s and C starts. B (asking for the lock) and C (connecting) must each give up with exit 5
# before the server goes on, instead of waiting for it; A, whose statement has no timeout, finishes
# once it does, and the ledger records each migration once.
waiters_behind_stop() {
  local name=$1 url=$2 dir=$3
  shift 3
  "$strata" migrate --url "$url" --dir "$dir" >"$work/$name-a.out" 2>"$work/$name-a.err" &
  local a=$!
  wait_for_sleep
  local start=$SECONDS
  "$strata" migrate --url "$url" --dir "$dir" --lock-timeout 4 >"$work/$name-b.out" 2>"$work/$name-b.err" &
  local b=$!
  for _ in $(seq 1 100); do grep -q "waiting for the migration lock" "$work/$name-b.err" && break; sleep 0.05; done
  local pids
  pids=$("$@")
  # shellcheck disable=SC2086
  kill -STOP $pids
  local stopped=$SECONDS
  "$strata" migrate --url "$url" --dir "$dir" --lock-timeout 4 >"$work/$name-c.out" 2>"$work/$name-c.err" &
  local c=$!
  local code_b=0 code_c=0 code_a=0
  wait "$b" || code_b=$?
  local b_took=$((SECONDS - start))
  wait "$c" || code_c=$?
  local c_took=$((SECONDS - stopped))
  # shellcheck disable=SC2086
  kill -CONT $pids
  wait "$a" || code_a=$?
  expect_exit 5 "$code_b" "$name: the waiter asking for the lock ($(cat "$work/$name-b.err"))"
  expect_exit 5 "$code_c" "$name: the migrator connecting ($(cat "$work/$name-c.err"))"
  [ "$b_took" -lt 20 ] && [ "$c_took" -lt 20 ] ||
    fail "$name: the waiters ended after $b_took s and $c_took s, not before the server went on (20 s)"
  refuse_text "$work/$name-b.err" "$password" "$name"
  refuse_text "$work/$name-c.err" "$password" "$name"
  expect_exit 0 "$code_a" "$name: the lock holder ($(cat "$work/$name-a.err"))"
  finish "$name" "$url" "$dir"
}

# The common checks of a run a fault ended: exit 5, the file and statement named, the cause in
# strata's words, the advice, the password nowhere.
check_ended() {  # <name> <file>
  local name=$1 file=$2
  expect_exit 5 "$(cat "$work/$name.code")" "$name"
  expect_text "$work/$name.err" "$file:" "$name"
  expect_text "$work/$name.err" "statement 2 of 3" "$name"
  expect_text "$work/$name.err" "the connection to the server was lost during this statement" "$name"
  expect_text "$work/$name.err" "Run \`strata migrate\` again once the server answers" "$name"
  refuse_text "$work/$name.err" "This probably means" "$name"
  refuse_text "$work/$name.err" "$password" "$name"
}

# finish <name> <url> <dir> [operator flag]: what the guide says next, then every migration once.
finish() {
  local name=$1 url=$2 dir=$3 flag=${4:-}
  local code=0
  "$strata" migrate --url "$url" --dir "$dir" $flag >"$work/$name-next.out" 2>"$work/$name-next.err" || code=$?
  expect_exit 0 "$code" "$name: the next run ($(cat "$work/$name-next.err"))"
  "$strata" status --url "$url" --dir "$dir" --json >"$work/$name-status.json" 2>&1 || true
  # Both applied, each from one ledger row (a status lists a migration once, with its latest row).
  local counts
  counts=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["counts"])' "$work/$name-status.json")
  [ "$counts" = "{'applied': 2}" ] || fail "$name: the status counts $counts: $(cat "$work/$name-status.json")"
  [ "$(ledger_rows "$url")" = 2 ] || fail "$name: $(ledger_rows "$url") ledger rows, wanted 2"
}

for backend in "${backends[@]}"; do
  "$here/../servers/$backend.sh" start "$work/$backend-state" "$work/$backend.conf" "$strata" "$example" >/dev/null
  admin=$(sed -n 's/^STRATA_TEST_ADMIN_URL=//p' "$work/$backend.conf")
  base=${admin%/*}
  case $backend in
    postgres)
      sql() { psql -qAtX "$1" -c "$2"; }
      create() { sql "$admin" "CREATE DATABASE $1"; }
      ledger_rows() { sql "$1" "SELECT count(*) FROM strata_history"; }
      sleeping() { sql "$admin" "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT pg_sleep%'"; }
      sleep_sql="SELECT pg_sleep(3)"
      ledger_sql="SELECT version, success, statements_done, in_doubt FROM strata_history ORDER BY installed_rank"

      # The server restarts (pg_ctl restart -m fast) during a transactional migration: nothing of
      # it was committed, and the next run applies it.
      create restart && url="$base/restart"
      slow_set "$work/restart" "$sleep_sql"
      run_with_fault pg-restart "$url" "$work/restart" "$here/../servers/postgres.sh" restart "$work/postgres-state"
      check_ended pg-restart V1__slow.sql
      [ -z "$(sql "$url" "SELECT version FROM strata_history WHERE version = '1'")" ] || fail "pg-restart: version 1 recorded"
      [ "$(sql "$url" "SELECT count(*) FROM pg_tables WHERE tablename = 'b1'")" = 0 ] || fail "pg-restart: b1 kept"
      finish pg-restart "$url" "$work/restart"

      # The migrator's session, which holds the lock, is ended with pg_terminate_backend during a
      # no-transaction migration: statement 1 is recorded, statement 2 (in its own transaction
      # with its record) did not run, and the next plain run continues at it.
      create terminate && url="$base/terminate"
      slow_set "$work/terminate" "$sleep_sql" $'-- strata:no-transaction\n'
      end_lock_holder() { sql "$1" "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'" >/dev/null; }
      run_with_fault pg-terminate "$url" "$work/terminate" end_lock_holder "$url"
      check_ended pg-terminate V1__slow.sql
      [ "$(sql "$url" "$ledger_sql")" = "1|f|1|t" ] ||
        fail "pg-terminate: the ledger says $(sql "$url" "$ledger_sql"), wanted statement 1 done and 2 not known done"
      finish pg-terminate "$url" "$work/terminate"

      # The server stopped (SIGSTOP, every process of it) longer than the statement timeout:
      # strata gives up at the timeout and 5 s more, while the server is still stopped, instead
      # of waiting for it; the next run, once it answers, applies the migration.
      create stopped && url="$base/stopped"
      slow_set "$work/stopped" "SELECT pg_sleep(1.5)"
      server_pids() {
        local postmaster
        postmaster=$(head -n 1 "$(cat "$work/postgres-state/dir")/data/postmaster.pid")
        echo "$postmaster" $(pgrep -P "$postmaster")
      }
      run_with_stop pg-stop "$url" "$work/stopped" server_pids
      expect_exit 5 "$(cat "$work/pg-stop.code")" "pg-stop (after $(cat "$work/pg-stop.seconds") s: $(cat "$work/pg-stop.out"))"
      expect_text "$work/pg-stop.err" "statement 2 of 3" pg-stop
      expect_text "$work/pg-stop.err" "the server did not answer within 7 s" pg-stop
      [ "$(cat "$work/pg-stop.seconds")" -lt 10 ] || fail "pg-stop: ended after $(cat "$work/pg-stop.seconds") s, not before the server went on"
      finish pg-stop "$url" "$work/stopped"

      create waiters && url="$base/waiters"
      slow_set "$work/waiters" "SELECT pg_sleep(6)"
      waiters_behind_stop pg-waiters "$url" "$work/waiters" server_pids
      expect_text "$work/pg-waiters-b.err" "the server did not answer within 5 s (the lock timeout, 5 s at least)" pg-waiters

      # A script that sets its own, longer statement_timeout (an index build, say) is waited for
      # as long as it says: the client's deadline follows the session's timeout, not strata's.
      create longer && url="$base/longer"
      mkdir -p "$work/longer"
      printf "SET statement_timeout = '30s';\nSELECT pg_sleep(7);\n" >"$work/longer/V1__long.sql"
      printf 'CREATE TABLE l2 (id INTEGER);\n' >"$work/longer/V2__after.sql"
      code=0
      "$strata" migrate --url "$url" --dir "$work/longer" --statement-timeout 1 >"$work/pg-longer.out" 2>"$work/pg-longer.err" ||
        code=$?
      expect_exit 0 "$code" "pg-longer: a statement under the script's own timeout ($(cat "$work/pg-longer.err"))"
      [ "$(ledger_rows "$url")" = 2 ] || fail "pg-longer: $(ledger_rows "$url") ledger rows, wanted 2"

      # A statement the server refuses inside a transaction block that strata's list does not
      # name (ALTER DATABASE ... SET TABLESPACE): in a no-transaction migration it is run again
      # alone, as the listed ones are, and the migration finishes.
      create spare && create alone && url="$base/alone"
      mkdir -p "$work/alone"
      printf -- '-- strata:no-transaction\nCREATE TABLE f1 (id INTEGER);\nALTER DATABASE spare SET TABLESPACE pg_default;\nCREATE TABLE f2 (id INTEGER);\n' >"$work/alone/V1__alone.sql"
      code=0
      "$strata" migrate --url "$url" --dir "$work/alone" >"$work/pg-alone.out" 2>"$work/pg-alone.err" || code=$?
      expect_exit 0 "$code" "pg-alone: a statement refused inside a transaction block ($(cat "$work/pg-alone.err"))"
      [ "$(sql "$url" "SELECT success, statements_done, in_doubt FROM strata_history")" = "t|3|f" ] ||
        fail "pg-alone: the ledger says $(sql "$url" "SELECT success, statements_done, in_doubt FROM strata_history")"
      ;;
    mariadb)
      port=$(cat "$work/mariadb-state/port")
      sql() { MYSQL_PWD=$password mariadb --no-defaults --protocol=TCP -h127.0.0.1 -P "$port" -uroot -N -B "$@"; }
      ledger_rows() { sql "${1##*/}" -e "SELECT count(*) FROM strata_history"; }
      sleeping() { sql -e "SELECT count(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP%'"; }
      sleep_sql="SELECT SLEEP(3)"

      # The server is killed (SIGKILL) during statement 2 and started again: statement 2 is in
      # doubt. The next run refuses naming both choices; the operator sees that a SLEEP leaves
      # no trace and retries it.
      sql -e "CREATE DATABASE crash"
      url="$base/crash"
      slow_set "$work/crash" "$sleep_sql"
      run_with_fault my-crash "$url" "$work/crash" "$here/../servers/mariadb.sh" crash "$work/mariadb-state"
      "$here/../servers/mariadb.sh" restart "$work/mariadb-state"
      check_ended my-crash V1__slow.sql
      ledger=$(sql crash -e "SELECT version, success, statements_done, in_doubt FROM strata_history")
      [ "$ledger" = "$(printf '1\t0\t1\t1')" ] || fail "my-crash: the ledger says '$ledger', wanted statement 2 in doubt"
      code=0
      "$strata" migrate --url "$url" --dir "$work/crash" >/dev/null 2>"$work/my-crash-plain.err" || code=$?
      expect_exit 3 "$code" "my-crash: a plain run with a statement in doubt"
      expect_text "$work/my-crash-plain.err" "--resume=retry" "my-crash"
      expect_text "$work/my-crash-plain.err" "--resume=skip" "my-crash"
      expect_text "$work/my-crash-plain.err" "Check the database" "my-crash"
      finish my-crash "$url" "$work/crash" --resume=retry

      # The server stopped (SIGSTOP) longer than the statement timeout: the client library's read
      # timeout (the statement timeout and 5 s) ends the statement, exit 5; the statement is in
      # doubt, and the operator retries it.
      sql -e "CREATE DATABASE stopped"
      url="$base/stopped"
      slow_set "$work/stopped" "SELECT SLEEP(1.5)"
      run_with_stop my-stop "$url" "$work/stopped" cat "$(cat "$work/mariadb-state/dir")/mariadbd.pid"
      expect_exit 5 "$(cat "$work/my-stop.code")" my-stop
      expect_text "$work/my-stop.err" "statement 2 of 3" my-stop
      expect_text "$work/my-stop.err" "the connection to the server was lost during this statement" my-stop
      finish my-stop "$url" "$work/stopped" --resume=retry

      sql -e "CREATE DATABASE waiters"
      url="$base/waiters"
      slow_set "$work/waiters" "SELECT SLEEP(6)"
      waiters_behind_stop my-waiters "$url" "$work/waiters" cat "$(cat "$work/mariadb-state/dir")/mariadbd.pid"
      ;;
    *) echo "unknown backend '$backend'" >&2; exit 2 ;;
  esac
  "$here/../servers/$backend.sh" stop "$work/$backend-state"
done

if [ "$failures" -gt 0 ]; then
  echo "broken-servers: $failures failures" >&2
  exit 1
fi
echo "broken-servers: every fault ended with exit 5 and its advice, and the next run finished (${backends[*]})"
