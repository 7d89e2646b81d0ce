#!/usr/bin/env bash
# A throwaway 2-node MariaDB Galera cluster on loopback, for the lock tests.
#
#   galera.sh start <state dir>    prints "<port of node 1> <port of node 2>"
#   galera.sh stop  <state dir>
#
# Node 1 bootstraps the cluster, node 2 joins it with a state transfer (rsync). Both listen on
# the first free ports from 24306 (SQL) and 24567 (group communication), never the defaults.
# Root has no password: the cluster is reachable from loopback only and lives for one test.
# The servers run as the `mysql` account when run as root (rsync's state transfer then runs
# as the owner of the data), as the invoking user otherwise. Any failure is an error.
set -euo pipefail
# shellcheck source=process.sh
source "$(dirname "$0")/process.sh"
# shellcheck source=scratch.sh
source "$(dirname "$0")/scratch.sh"

command=$1
state=$2
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop() {
  [ -f "$state/dir" ] || return 0
  local dir pid
  dir=$(cat "$state/dir")
  for node in 2 1; do
    [ -f "$dir/n$node/pid" ] || continue
    pid=$(cat "$dir/n$node/pid")
    stop_pid "$pid"
  done
  rm -rf "$dir" "$state"
}

[ "$command" = stop ] && { stop; exit 0; }

stop
mkdir -p "$state"
dir=$(server_dir galera)
echo "$dir" > "$state/dir"
user=$(id -un)
[ "$(id -u)" -eq 0 ] && user=mysql
mkdir -p "$dir/n1" "$dir/n2/data"
chmod 755 "$dir"
mariadb-install-db --no-defaults --datadir="$dir/n1/data" --user="$user" --auth-root-authentication-method=normal \
  --skip-test-db >"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; exit 1; }
chown -R "$user" "$dir/n1" "$dir/n2"

# Four free ports in a row from each base: SQL, then group communication, IST and SST.
free_from() {
  local p=$1
  while ! (port_free "$p" && port_free $((p + 1)) && port_free $((p + 20)) && port_free $((p + 21)) &&
           port_free $((p + 40)) && port_free $((p + 41))); do p=$((p + 2)); done
  echo "$p"
}
sql=$(free_from 24306)
group=$(free_from 24567)
cluster="gcomm://127.0.0.1:$group,127.0.0.1:$((group + 1))"

node() {  # <n> [--wsrep-new-cluster]
  local n=$1 port=$((sql + $1 - 1)) g=$((group + $1 - 1))
  shift
  setsid mariadbd --no-defaults --user="$user" --datadir="$dir/n$n/data" --port="$port" --bind-address=127.0.0.1 \
    --socket="$dir/n$n/sock" --pid-file="$dir/n$n/pid" --log-error="$dir/n$n/error.log" --skip-name-resolve \
    --binlog-format=ROW --default-storage-engine=InnoDB --innodb-autoinc-lock-mode=2 \
    --innodb-flush-log-at-trx-commit=2 --wsrep-on=ON --wsrep-provider=/usr/lib/galera/libgalera_smm.so \
    --wsrep-cluster-name=strata-test --wsrep-cluster-address="$cluster" --wsrep-node-address="127.0.0.1:$g" \
    --wsrep-provider-options="gmcast.listen_addr=tcp://127.0.0.1:$g;ist.recv_addr=127.0.0.1:$((g + 20))" \
    --wsrep-sst-method=rsync --wsrep-sst-receive-address="127.0.0.1:$((g + 40))" "$@" \
    </dev/null >>"$dir/n$n.out" 2>&1 &
  for _ in $(seq 1 600); do
    if mariadb --no-defaults --protocol=TCP -h127.0.0.1 -P "$port" -uroot -N \
         -e "SHOW STATUS LIKE 'wsrep_local_state_comment'" 2>/dev/null | grep -q Synced; then
      return 0
    fi
    sleep 0.1
  done
  echo "galera.sh: node $n did not join the cluster" >&2
  tail -n 30 "$dir/n$n/error.log" >&2 || true
  return 1
}
node 1 --wsrep-new-cluster
node 2
size=$(mariadb --no-defaults --protocol=TCP -h127.0.0.1 -P "$sql" -uroot -N -e "SHOW STATUS LIKE 'wsrep_cluster_size'" | awk '{print $2}')
[ "$size" = 2 ] || { echo "galera.sh: the cluster has $size nodes, not 2" >&2; exit 1; }
echo "$sql $((sql + 1))"
