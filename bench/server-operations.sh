#!/usr/bin/env bash
# Guarded portable operations on PostgreSQL and MariaDB against hand-written SQL.
#
#   bench/server-operations.sh [N, default 1000] [runs, default 3] [backends, default "postgres mariadb"]
#
# N tables t1..tN exist (created beforehand, not timed); then each gains a column:
#   floor    the database's own client (psql, mariadb) running the N hand-written
#            ALTER TABLE t<i> ADD COLUMN runbook_version ... statements;
#   ledger   the same client running them with a ledger row each, in one transaction per
#            migration on PostgreSQL (what strata records, written by hand);
#   sql      strata applying the same statements as N SQL migrations (ledger rows, and on
#            MariaDB the statement progress);
#   yaml     strata applying N portable migrations, add_column if_missing: the same, plus the
#            catalog read that guards each operation (and MariaDB's own IF NOT EXISTS).
# The throwaway servers are started by tests/servers/<backend>.sh. Prints medians of
# interleaved runs and the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
# The servers' root accounts have the suite's password (tests/servers/password.sh), given to
# the client once the server is started (its start-up sets it).
source tests/servers/password.sh
n=${1:-1000}
runs=${2:-3}
backends=${3:-postgres mariadb}
strata=$(strata_binary)

bench_workdir

mkdir "$work/sql" "$work/yaml"
: > "$work/tables.sql"; : > "$work/floor.sql"; : > "$work/ledger-postgres.sql"; : > "$work/ledger-mariadb.sql"
ledger_columns='"installed_rank" INTEGER NOT NULL PRIMARY KEY, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL, "kind" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" VARCHAR(64), "installed_by" VARCHAR(100) NOT NULL, "installed_on" TIMESTAMP NOT NULL, "execution_ms" BIGINT NOT NULL, "success" BOOLEAN NOT NULL, "statements_done" INTEGER NOT NULL, "in_doubt" BOOLEAN NOT NULL, "progress_checksum" VARCHAR(64), "session_id" VARCHAR(64)'
echo "CREATE TABLE strata_history ($ledger_columns);" >> "$work/ledger-postgres.sql"
echo "CREATE TABLE strata_history (${ledger_columns//\"/\`});" >> "$work/ledger-mariadb.sql"
for i in $(seq 1 "$n"); do
  echo "CREATE TABLE t$i (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL);" >> "$work/tables.sql"
  alter="ALTER TABLE t$i ADD COLUMN runbook_version INTEGER NOT NULL DEFAULT 1;"
  echo "$alter" >> "$work/floor.sql"
  row="INSERT INTO strata_history VALUES ($i, '$i', 'add column $i', 'versioned', 'V${i}__add_column_$i.yaml', 'x', 'bench', CURRENT_TIMESTAMP, 1, TRUE, 1, FALSE, NULL, NULL);"
  echo "BEGIN; $alter $row COMMIT;" >> "$work/ledger-postgres.sql"
  echo "$alter $row" >> "$work/ledger-mariadb.sql"
  echo "$alter" > "$work/sql/V${i}__add_column_$i.sql"
  printf -- '- add_column: {table: t%s, if_missing: true, column: {name: runbook_version, type: integer, nullable: false, default: 1}}\n' \
    "$i" > "$work/yaml/V${i}__add_column_$i.yaml"
done

for backend in $backends; do
  start_server "$backend"
  server_urls "$work/$backend.conf"
  case $backend in
    postgres)
      client() { "$psql_bin" -q -X -v ON_ERROR_STOP=1 "$base/$1" -f "$2" >/dev/null; }
      fresh() { "$psql_bin" -q -X "$admin" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null; }
      version="PostgreSQL $("$psql_bin" -X -A -t "$admin" -c 'SHOW server_version' | cut -d' ' -f1)"
      ;;
    mariadb)
      export MYSQL_PWD=$password
      client() { mariadb --no-defaults --protocol=TCP -h127.0.0.1 -P "$port" -uroot "$1" < "$2"; }
      fresh() {
        mariadb --no-defaults --protocol=TCP -h127.0.0.1 -P "$port" -uroot \
          -e "DROP DATABASE IF EXISTS $1; CREATE DATABASE $1"
      }
      version="MariaDB $(mariadb --no-defaults --protocol=TCP -h127.0.0.1 -P "$port" -uroot -N -e 'SELECT VERSION()' | cut -d- -f1)"
      ;;
  esac
  for kind in floor ledger sql yaml; do : > "$work/$backend-$kind"; done
  for r in $(seq 1 "$runs"); do
    for db in floor_db ledger_db sql_db yaml_db; do fresh "$db"; client "$db" "$work/tables.sql"; done
    sleep 1
    order=(floor ledger sql yaml)
    [ $((r % 2)) -eq 0 ] && order=(yaml sql ledger floor)
    for kind in "${order[@]}"; do
      case $kind in
        floor) timed "$work/$backend-floor" client floor_db "$work/floor.sql" ;;
        ledger) timed "$work/$backend-ledger" client ledger_db "$work/ledger-$backend.sql" ;;
        *) timed "$work/$backend-$kind" "$strata" migrate --url "$base/${kind}_db" --dir "$work/$kind" ;;
      esac
    done
  done
  m() { median < "$work/$backend-$1"; }
  echo "$version, $n tables each gaining a column, median of $runs interleaved runs"
  printf '  %-44s %7s ms\n' "hand-written ALTER TABLE statements (floor)" "$(m floor)"
  printf '  %-44s %7s ms   %s of the floor\n' "strata, SQL migrations" "$(m sql)" "$(ratio "$(m sql)" "$(m floor)")"
  printf '  %-44s %7s ms   %s of the floor\n' "the same with a ledger row each, by hand" "$(m ledger)" \
    "$(ratio "$(m ledger)" "$(m floor)")"
  printf '  %-44s %7s ms   %s of the floor, %s of SQL migrations, %s of the hand-written ledger\n' \
    "strata, add_column if_missing (YAML)" "$(m yaml)" "$(ratio "$(m yaml)" "$(m floor)")" \
    "$(ratio "$(m yaml)" "$(m sql)")" "$(ratio "$(m yaml)" "$(m ledger)")"
done
