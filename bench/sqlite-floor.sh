#!/usr/bin/env bash
# strata on SQLite against the physical floor: the sqlite3 shell running the same statements
# and ledger inserts with the same transaction boundaries, and, for the up-to-date check,
# bench/floor.c (build/bin/strata-floor-sqlite: the ledger query plus reading and hashing every
# migration file, the work strata cannot avoid).
#
#   bench/sqlite-floor.sh [N migrations, default 1000] [runs, default 5]
#
# Also: --single-transaction, 8 concurrent migrators on one fresh database against one, the
# in-process up-to-date check (strata::migrate), dbmate (its Go binary, from the npm package `dbmate`:
# see dbmate_binary in bench/common.sh) and Alembic (Debian package python3-alembic, run by the first python3 on
# PATH that can import it; bench/alembic-project.py writes its project: alembic.ini, env.py
# with one transaction per migration, one revision per migration running the same statements
# with op.execute) on the same SQL. Each is skipped when absent. Prints medians of interleaved
# runs and the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
n=${1:-1000}
runs=${2:-5}
strata=$(strata_binary)
dbmate=$(dbmate_binary)
alembic=$(alembic_python)
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 shell" >&2; exit 2; }
[ -x build/bin/strata-floor-sqlite ] || { echo "no build/bin/strata-floor-sqlite: build strata (bench/floor.c)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/migrations" "$work/dbmate"
state_ddl='CREATE TABLE "strata_history_state" ("ledger_table" VARCHAR(128) NOT NULL PRIMARY KEY, "format" INTEGER NOT NULL, "reader_format" INTEGER NOT NULL);'
ledger_ddl='CREATE TABLE "strata_history" ("installed_rank" INTEGER NOT NULL PRIMARY KEY, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL, "kind" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" VARCHAR(64), "installed_by" VARCHAR(100) NOT NULL, "installed_on" TIMESTAMP NOT NULL, "execution_ms" BIGINT NOT NULL, "success" BOOLEAN NOT NULL, "statements_done" INTEGER NOT NULL, "in_doubt" BOOLEAN NOT NULL);'
{
  echo "BEGIN; $ledger_ddl $state_ddl INSERT INTO strata_history_state VALUES ('strata_history', 3, 3); COMMIT;"
  for i in $(seq 1 "$n"); do
    sql="CREATE TABLE t$i (id INTEGER PRIMARY KEY, name TEXT NOT NULL, created_at TEXT);
CREATE INDEX ix_t${i}_name ON t$i (name);"
    printf '%s\n' "$sql" > "$work/migrations/V${i}__table_$i.sql"
    printf -- '-- migrate:up\n%s\n\n-- migrate:down\nDROP TABLE t%s;\n' "$sql" "$i" > "$work/dbmate/$(printf '%06d' "$i")_table_$i.sql"
    echo "BEGIN; $sql INSERT INTO strata_history VALUES ($i, '$i', 'table $i', 'versioned', 'V${i}__table_$i.sql', 'x', 'bench', '2026-01-01 00:00:00', 1, 1, 2, 0); COMMIT;"
  done
} > "$work/floor.sql"
[ -n "$alembic" ] && "$alembic" bench/alembic-project.py "$work/migrations" "$work/alembic" "sqlite:///$work/alembic.db"

: > "$work/apply_floor"; : > "$work/apply_strata"; : > "$work/check_floor"; : > "$work/check_strata"
: > "$work/apply_single"; : > "$work/apply_dbmate"; : > "$work/check_dbmate"; : > "$work/apply_eight"
: > "$work/apply_alembic"; : > "$work/check_alembic"
migrate() { "$strata" migrate --url "sqlite:$1" --dir "$work/migrations" "${@:2}"; }
eight() {
  local pids=()
  for _ in 1 2 3 4 5 6 7 8; do migrate "$1" --lock-timeout 600 >/dev/null & pids+=($!); done
  for pid in "${pids[@]}"; do wait "$pid"; done
}
# alembic upgrade head; its log (a line per migration, on stderr) goes to a file, shown on failure.
alembic_up() {
  "$alembic" -m alembic -c "$work/alembic/alembic.ini" upgrade head 2> "$work/alembic.log" ||
    { cat "$work/alembic.log" >&2; return 1; }
}
for r in $(seq 1 "$runs"); do
  rm -f "$work"/*.db
  timed "$work/apply_floor" sqlite3 "$work/floor.db" ".read $work/floor.sql"
  timed "$work/apply_strata" migrate "$work/strata.db"
  timed "$work/apply_single" migrate "$work/single.db" --single-transaction
  timed "$work/apply_eight" eight "$work/eight.db"
  [ "$(sqlite3 "$work/eight.db" "SELECT COUNT(*) FROM strata_history WHERE kind = 'versioned'")" = "$n" ] ||
    { echo "8 migrators did not apply every migration exactly once" >&2; exit 1; }
  [ -n "$dbmate" ] && timed "$work/apply_dbmate" "$dbmate" --url "sqlite:$work/dbmate.db" --migrations-dir "$work/dbmate" --no-dump-schema up
  if [ -n "$alembic" ]; then
    timed "$work/apply_alembic" alembic_up
    [ "$(sqlite3 "$work/alembic.db" "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix_t%'")" = "$n" ] ||
      { echo "Alembic did not apply every migration" >&2; exit 1; }
  fi
  timed "$work/check_floor" build/bin/strata-floor-sqlite "$work/strata.db" "$work/migrations"
  timed "$work/check_strata" migrate "$work/strata.db"
  [ -n "$dbmate" ] && timed "$work/check_dbmate" "$dbmate" --url "sqlite:$work/dbmate.db" --migrations-dir "$work/dbmate" --no-dump-schema up
  [ -n "$alembic" ] && timed "$work/check_alembic" alembic_up
done
peak_kb=$( { /usr/bin/time -f '%M' "$strata" migrate --url "sqlite:$work/strata.db" --dir "$work/migrations" > /dev/null; } 2>&1 )
inprocess=$("$PWD/build/bin/strata-bench-inprocess" "sqlite:$work/strata.db" "$work/migrations" 21)

m() { median < "$work/$1"; }
echo "SQLite $(sqlite3 --version | cut -d' ' -f1), $n migrations (one table + one index each), median of $runs interleaved runs"
printf '%-48s %7s ms   floor %6s ms   %s\n' "apply, one transaction each" "$(m apply_strata)" "$(m apply_floor)" "$(ratio "$(m apply_strata)" "$(m apply_floor)")"
printf '%-48s %7s ms   floor %6s ms   %s\n' "apply, --single-transaction" "$(m apply_single)" "$(m apply_floor)" "$(ratio "$(m apply_single)" "$(m apply_floor)")"
printf '%-48s %7s ms   one   %6s ms   %s\n' "apply, 8 migrators at once on one database" "$(m apply_eight)" "$(m apply_strata)" "$(ratio "$(m apply_eight)" "$(m apply_strata)")"
printf '%-48s %7s ms   floor %6s ms   %s\n' "up-to-date check (whole strata process)" "$(m check_strata)" "$(m check_floor)" "$(ratio "$(m check_strata)" "$(m check_floor)")"
printf '%-48s %s\n' "up-to-date check in process (strata::migrate)" "$inprocess"
printf '%-48s %7s MB\n' "peak memory of the up-to-date check" "$(awk -v k="$peak_kb" 'BEGIN { printf "%.1f", k / 1024 }')"
if [ -n "$dbmate" ]; then
  printf '%-48s %7s ms apply (strata %s of it), %s ms check (strata %s of it)\n' "dbmate" "$(m apply_dbmate)" \
    "$(ratio "$(m apply_strata)" "$(m apply_dbmate)")" "$(m check_dbmate)" "$(ratio "$(m check_strata)" "$(m check_dbmate)")"
fi
if [ -n "$alembic" ]; then
  printf '%-48s %7s ms apply (strata %s of it), %s ms check (strata %s of it)\n' \
    "Alembic $("$alembic" -c 'import alembic, sqlalchemy; print(alembic.__version__, "SQLAlchemy", sqlalchemy.__version__)')" \
    "$(m apply_alembic)" "$(ratio "$(m apply_strata)" "$(m apply_alembic)")" "$(m check_alembic)" "$(ratio "$(m check_strata)" "$(m check_alembic)")"
else
  printf '%-48s %s\n' "Alembic" "skipped: no python3 on PATH imports alembic (Debian package python3-alembic)"
fi
