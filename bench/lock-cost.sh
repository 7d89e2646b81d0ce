#!/usr/bin/env bash
# What the lease lock costs a run that applies migrations (docs/performance.md).
#
#   bench/lock-cost.sh [N, default 500] [runs, default 5] [backends, default "sqlite postgres mariadb"]
#
# N SQL migrations (one CREATE TABLE each) applied to a fresh database, paired in one run
# (server, lease, server, lease, ...; the order flips every run):
#   server   the server's lock (flock, pg_try_advisory_lock, GET_LOCK): the default;
#   lease    lock=lease: the lease lock, with the server's lock (checked before every statement
#            in the migration's session; never renewed, since the server's lock keeps every
#            migrator out);
#   pooled   PostgreSQL only: the same database through a PgBouncer in transaction pooling
#            (pooler=transaction): the lease alone, renewed by a thread on a connection of its
#            own, checked on that connection, and every transaction setting its settings;
# Prints medians and the ratios. The throwaway servers are started by tests/servers/*.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
source tests/servers/password.sh
n=${1:-500}
runs=${2:-5}
backends=${3:-sqlite postgres mariadb}
strata=$(strata_binary)

bench_workdir
mkdir "$work/m"
for i in $(seq 1 "$n"); do
  echo "CREATE TABLE t$i (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL);" > "$work/m/V${i}__t$i.sql"
done

for backend in $backends; do
  kinds=(server lease)
  case $backend in
    sqlite)
      version="SQLite $(sqlite3 --version | cut -d' ' -f1)"
      fresh() { rm -f "$work/$1.db"*; }
      url() { echo "sqlite:$work/$1.db"; }
      ;;
    postgres)
      start_server postgres
      server_urls "$work/postgres.conf"
      # WITH (FORCE): the pooler keeps server connections to the pooled database open.
      fresh() { "$psql_bin" -q -X "$admin" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" >/dev/null; }
      url() { echo "$base/$1"; }
      version="PostgreSQL $("$psql_bin" -X -A -t "$admin" -c 'SHOW server_version' | cut -d' ' -f1)"
      if command -v pgbouncer >/dev/null; then
        pooler_port=$(tests/servers/pgbouncer.sh start "$work/pgbouncer-server" "$port")
        started+=(pgbouncer)
        pooled_base=${base%:*}:$pooler_port
        kinds+=(pooled)
      else
        echo "no pgbouncer: the pooled case is left out (install the pgbouncer package)" >&2
        exit 2
      fi
      ;;
    mariadb)
      start_server mariadb
      server_urls "$work/mariadb.conf"
      export MYSQL_PWD=$password
      fresh() {
        mariadb --no-defaults --protocol=TCP -h127.0.0.1 -P "$port" -uroot -e "DROP DATABASE IF EXISTS $1; CREATE DATABASE $1"
      }
      url() { echo "$base/$1"; }
      version="MariaDB $(mariadb --no-defaults --protocol=TCP -h127.0.0.1 -P "$port" -uroot -N -e 'SELECT VERSION()' | cut -d- -f1)"
      ;;
  esac
  for kind in "${kinds[@]}"; do : > "$work/times-$backend-$kind"; done
  for r in $(seq 1 "$runs"); do
    order=("${kinds[@]}")
    [ $((r % 2)) -eq 0 ] && order=($(printf '%s\n' "${kinds[@]}" | tac))
    for kind in "${order[@]}"; do
      fresh "${kind}_db"
      case $kind in
        server) target=$(url server_db) ;;
        lease) target="$(url lease_db)?lock=lease" ;;
        pooled) target="$pooled_base/pooled_db?pooler=transaction" ;;
      esac
      timed "$work/times-$backend-$kind" "$strata" migrate --url "$target" --dir "$work/m" 2>/dev/null
    done
  done
  m() { median < "$work/times-$backend-$1"; }
  echo "$version, $n migrations of one CREATE TABLE each, median of $runs paired runs"
  printf '  %-58s %8s ms\n' "the server's lock (the default)" "$(m server)"
  printf '  %-58s %8s ms   %s of the server lock\n' "lock=lease (with the server's lock)" "$(m lease)" \
    "$(ratio "$(m lease)" "$(m server)")"
  if [ "$backend" = postgres ]; then
    printf '  %-58s %8s ms   %s of the server lock\n' "through PgBouncer, pooler=transaction (the lease alone)" \
      "$(m pooled)" "$(ratio "$(m pooled)" "$(m server)")"
  fi
done
