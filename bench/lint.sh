#!/usr/bin/env bash
# The checks that look at the data, whole processes, medians of paired runs:
#   drift    `strata drift` on a database of N tables (each with an index and a foreign key),
#            against `strata schema` on the same database (reading the catalog is the work both do);
#   lint     `strata lint --url` of one migration holding one operation, on a table of 10,000 and
#            of 1,000,000 rows, one data question each:
#              rows      add_column NOT NULL without a default (does the table hold a row?)
#              values    drop_column of a column whose first row holds a value
#              nulls     set NOT NULL on a column that holds no NULL (proving none: a scan)
#              too_long  string(64) to string(8) where no value is longer (proving none: a scan)
#              duplicates a unique key over a column every row holds the same value in (grouping it)
#            against `strata status` on the same database (the process, connection and ledger
#            read that any lint --url pays).
#
#   bench/lint.sh [N tables, default 200] [runs, default 7] [backends, default "sqlite postgres mariadb"]
# Servers for PostgreSQL and MariaDB are started by tests/servers/<backend>.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
n=${1:-200}
runs=${2:-7}
backends=${3:-sqlite postgres mariadb}
strata=$(strata_binary)

bench_workdir

mkdir -p "$work/tables"
for i in $(seq 1 "$n"); do
  fk=""
  [ "$i" -gt 1 ] && fk="
    foreign_keys: [{name: fk_t${i}_parent, columns: [parent_id], references: t$((i - 1)), referenced_columns: [id]}]"
  printf -- '- create_table:\n    name: t%s\n    columns:\n      - {name: id, type: bigint, primary_key: true}\n      - {name: parent_id, type: bigint}\n      - {name: name, type: string(100), nullable: false}%s\n- create_index: {table: t%s, name: ix_t%s_name, columns: [name]}\n' \
    "$i" "$fk" "$i" "$i" > "$work/tables/V${i}__t$i.yaml"
done
# One project per question: V1 makes the table, V2 is the migration linted.
questions="rows values nulls too_long duplicates"
for q in $questions; do
  mkdir -p "$work/$q"
  printf -- '- create_table:\n    name: runs\n    columns:\n      - {name: id, type: bigint, primary_key: true}\n      - {name: status, type: string(64)}\n      - {name: counter, type: bigint}\n' > "$work/$q/V1__runs.yaml"
done
echo '- add_column: {table: runs, column: {name: owner, type: integer, nullable: false}}' > "$work/rows/V2__x.yaml"
echo '- drop_column: {table: runs, column: status}' > "$work/values/V2__x.yaml"
echo '- alter_column: {table: runs, column: counter, nullable: false}' > "$work/nulls/V2__x.yaml"
echo '- alter_column: {table: runs, column: status, type: string, length: 8}' > "$work/too_long/V2__x.yaml"
echo '- add_unique: {table: runs, name: uq_runs_status, columns: [status]}' > "$work/duplicates/V2__x.yaml"

# Rows 1..count in runs, by a cross join of a table of ten digits: one statement.
fill_sql() {
  local count=$1
  echo "CREATE TABLE digits (d INTEGER);
INSERT INTO digits (d) VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9);
INSERT INTO runs (id, status, counter) SELECT n + 1, 'done', n FROM (SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d + 100000 * g.d AS n FROM digits a, digits b, digits c, digits e, digits f, digits g) numbers WHERE n < $count;
DROP TABLE digits;"
}

url_of() {  # a fresh database of the backend: its URL
  local backend=$1 name=$2
  case $backend in
    sqlite) echo "sqlite:$work/$name.db" ;;
    postgres)
      local admin
      admin=$(sed -n 's/^STRATA_TEST_ADMIN_URL=//p' "$work/postgres.conf")
      PGPASSWORD="$password" psql -q -h 127.0.0.1 -p "$(echo "$admin" | sed -n 's|.*:\([0-9]*\)/postgres$|\1|p')" \
        -U postgres -d postgres -c "CREATE DATABASE $name" >/dev/null
      echo "${admin%/postgres}/$name"
      ;;
    mariadb)
      local admin
      admin=$(sed -n 's/^STRATA_TEST_ADMIN_URL=//p' "$work/mariadb.conf")
      MYSQL_PWD="$password" mariadb --no-defaults --protocol=TCP -h127.0.0.1 \
        -P "$(echo "$admin" | sed -n 's|.*:\([0-9]*\)/mysql$|\1|p')" -uroot -e "CREATE DATABASE $name"
      echo "${admin%/mysql}/$name"
      ;;
  esac
}

run_sql() {  # run_sql <backend> <url> <sql>: through the database's own client
  local backend=$1 url=$2 sql=$3
  case $backend in
    sqlite) sqlite3 "${url#sqlite:}" "$sql" ;;
    postgres)
      PGPASSWORD="$password" psql -q -h 127.0.0.1 -p "$(echo "$url" | sed -n 's|.*:\([0-9]*\)/.*|\1|p')" -U postgres \
        -d "${url##*/}" -c "$sql" >/dev/null
      ;;
    mariadb)
      MYSQL_PWD="$password" mariadb --no-defaults --protocol=TCP -h127.0.0.1 \
        -P "$(echo "$url" | sed -n 's|.*:\([0-9]*\)/.*|\1|p')" -uroot "${url##*/}" -e "$sql"
      ;;
  esac
}

source tests/servers/password.sh
echo "strata drift and lint --url, whole process, median of $runs paired runs"
for backend in $backends; do
  if [ "$backend" != sqlite ]; then
    start_server "$backend"
  fi
  url=$(url_of "$backend" bench_tables)
  "$strata" migrate --url "$url" --dir "$work/tables" >/dev/null
  : > "$work/$backend-drift"; : > "$work/$backend-schema"
  for r in $(seq 1 "$runs"); do
    if [ $((r % 2)) -eq 1 ]; then
      timed "$work/$backend-drift" "$strata" drift --url "$url" --dir "$work/tables"
      timed "$work/$backend-schema" "$strata" schema --url "$url"
    else
      timed "$work/$backend-schema" "$strata" schema --url "$url"
      timed "$work/$backend-drift" "$strata" drift --url "$url" --dir "$work/tables"
    fi
  done
  m() { median < "$work/$1"; }
  printf '%s\n  %-44s %6s ms   %s of strata schema on it (%s ms)\n' "$backend" "drift, $n tables" \
    "$(m "$backend-drift")" "$(ratio "$(m "$backend-drift")" "$(m "$backend-schema")")" "$(m "$backend-schema")"

  for rows in 10000 1000000; do
    for q in $questions; do
      qurl=$(url_of "$backend" "bench_${q}_$rows")
      "$strata" migrate --url "$qurl" --dir "$work/$q" --target 1 >/dev/null
      run_sql "$backend" "$qurl" "$(fill_sql "$rows")"
      : > "$work/$backend-$q-$rows"; : > "$work/$backend-$q-$rows-status"
      for r in $(seq 1 "$runs"); do
        if [ $((r % 2)) -eq 1 ]; then
          timed "$work/$backend-$q-$rows" "$strata" lint --url "$qurl" --dir "$work/$q" || true
          timed "$work/$backend-$q-$rows-status" "$strata" status --url "$qurl" --dir "$work/$q"
        else
          timed "$work/$backend-$q-$rows-status" "$strata" status --url "$qurl" --dir "$work/$q"
          timed "$work/$backend-$q-$rows" "$strata" lint --url "$qurl" --dir "$work/$q" || true
        fi
      done
      printf '  %-44s %6s ms   status %s ms, the question %s ms\n' "lint --url: $q, $rows rows" \
        "$(m "$backend-$q-$rows")" "$(m "$backend-$q-$rows-status")" \
        "$(($(m "$backend-$q-$rows" | cut -d. -f1) - $(m "$backend-$q-$rows-status" | cut -d. -f1)))"
    done
  done
done
