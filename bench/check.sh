#!/usr/bin/env bash
# The up-to-date check a product pays at every start, whole processes, on SQLite, PostgreSQL and
# MariaDB: strata against dbmate (its Go binary) and against the physical floor, a minimal C
# program doing the work no checksum-verifying tool can avoid (bench/floor.c: connect, one ledger
# query, open, read and SHA-256 every migration file).
#
#   bench/check.sh [N migrations, default 1000] [runs, default 41] [backends, default "sqlite postgres mariadb"]
#
# 41 rounds: on a 2-core machine, where the server shares the cores with the client, medians of
# 15 rounds moved by 0.3 in the strata/floor ratio between runs of one day (MariaDB, 1,000), and
# medians of 41 by 0.03.
#
# Each migration is one table and one index. Starts throwaway servers (tests/servers/*.sh),
# applies the migrations with strata and with dbmate, then runs the three checks in turn, round
# after round, the order rotating (dbmate floor strata, floor strata dbmate, strata dbmate floor),
# then three more passes of each for peak memory (GNU time's maximum RSS). Prints medians and
# ratios. On MariaDB a fourth takes its turn: the floor with its query through Connector/C++, the
# client library of strata's MySQL driver (bench/floor_cppconn.cpp), printed on a line of its own.
# Fails, naming it, when dbmate or a floor program is missing: never a silent skip.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
source tests/servers/password.sh
n=${1:-1000}
runs=${2:-41}
backends=${3:-sqlite postgres mariadb}
strata=$(strata_binary)
dbmate=$(dbmate_binary)
[ -n "$dbmate" ] || { echo "no dbmate Go binary: npm install --prefix bench dbmate" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs GNU time (Debian package time)" >&2; exit 2; }
for b in $backends; do
  [ -x "build/bin/strata-floor-$b" ] || { echo "no build/bin/strata-floor-$b: build strata (bench/floor.c)" >&2; exit 2; }
done
case " $backends " in
  *" mariadb "*) [ -x build/bin/strata-floor-mariadb-cppconn ] ||
    { echo "no build/bin/strata-floor-mariadb-cppconn: build strata (bench/floor_cppconn.cpp)" >&2; exit 2; } ;;
esac

bench_workdir
mkdir "$work/migrations" "$work/dbmate"
for i in $(seq 1 "$n"); do
  sql="CREATE TABLE t$i (id BIGINT PRIMARY KEY, name VARCHAR(100) NOT NULL, created_at TIMESTAMP NULL);
CREATE INDEX ix_t${i}_name ON t$i (name);"
  printf '%s\n' "$sql" > "$work/migrations/V${i}__table_$i.sql"
  printf -- '-- migrate:up\n%s\n\n-- migrate:down\nDROP TABLE t%s;\n' "$sql" "$i" > "$work/dbmate/$(printf '%06d' "$i")_table_$i.sql"
done

# peak <file> <command...>: appends the command's maximum resident set, in KB.
peak() { local out=$1; shift; /usr/bin/time -f '%M' -o "$work/rss" "$@" >/dev/null; cat "$work/rss" >> "$out"; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

echo "up-to-date check, $n migrations (one table + one index each), median of $runs rounds; $(nproc) cores"
printf '%-22s %9s %9s %9s   %-13s %-13s %9s %9s %9s\n' backend strata dbmate floor "strata/dbmate" "strata/floor" "strata MB" "dbmate MB" "floor MB"
for b in $backends; do
  floor_password=""
  case $b in
    sqlite)
      strata_url="sqlite:$work/strata.db"
      dbmate_url="sqlite:$work/dbmate.db"
      floor=(build/bin/strata-floor-sqlite "$work/strata.db" "$work/migrations")
      ;;
    postgres | mariadb)
      start_server "$b"
      server_urls "$work/$b.conf"
      if [ "$b" = postgres ]; then
        psql -q -X "$admin" -c "CREATE DATABASE strata_db" -c "CREATE DATABASE dbmate_db" >/dev/null
        dbmate_url="$base/dbmate_db?sslmode=disable"
        floor=(build/bin/strata-floor-postgres "$base/strata_db" "$work/migrations")
      else
        MYSQL_PWD=$password mariadb --no-defaults --protocol=TCP -h127.0.0.1 -P "$port" -uroot \
          -e "CREATE DATABASE strata_db; CREATE DATABASE dbmate_db"
        dbmate_url="$base/dbmate_db"
        # The password in the floor's environment from this shell, never through env(1): a second
        # program started before it added 2.7 ms to the floor's time (docs/performance.md).
        floor_password=$password
        floor=(build/bin/strata-floor-mariadb 127.0.0.1 "$port" root strata_db "$work/migrations")
        client=(build/bin/strata-floor-mariadb-cppconn 127.0.0.1 "$port" root strata_db "$work/migrations")
      fi
      strata_url="$base/strata_db"
      ;;
    *) echo "unknown backend '$b' (sqlite, postgres, mariadb)" >&2; exit 2 ;;
  esac
  "$strata" migrate --url "$strata_url" --dir "$work/migrations" >/dev/null
  "$dbmate" --url "$dbmate_url" --migrations-dir "$work/dbmate" --no-dump-schema up >/dev/null
  # Both up to date, and the floor reads every row and file.
  [ "$("$strata" migrate --url "$strata_url" --dir "$work/migrations" --json | grep -c '"lock_taken": *false')" = 1 ] ||
    { echo "$b: strata's check is not on its up-to-date path" >&2; exit 1; }
  check_strata() { "$strata" migrate --url "$strata_url" --dir "$work/migrations"; }
  check_dbmate() { "$dbmate" --url "$dbmate_url" --migrations-dir "$work/dbmate" --no-dump-schema up; }
  check_floor() { MYSQL_PWD=$floor_password "${floor[@]}"; }
  check_floor | grep -q " ledger rows, $n files hashed$" ||
    { echo "$b: the floor did not read $n files: $(check_floor)" >&2; exit 1; }
  # MariaDB: the floor once more, its query through Connector/C++ (the driver's client library).
  check_client() { MYSQL_PWD=$floor_password "${client[@]}"; }
  kinds=(strata dbmate floor)
  if [ "$b" = mariadb ]; then
    kinds+=(client)
    check_client | grep -q " ledger rows, $n files hashed$" ||
      { echo "$b: the floor through Connector/C++ did not read $n files: $(check_client)" >&2; exit 1; }
  fi
  for k in "${kinds[@]}"; do : > "$work/$b-$k"; : > "$work/$b-$k-rss"; done
  for r in $(seq 1 "$runs"); do
    # Each in every place of the order, in turn.
    order=("${kinds[@]:r % ${#kinds[@]}}" "${kinds[@]:0:r % ${#kinds[@]}}")
    for k in "${order[@]}"; do timed "$work/$b-$k" "check_$k"; done
  done
  for r in 1 2 3; do
    peak "$work/$b-strata-rss" "$strata" migrate --url "$strata_url" --dir "$work/migrations"
    peak "$work/$b-dbmate-rss" "$dbmate" --url "$dbmate_url" --migrations-dir "$work/dbmate" --no-dump-schema up
    MYSQL_PWD=$floor_password peak "$work/$b-floor-rss" "${floor[@]}"
    [ "$b" != mariadb ] || MYSQL_PWD=$floor_password peak "$work/$b-client-rss" "${client[@]}"
  done
  s=$(median < "$work/$b-strata"); d=$(median < "$work/$b-dbmate"); f=$(median < "$work/$b-floor")
  printf '%-22s %6s ms %6s ms %6s ms   %-13s %-13s %9s %9s %9s\n' "$b" "$s" "$d" "$f" "$(ratio "$s" "$d")" "$(ratio "$s" "$f")" \
    "$(mb "$(median < "$work/$b-strata-rss")")" "$(mb "$(median < "$work/$b-dbmate-rss")")" "$(mb "$(median < "$work/$b-floor-rss")")"
  if [ "$b" = mariadb ]; then
    c=$(median < "$work/$b-client")
    printf '%-22s %6s ms, %s MB: %s the floor; strata %s of it\n' "  through Connector/C++" "$c" \
      "$(mb "$(median < "$work/$b-client-rss")")" "$(ratio "$c" "$f")" "$(ratio "$s" "$c")"
  fi
done
