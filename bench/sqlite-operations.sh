#!/usr/bin/env bash
# Portable operations on SQLite against the physical floor (the sqlite3 shell running the same
# SQL with the same transaction boundaries).
#
#   bench/sqlite-operations.sh [N add_column migrations, default 1000] [rows to rebuild, default 1000000] [runs, default 5]
#
# 1. N migrations, each `add_column if_missing` on its own table (t1..tN, created beforehand),
#    against the shell running each ALTER TABLE ... ADD COLUMN with its ledger row in one
#    transaction: what the guard (a catalog read before each operation) costs.
# 2. A table rebuild (alter_column: type and nullability) of a table of ROWS rows with an index,
#    against the shell running SQLite's documented rebuild by hand; time and peak memory, at a
#    tenth of the rows too, to show that memory does not grow with the table.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
n=${1:-1000}
rows=${2:-1000000}
runs=${3:-5}
strata=$(strata_binary)
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 shell" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/add" "$work/rebuild"
ledger_ddl='CREATE TABLE "strata_history" ("installed_rank" INTEGER NOT NULL PRIMARY KEY, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL, "kind" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" VARCHAR(64), "installed_by" VARCHAR(100) NOT NULL, "installed_on" TIMESTAMP NOT NULL, "execution_ms" BIGINT NOT NULL, "success" BOOLEAN NOT NULL, "statements_done" INTEGER NOT NULL, "in_doubt" BOOLEAN NOT NULL, "progress_checksum" VARCHAR(64), "session_id" VARCHAR(64));'

# -- 1. add_column if_missing ------------------------------------------------------------------
{
  echo "BEGIN;"
  for i in $(seq 1 "$n"); do echo "CREATE TABLE t$i (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"; done
  echo "COMMIT;"
} > "$work/tables.sql"
{
  echo "BEGIN; $ledger_ddl INSERT INTO strata_history VALUES (0, '2', 'strata ledger format', 'ledger', 'strata', NULL, 'bench', '2026-01-01 00:00:00', 0, 1, 0, 0, NULL, NULL); COMMIT;"
  for i in $(seq 1 "$n"); do
    printf -- '- add_column: {table: t%s, if_missing: true, column: {name: runbook_version, type: integer, nullable: false, default: 1}}\n' "$i" \
      > "$work/add/V${i}__add_column_$i.yaml"
    echo "BEGIN; ALTER TABLE t$i ADD COLUMN runbook_version INTEGER NOT NULL DEFAULT 1; INSERT INTO strata_history VALUES ($i, '$i', 'add column $i', 'versioned', 'V${i}__add_column_$i.yaml', 'x', 'bench', '2026-01-01 00:00:00', 1, 1, 1, 0, NULL, NULL); COMMIT;"
  done
} > "$work/add_floor.sql"

: > "$work/add_floor_ms"; : > "$work/add_strata_ms"
for _ in $(seq 1 "$runs"); do
  rm -f "$work"/add*.db*
  sqlite3 "$work/add_floor.db" ".read $work/tables.sql"
  sqlite3 "$work/add_strata.db" ".read $work/tables.sql"
  timed "$work/add_floor_ms" sqlite3 "$work/add_floor.db" ".read $work/add_floor.sql"
  timed "$work/add_strata_ms" "$strata" migrate --url "sqlite:$work/add_strata.db" --dir "$work/add"
  [ "$(sqlite3 "$work/add_strata.db" "SELECT COUNT(*) FROM pragma_table_info('t$n') WHERE name = 'runbook_version'")" = 1 ] ||
    { echo "strata did not add the columns" >&2; exit 1; }
done

# -- 2. a table rebuild ------------------------------------------------------------------------
printf -- '- alter_column: {table: big, column: name, type: string, length: 200, nullable: false}\n' \
  > "$work/rebuild/V1__longer_names.yaml"
cat > "$work/rebuild_floor.sql" <<'SQL'
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE "big_new" ("id" INTEGER PRIMARY KEY, "name" VARCHAR(200) NOT NULL, "grp" INTEGER);
INSERT INTO "big_new" ("id", "name", "grp") SELECT "id", "name", "grp" FROM "big";
DROP TABLE "big";
ALTER TABLE "big_new" RENAME TO "big";
CREATE INDEX ix_big_grp ON big (grp);
PRAGMA foreign_key_check;
PRAGMA integrity_check("big");
COMMIT;
PRAGMA foreign_keys = ON;
SQL
make_big() {  # make_big <db> <rows>
  sqlite3 "$1" "CREATE TABLE big (id INTEGER PRIMARY KEY, name TEXT, grp INTEGER);
    WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < $2)
    INSERT INTO big SELECT x, 'name ' || x, x % 100 FROM c;
    CREATE INDEX ix_big_grp ON big (grp);"
}
peak() { { /usr/bin/time -f '%M' "$@" > /dev/null; } 2>&1 | tail -n 1; }  # peak RSS in kB
rebuild_runs=$(( runs < 3 ? runs : 3 ))
: > "$work/rb_floor_ms"; : > "$work/rb_strata_ms"
for _ in $(seq 1 "$rebuild_runs"); do
  rm -f "$work"/rb*.db*
  make_big "$work/rb_floor.db" "$rows"; make_big "$work/rb_strata.db" "$rows"
  timed "$work/rb_floor_ms" sqlite3 "$work/rb_floor.db" ".read $work/rebuild_floor.sql"
  timed "$work/rb_strata_ms" "$strata" migrate --url "sqlite:$work/rb_strata.db" --dir "$work/rebuild"
  [ "$(sqlite3 "$work/rb_strata.db" "SELECT COUNT(*) FROM big")" = "$rows" ] || { echo "rows lost in the rebuild" >&2; exit 1; }
done
rm -f "$work"/rb*.db*
make_big "$work/rb_peak.db" "$rows"
peak_full=$(peak "$strata" migrate --url "sqlite:$work/rb_peak.db" --dir "$work/rebuild")
make_big "$work/rb_peak_small.db" $(( rows / 10 ))
peak_small=$(peak "$strata" migrate --url "sqlite:$work/rb_peak_small.db" --dir "$work/rebuild")
make_big "$work/rb_peak_floor.db" "$rows"
peak_floor=$(peak sqlite3 "$work/rb_peak_floor.db" ".read $work/rebuild_floor.sql")

m() { median < "$work/$1"; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k / 1024 }'; }
echo "SQLite $(sqlite3 --version | cut -d' ' -f1); medians of $runs interleaved runs ($rebuild_runs for the rebuild)"
printf '%-52s %7s ms   floor %6s ms   %s\n' "$n add_column if_missing, one transaction each" "$(m add_strata_ms)" "$(m add_floor_ms)" \
  "$(ratio "$(m add_strata_ms)" "$(m add_floor_ms)")"
printf '%-52s %7s ms   floor %6s ms   %s\n' "rebuild of a $rows-row table (alter_column)" "$(m rb_strata_ms)" "$(m rb_floor_ms)" \
  "$(ratio "$(m rb_strata_ms)" "$(m rb_floor_ms)")"
printf '%-52s %s with %s rows, %s with %s; the sqlite3 shell %s\n' "peak memory of the rebuild" "$(mb "$peak_full")" "$rows" \
  "$(mb "$peak_small")" "$(( rows / 10 ))" "$(mb "$peak_floor")"
