#!/usr/bin/env bash
# strata on PostgreSQL against the physical floor and against dbmate.
#
#   bench/postgres-floor.sh [N migrations, default 200] [runs, default 5]
#
# Starts a throwaway cluster (tests/servers/postgres.sh). Floors: psql running the same
# statements and ledger inserts with the same transaction boundaries (applying); bench/floor.c
# (build/bin/strata-floor-postgres: connect, read the ledger, read and hash every file) for the
# up-to-date check, which bench/check.sh measures against dbmate on every backend.
# dbmate (its Go binary: see dbmate_binary in bench/common.sh) runs the same SQL in its
# own format. Prints medians of interleaved runs and the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
n=${1:-200}
runs=${2:-5}
strata=$(strata_binary)
dbmate=$(dbmate_binary)

work=$(mktemp -d)
state="$work/server"
trap 'tests/servers/postgres.sh stop "$state"; rm -rf "$work"' EXIT
tests/servers/postgres.sh start "$state" "$work/server.conf" "$strata" migrations >/dev/null
server_urls "$work/server.conf"
floor_check=build/bin/strata-floor-postgres
[ -x "$floor_check" ] || { echo "no $floor_check: build strata (bench/floor.c)" >&2; exit 2; }

mkdir "$work/migrations" "$work/dbmate"
ledger_ddl='CREATE TABLE "strata_history" ("installed_rank" integer NOT NULL PRIMARY KEY, "version" varchar(50), "description" varchar(200) NOT NULL, "kind" varchar(20) NOT NULL, "script" varchar(1000) NOT NULL, "checksum" varchar(64), "installed_by" varchar(100) NOT NULL, "installed_on" timestamp NOT NULL, "execution_ms" bigint NOT NULL, "success" boolean NOT NULL, "statements_done" integer NOT NULL, "in_doubt" boolean NOT NULL, "progress_checksum" varchar(64), "session_id" varchar(64));'
{
  echo "BEGIN; $ledger_ddl CREATE TABLE strata_history_state (ledger_table varchar(128) NOT NULL PRIMARY KEY, format integer NOT NULL, reader_format integer NOT NULL); INSERT INTO strata_history_state VALUES ('strata_history', 3, 3); COMMIT;"
  for i in $(seq 1 "$n"); do
    sql="CREATE TABLE t$i (id bigint PRIMARY KEY, name text NOT NULL, created_at timestamptz);
CREATE INDEX ix_t${i}_name ON t$i (name);"
    printf '%s\n' "$sql" > "$work/migrations/V${i}__table_$i.sql"
    printf -- '-- migrate:up\n%s\n\n-- migrate:down\nDROP TABLE t%s;\n' "$sql" "$i" > "$work/dbmate/$(printf '%06d' "$i")_table_$i.sql"
    echo "BEGIN; $sql INSERT INTO strata_history VALUES ($i, '$i', 'table $i', 'versioned', 'V${i}__table_$i.sql', 'x', 'bench', now(), 1, true, 2, false, NULL, 'pid 1'); COMMIT;"
  done
} > "$work/floor.sql"

fresh() { "$psql_bin" -q -X "$admin" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null; }

for kind in apply_floor apply_strata apply_dbmate check_floor check_strata check_dbmate; do : > "$work/$kind"; done
for r in $(seq 1 "$runs"); do
  fresh floor_db; fresh strata_db; fresh dbmate_db
  apply_floor() {
    t0=$(now); "$psql_bin" -q -X -v ON_ERROR_STOP=1 "$base/floor_db" -f "$work/floor.sql" >/dev/null; t1=$(now)
    ms "$t0" "$t1" >> "$work/apply_floor"
  }
  apply_strata() {
    t0=$(now); "$strata" migrate --url "$base/strata_db" --dir "$work/migrations" >/dev/null; t1=$(now)
    ms "$t0" "$t1" >> "$work/apply_strata"
  }
  sleep 1  # let CREATE DATABASE's checkpoint settle; then alternate who goes first
  if [ $((r % 2)) -eq 1 ]; then apply_floor; apply_strata; else apply_strata; apply_floor; fi
  if [ -n "$dbmate" ]; then
    t0=$(now); "$dbmate" --url "$base/dbmate_db?sslmode=disable" --migrations-dir "$work/dbmate" --no-dump-schema up >/dev/null
    t1=$(now); ms "$t0" "$t1" >> "$work/apply_dbmate"
  fi
  timed "$work/check_floor" "$floor_check" "$base/strata_db" "$work/migrations"
  t0=$(now); "$strata" migrate --url "$base/strata_db" --dir "$work/migrations" >/dev/null; t1=$(now)
  ms "$t0" "$t1" >> "$work/check_strata"
  if [ -n "$dbmate" ]; then
    t0=$(now); "$dbmate" --url "$base/dbmate_db?sslmode=disable" --migrations-dir "$work/dbmate" --no-dump-schema up >/dev/null
    t1=$(now); ms "$t0" "$t1" >> "$work/check_dbmate"
  fi
done

line() {
  local label=$1 strata_ms floor_ms dbmate_ms
  strata_ms=$(median < "$work/$2_strata"); floor_ms=$(median < "$work/$2_floor")
  printf '%-40s strata %7s ms   floor %7s ms (%s)' "$label" "$strata_ms" "$floor_ms" "$(ratio "$strata_ms" "$floor_ms")"
  if [ -s "$work/$2_dbmate" ]; then
    dbmate_ms=$(median < "$work/$2_dbmate")
    printf '   dbmate %7s ms (strata %s of it)' "$dbmate_ms" "$(ratio "$strata_ms" "$dbmate_ms")"
  fi
  echo
}
echo "$("$strata" status --url "$base/strata_db" --dir "$work/migrations" | tail -n 1 | sed 's/.*(\(PostgreSQL [0-9.]*\).*/\1/'), $n migrations (one table + one index each), median of $runs interleaved runs"
line "apply, one transaction each" apply
line "up-to-date check (whole process)" check
