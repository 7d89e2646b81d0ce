#!/usr/bin/env bash
# strata on MariaDB against the physical floor and against dbmate.
#
#   bench/mariadb-floor.sh [N migrations, default 200] [runs, default 5]
#
# Starts a throwaway server (tests/servers/mariadb.sh). MariaDB commits each DDL statement on
# its own, so strata records every statement's progress in the ledger. Floors, run by the
# `mariadb` client: the same statements with the same ledger insert and updates strata makes
# (what the progress costs the database), and the bare DDL (what it costs over no bookkeeping at
# all). The up-to-date check's floor is bench/floor.c (build/bin/strata-floor-mariadb: connect,
# read the ledger, read and hash every file); bench/check.sh measures it against dbmate.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
source tests/servers/password.sh
n=${1:-200}
runs=${2:-5}
strata=$(strata_binary)
dbmate=$(dbmate_binary)

work=$(mktemp -d)
state="$work/server"
trap 'tests/servers/mariadb.sh stop "$state"; rm -rf "$work"' EXIT
tests/servers/mariadb.sh start "$state" "$work/server.conf" "$strata" migrations >/dev/null
server_urls "$work/server.conf"
# The servers' root accounts have the suite's password (tests/servers/password.sh).
export MYSQL_PWD=$password
client=(mariadb --no-defaults --protocol=TCP -h127.0.0.1 -P "$port" -uroot)
floor_check=build/bin/strata-floor-mariadb
[ -x "$floor_check" ] || { echo "no $floor_check: build strata (bench/floor.c)" >&2; exit 2; }

mkdir "$work/migrations" "$work/dbmate"
{
  echo 'CREATE TABLE `strata_history` (`installed_rank` INT NOT NULL PRIMARY KEY, `version` VARCHAR(50), `description` VARCHAR(200) NOT NULL, `kind` VARCHAR(20) NOT NULL, `script` VARCHAR(1000) NOT NULL, `checksum` VARCHAR(64), `installed_by` VARCHAR(100) NOT NULL, `installed_on` DATETIME(3) NOT NULL, `execution_ms` BIGINT NOT NULL, `success` BOOLEAN NOT NULL, `statements_done` INT NOT NULL, `in_doubt` BOOLEAN NOT NULL, `progress_checksum` VARCHAR(64), `session_id` VARCHAR(64));'
  echo 'CREATE TABLE `strata_history_state` (`ledger_table` VARCHAR(128) NOT NULL PRIMARY KEY, `format` INT NOT NULL, `reader_format` INT NOT NULL);'
  echo "INSERT INTO strata_history_state VALUES ('strata_history', 3, 3);"
} > "$work/floor.sql"
: > "$work/bare.sql"
for i in $(seq 1 "$n"); do
  create="CREATE TABLE t$i (id BIGINT PRIMARY KEY, name VARCHAR(100) NOT NULL, created_at DATETIME(3))"
  index="CREATE INDEX ix_t${i}_name ON t$i (name)"
  printf '%s;\n%s;\n' "$create" "$index" > "$work/migrations/V${i}__table_$i.sql"
  printf -- '-- migrate:up\n%s;\n%s;\n\n-- migrate:down\nDROP TABLE t%s;\n' "$create" "$index" "$i" > "$work/dbmate/$(printf '%06d' "$i")_table_$i.sql"
  printf '%s;\n%s;\n' "$create" "$index" >> "$work/bare.sql"
  set_row="UPDATE strata_history SET version = '$i', description = 'table $i', kind = 'versioned', script = 'V${i}__table_$i.sql', checksum = 'x', installed_by = 'bench', installed_on = NOW(3), execution_ms = 1"
  {
    # As strata writes it: the row (statement 1 in doubt), then one update after each statement
    # (the next in doubt; after the last, success).
    echo "INSERT INTO strata_history VALUES ($i, '$i', 'table $i', 'versioned', 'V${i}__table_$i.sql', 'x', 'bench', NOW(3), 0, 0, 0, 1, 'a', 'connection id 1');"
    echo "$create;"
    echo "$set_row, success = 0, statements_done = 1, in_doubt = 1, progress_checksum = 'b' WHERE installed_rank = $i;"
    echo "$index;"
    echo "$set_row, success = 1, statements_done = 2, in_doubt = 0, progress_checksum = 'c' WHERE installed_rank = $i;"
  } >> "$work/floor.sql"
done

fresh() { "${client[@]}" -e "DROP DATABASE IF EXISTS $1; CREATE DATABASE $1"; }

for kind in apply_floor apply_bare apply_strata apply_dbmate check_floor check_strata check_dbmate; do : > "$work/$kind"; done
for r in $(seq 1 "$runs"); do
  fresh floor_db; fresh bare_db; fresh strata_db; fresh dbmate_db
  if [ $((r % 2)) -eq 1 ]; then
    timed "$work/apply_floor" "${client[@]}" floor_db -e "source $work/floor.sql"
    timed "$work/apply_strata" "$strata" migrate --url "$base/strata_db" --dir "$work/migrations"
  else
    timed "$work/apply_strata" "$strata" migrate --url "$base/strata_db" --dir "$work/migrations"
    timed "$work/apply_floor" "${client[@]}" floor_db -e "source $work/floor.sql"
  fi
  timed "$work/apply_bare" "${client[@]}" bare_db -e "source $work/bare.sql"
  [ -n "$dbmate" ] && timed "$work/apply_dbmate" "$dbmate" --url "$base/dbmate_db" --migrations-dir "$work/dbmate" --no-dump-schema up
  timed "$work/check_floor" "$floor_check" 127.0.0.1 "$port" root strata_db "$work/migrations"
  timed "$work/check_strata" "$strata" migrate --url "$base/strata_db" --dir "$work/migrations"
  [ -n "$dbmate" ] && timed "$work/check_dbmate" "$dbmate" --url "$base/dbmate_db" --migrations-dir "$work/dbmate" --no-dump-schema up
done

m() { median < "$work/$1"; }
echo "$("$strata" status --url "$base/strata_db" --dir "$work/migrations" | tail -n 1 | sed 's/.*(\(MariaDB [0-9.]*\).*/\1/'), $n migrations (one table + one index each), median of $runs interleaved runs"
printf '%-52s strata %6s ms   floor %6s ms (%s)\n' "apply, with the same ledger updates as the floor" "$(m apply_strata)" "$(m apply_floor)" "$(ratio "$(m apply_strata)" "$(m apply_floor)")"
printf '%-52s strata %6s ms   bare  %6s ms (%s)\n' "apply, against the bare DDL (no bookkeeping)" "$(m apply_strata)" "$(m apply_bare)" "$(ratio "$(m apply_strata)" "$(m apply_bare)")"
printf '%-52s strata %6s ms   floor %6s ms (%s)\n' "up-to-date check (whole process)" "$(m check_strata)" "$(m check_floor)" "$(ratio "$(m check_strata)" "$(m check_floor)")"
if [ -n "$dbmate" ]; then
  printf '%-52s dbmate %6s ms apply (strata %s of it), %s ms check (strata %s of it)\n' "dbmate" "$(m apply_dbmate)" \
    "$(ratio "$(m apply_strata)" "$(m apply_dbmate)")" "$(m check_dbmate)" "$(ratio "$(m check_strata)" "$(m check_dbmate)")"
fi
