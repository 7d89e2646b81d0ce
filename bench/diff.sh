#!/usr/bin/env bash
# `strata diff --check` over a declared schema of N tables (each with an index and a foreign key
# to the one before), whole processes, paired runs:
#   folded     the history is N portable migrations, folded in memory (no database work);
#   live       --from a database URL, against `strata schema` on the same URL (reading the
#              catalog is the work both do);
#   replayed   the history is N SQL migrations, replayed into a SQLite scratch database, against
#              the sqlite3 shell running the same DDL into a fresh file (the floor of that work).
# And the in-process fold of the portable history (bench/fold_schema.cpp).
#
#   bench/diff.sh [N, default 200] [runs, default 11] [backends for `live`, default "sqlite postgres mariadb"]
# Servers for PostgreSQL and MariaDB are started by tests/servers/<backend>.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
n=${1:-200}
runs=${2:-11}
backends=${3:-sqlite postgres mariadb}
strata=$(strata_binary)
fold_bench="$PWD/build/bin/strata-bench-fold"

bench_workdir

mkdir -p "$work/yaml/migrations" "$work/sql/migrations"
: > "$work/all.sql"
for i in $(seq 1 "$n"); do
  fk=""
  [ "$i" -gt 1 ] && fk="
    foreign_keys: [{name: fk_t${i}_parent, columns: [parent_id], references: t$((i - 1)), referenced_columns: [id]}]"
  printf -- '- create_table:\n    name: t%s\n    columns:\n      - {name: id, type: bigint, primary_key: true}\n      - {name: parent_id, type: bigint}\n      - {name: name, type: string(100), nullable: false}\n      - {name: created_at, type: timestamptz, nullable: false, default_expression: current_timestamp}%s\n- create_index: {table: t%s, name: ix_t%s_name, columns: [name]}\n' \
    "$i" "$fk" "$i" "$i" > "$work/yaml/migrations/V${i}__t$i.yaml"
  ref=""
  [ "$i" -gt 1 ] && ref=" REFERENCES t$((i - 1)) (id)"
  sql="CREATE TABLE t$i (id BIGINT PRIMARY KEY, parent_id BIGINT$ref, name VARCHAR(100) NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE INDEX ix_t${i}_name ON t$i (name);"
  echo "$sql" > "$work/sql/migrations/V${i}__t$i.sql"
  echo "$sql" >> "$work/all.sql"
done
# The declared schema: the database the history makes, written by strata.
"$strata" migrate --url "sqlite:$work/made.db" --dir "$work/yaml/migrations" >/dev/null
"$strata" schema --url "sqlite:$work/made.db" --format yaml > "$work/yaml/schema.yaml"
cp "$work/yaml/schema.yaml" "$work/sql/schema.yaml"

in_dir() { (cd "$1" && shift && "$@"); }
: > "$work/folded"; : > "$work/replayed"; : > "$work/shell"
for r in $(seq 1 "$runs"); do
  rm -f "$work/shell.db"
  if [ $((r % 2)) -eq 1 ]; then
    timed "$work/folded" in_dir "$work/yaml" "$strata" diff --check 2>/dev/null
    timed "$work/replayed" in_dir "$work/sql" "$strata" diff --check 2>/dev/null
    timed "$work/shell" sqlite3 "$work/shell.db" ".read $work/all.sql"
  else
    timed "$work/shell" sqlite3 "$work/shell.db" ".read $work/all.sql"
    timed "$work/replayed" in_dir "$work/sql" "$strata" diff --check 2>/dev/null
    timed "$work/folded" in_dir "$work/yaml" "$strata" diff --check 2>/dev/null
  fi
done
m() { median < "$work/$1"; }
echo "diff --check over $n tables, whole process, median of $runs paired runs"
printf '  %-52s %6s ms\n' "portable history, folded in memory" "$(m folded)"
printf '  %-52s %6s ms   %s of the sqlite3 shell running its DDL (%s ms)\n' "SQL history, replayed into a SQLite scratch database" \
  "$(m replayed)" "$(ratio "$(m replayed)" "$(m shell)")" "$(m shell)"
[ -x "$fold_bench" ] && echo "  in process: $("$fold_bench" "$work/yaml/migrations" "$runs")"

for backend in $backends; do
  case $backend in
    sqlite) url="sqlite:$work/made.db" ;;
    *)
      start_server "$backend"
      url=$(sed -n 's/^STRATA_TEST_ADMIN_URL=//p' "$work/$backend.conf")
      if [ "$backend" = mariadb ]; then  # a database of its own, not the server's `mysql`
        port=$(echo "$url" | sed -n 's|.*:\([0-9]*\)/mysql$|\1|p')
        source tests/servers/password.sh
        MYSQL_PWD="$password" mariadb --no-defaults --protocol=TCP -h127.0.0.1 -P "$port" -uroot -e "CREATE DATABASE bench"
        url=${url%/mysql}/bench
      fi
      "$strata" migrate --url "$url" --dir "$work/yaml/migrations" >/dev/null
      ;;
  esac
  : > "$work/$backend-diff"; : > "$work/$backend-schema"
  for r in $(seq 1 "$runs"); do
    if [ $((r % 2)) -eq 1 ]; then
      timed "$work/$backend-diff" in_dir "$work/yaml" "$strata" diff --check --from "$url" 2>/dev/null
      timed "$work/$backend-schema" "$strata" schema --url "$url"
    else
      timed "$work/$backend-schema" "$strata" schema --url "$url"
      timed "$work/$backend-diff" in_dir "$work/yaml" "$strata" diff --check --from "$url" 2>/dev/null
    fi
  done
  printf '  %-52s %6s ms   %s of strata schema on it (%s ms)\n' "$backend database (--from URL)" \
    "$(m "$backend-diff")" "$(ratio "$(m "$backend-diff")" "$(m "$backend-schema")")" "$(m "$backend-schema")"
done
