#!/usr/bin/env bash
# A throwaway PgBouncer in transaction pooling in front of a PostgreSQL server, on loopback.
#
#   pgbouncer.sh start <state dir> <server port>    prints the pooler's port
#   pgbouncer.sh stop  <state dir>
#
# The pooler listens on the first free loopback port from 26432 (never the default), gives
# each client transaction any of its server connections (pool_mode = transaction), and
# authenticates clients and itself with the test servers' password (password.sh, SCRAM). As
# root it runs as the postgres account (PgBouncer refuses root). Any failure is an error.
set -euo pipefail
# shellcheck source=password.sh
source "$(dirname "$0")/password.sh"
# shellcheck source=process.sh
source "$(dirname "$0")/process.sh"

command=$1
state=$2
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
as_pooler() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop() {
  [ -f "$state/dir" ] || return 0
  local dir pid
  dir=$(cat "$state/dir")
  if [ -f "$dir/pgbouncer.pid" ]; then
    pid=$(cat "$dir/pgbouncer.pid")
    stop_pid "$pid"
  fi
  rm -rf "$dir" "$state"
}

[ "$command" = stop ] && { stop; exit 0; }

server_port=$3
command -v pgbouncer >/dev/null || { echo "pgbouncer.sh: no pgbouncer: install the pgbouncer package" >&2; exit 1; }
stop
mkdir -p "$state"
dir=$(mktemp -d /tmp/strata-pgbouncer-XXXXXX)
echo "$dir" > "$state/dir"
printf '"postgres" "%s"\n' "$password" > "$dir/users.txt"
chmod 600 "$dir/users.txt"
port=26432
while ! port_free "$port"; do port=$((port + 1)); done
cat > "$dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$server_port
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $dir/users.txt
pool_mode = transaction
max_client_conn = 200
default_pool_size = 20
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
[ "$(id -u)" -eq 0 ] && chown -R postgres "$dir"
as_pooler pgbouncer -d "$dir/pgbouncer.ini" || { cat "$dir/pgbouncer.log" >&2 || true; exit 1; }
for _ in $(seq 1 100); do
  port_free "$port" || { echo "$port"; exit 0; }
  sleep 0.1
done
echo "pgbouncer.sh: the pooler did not start" >&2
tail -n 20 "$dir/pgbouncer.log" >&2 || true
exit 1
