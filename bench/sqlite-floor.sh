#!/usr/bin/env bash
# strata on SQLite against the physical floor: the sqlite3 shell running the same statements
# and ledger inserts with the same transaction boundaries, and, for the up-to-date check, the
# ledger query plus hashing every migration file (the work strata cannot avoid).
#
#   bench/sqlite-floor.sh [N migrations, default 1000] [runs, default 5]
#
# Prints the median of interleaved runs, and the ratios to the floor.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
n=${1:-1000}
runs=${2:-5}
strata=$(strata_binary)
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 shell" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/migrations"
ledger_ddl='CREATE TABLE "strata_history" ("installed_rank" INTEGER NOT NULL PRIMARY KEY, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL, "kind" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" VARCHAR(64), "installed_by" VARCHAR(100) NOT NULL, "installed_on" TIMESTAMP NOT NULL, "execution_ms" BIGINT NOT NULL, "success" BOOLEAN NOT NULL, "statements_done" INTEGER NOT NULL, "in_doubt" BOOLEAN NOT NULL);'
{
  echo "BEGIN; $ledger_ddl INSERT INTO strata_history VALUES (0, '1', 'strata ledger format 1', 'ledger', 'strata', NULL, 'bench', '2026-01-01 00:00:00', 0, 1, 0, 0); COMMIT;"
  for i in $(seq 1 "$n"); do
    sql="CREATE TABLE t$i (id INTEGER PRIMARY KEY, name TEXT NOT NULL, created_at TEXT);
CREATE INDEX ix_t${i}_name ON t$i (name);"
    printf '%s\n' "$sql" > "$work/migrations/V${i}__table_$i.sql"
    echo "BEGIN; $sql INSERT INTO strata_history VALUES ($i, '$i', 'table $i', 'versioned', 'V${i}__table_$i.sql', 'x', 'bench', '2026-01-01 00:00:00', 1, 1, 2, 0); COMMIT;"
  done
} > "$work/floor.sql"


: > "$work/apply_floor"; : > "$work/apply_strata"; : > "$work/check_floor"; : > "$work/check_strata"
for r in $(seq 1 "$runs"); do
  rm -f "$work/floor.db" "$work/strata.db"
  t0=$(now); sqlite3 "$work/floor.db" < "$work/floor.sql"; t1=$(now); ms "$t0" "$t1" >> "$work/apply_floor"
  t0=$(now); "$strata" migrate --url "sqlite:$work/strata.db" --dir "$work/migrations" > /dev/null; t1=$(now)
  ms "$t0" "$t1" >> "$work/apply_strata"
  t0=$(now); sqlite3 "$work/floor.db" 'SELECT count(*) FROM strata_history' > /dev/null
  cat "$work/migrations"/* | sha256sum > /dev/null; t1=$(now); ms "$t0" "$t1" >> "$work/check_floor"
  t0=$(now); "$strata" migrate --url "sqlite:$work/strata.db" --dir "$work/migrations" > /dev/null; t1=$(now)
  ms "$t0" "$t1" >> "$work/check_strata"
done
peak_kb=$( { /usr/bin/time -f '%M' "$strata" migrate --url "sqlite:$work/strata.db" --dir "$work/migrations" > /dev/null; } 2>&1 )

af=$(median < "$work/apply_floor"); as=$(median < "$work/apply_strata")
cf=$(median < "$work/check_floor"); cs=$(median < "$work/check_strata")
echo "SQLite $(sqlite3 --version | cut -d' ' -f1), $n migrations (one table + one index each), median of $runs runs"
printf '%-44s %8s ms   floor %6s ms   %s\n' "apply, one transaction each" "$as" "$af" "$(ratio "$as" "$af")"
printf '%-44s %8s ms   floor %6s ms   %s\n' "up-to-date check (whole strata process)" "$cs" "$cf" "$(ratio "$cs" "$cf")"
printf '%-44s %8s MB\n' "peak memory of the up-to-date check" "$(awk -v k="$peak_kb" 'BEGIN { printf "%.1f", k / 1024 }')"
