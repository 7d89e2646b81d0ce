#!/usr/bin/env bash
# A throwaway MariaDB server for the test suite.
#
#   mariadb.sh start <state dir> <config file> <strata command> <example dir>
#   mariadb.sh stop  <state dir>
#   mariadb.sh crash <state dir>     SIGKILL the server (the fault tests)
#   mariadb.sh restart <state dir>   start a crashed server again, on its port
#
# start: mariadb-install-db in a fresh directory (scratch.sh: in memory where it can), start
# mariadbd on the first free loopback port from 23306 (never the default port), wait until it
# answers, and write the conformance suite's config file. Every root account has the password of
# password.sh, which the suite looks for in every output. Any failure is an error: a test that
# cannot reach its server must fail, never pass quietly.
set -euo pipefail
# shellcheck source=password.sh
source "$(dirname "$0")/password.sh"
# shellcheck source=scratch.sh
source "$(dirname "$0")/scratch.sh"
# shellcheck source=process.sh
source "$(dirname "$0")/process.sh"

command=$1
state=$2
user=$(id -un)

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# stop: also says (exit 1, with the end of the server's log) when the server had died before
# it: a crash of the server is evidence, never to be removed with its directory unread.
stop() {
  [ -f "$state/dir" ] || return 0
  local dir pid
  dir=$(cat "$state/dir")
  if [ -f "$dir/mariadbd.pid" ]; then
    pid=$(cat "$dir/mariadbd.pid")
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "mariadb.sh: the server (pid $pid) had ended before it was stopped; the end of its log:" >&2
      tail -n 80 "$dir/error.log" >&2 || true
      died=yes
    fi
    stop_pid "$pid"
  fi
  rm -rf "$dir" "$state"
}

# serve <port>: starts mariadbd on the state's data directory; true once it answers. Each commit
# reaches the operating system (--innodb-flush-log-at-trx-commit=2, no fsync): a crash of the
# server process (the fault tests' SIGKILL) keeps what was committed, as a real server's does.
serve() {
  setsid mariadbd --no-defaults --user="$user" --datadir="$dir/data" --port="$1" --bind-address=127.0.0.1 \
    --socket="$dir/mysqld.sock" --pid-file="$dir/mariadbd.pid" --log-error="$dir/error.log" --skip-log-bin \
    --innodb-flush-log-at-trx-commit=2 --max-connections=300 \
    --ssl-cert="$dir/cert.pem" --ssl-key="$dir/key.pem" </dev/null >>"$dir/stdout.log" 2>&1 &
  local server=$!
  for _ in $(seq 1 300); do
    mariadb-admin --no-defaults --protocol=TCP -h127.0.0.1 -P "$1" -uroot ping >/dev/null 2>&1 && return 0
    kill -0 "$server" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

case $command in
  stop) stop; [ -z "${died:-}" ] || exit 1; exit 0 ;;
  crash)
    dir=$(cat "$state/dir")
    kill -9 "$(cat "$dir/mariadbd.pid")"
    exit 0
    ;;
  restart)
    dir=$(cat "$state/dir")
    serve "$(cat "$state/port")" || { echo "mariadb.sh: the server did not start again" >&2; tail -n 20 "$dir/error.log" >&2; exit 1; }
    exit 0
    ;;
esac

config=$3
cli=$4
example=$5
stop
mkdir -p "$state"
dir=$(server_dir my)
echo "$dir" > "$state/dir"
mariadb-install-db --no-defaults --datadir="$dir/data" --user="$user" --auth-root-authentication-method=normal \
  --skip-test-db >"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; exit 1; }

# A certificate for TLS connections (the test trusts it as its CA).
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -days 2 \
  -keyout "$dir/key.pem" -out "$dir/cert.pem" >"$dir/openssl.log" 2>&1 || { cat "$dir/openssl.log" >&2; exit 1; }

port=23306
started=""
for attempt in $(seq 1 40); do
  if port_free "$port" && serve "$port"; then
    started=yes
    echo "$port" > "$state/port"
    break
  fi
  port=$((port + 1))
done
[ -n "$started" ] || { echo "mariadb.sh: the server did not start" >&2; tail -n 20 "$dir/error.log" >&2 || true; exit 1; }

# Password authentication for every root account (mariadb-install-db makes them without one).
as_root() { mariadb --no-defaults --socket="$dir/mysqld.sock" -uroot "$@"; }
statements=""
for host in $(as_root -N -e "SELECT host FROM mysql.user WHERE user = 'root'"); do
  statements+="ALTER USER 'root'@'$host' IDENTIFIED BY '$password';"
done
as_root -e "$statements"

base="mysql://root:$password_in_url@127.0.0.1:$port"
cat > "$config" <<CONF
STRATA_TEST_DATABASE=$base/{name}
STRATA_TEST_ADMIN_URL=$base/mysql
STRATA_TEST_CREATE_SQL=CREATE DATABASE \`{name}\`
STRATA_TEST_DROP_SQL=SET STATEMENT lock_wait_timeout=5 FOR DROP DATABASE IF EXISTS \`{name}\`
STRATA_TEST_FLEET_DATABASES=50
STRATA_TEST_SESSIONS_SQL=SELECT COUNT(DISTINCT DB) FROM information_schema.PROCESSLIST WHERE DB LIKE 'strata\_t{test_pid}\_%'
STRATA_TEST_CLI=$cli
STRATA_TEST_EXAMPLE_DIR=$example
STRATA_TEST_UNREACHABLE_URL=mysql://root:$password_in_url@127.0.0.1:1/nothing?connect_timeout=2
STRATA_TEST_SLOW_SQL=DO SLEEP(6)
STRATA_TEST_PAUSE_SQL=DO SLEEP(0.05)
STRATA_TEST_TIMEOUT_SQL=SELECT COUNT(*) FROM information_schema.COLUMNS a, information_schema.COLUMNS b, information_schema.COLUMNS c
STRATA_TEST_NO_TRANSACTION_SQL=none
STRATA_TEST_SQLITE_PRAGMAS=none
STRATA_TEST_MIGRATORS=16
STRATA_TEST_RENDERED_CONTAINS=ADD COLUMN IF NOT EXISTS
STRATA_TEST_SOCKET_DATABASE=mysql://root:$password_in_url@localhost/{name}?socket=$dir/mysqld.sock
STRATA_TEST_TLS_DATABASE=$base/{name}?ssl-ca=$dir/cert.pem
STRATA_TEST_SWITCH_SQL=USE {other}
STRATA_TEST_SESSION_SQL=SET FOREIGN_KEY_CHECKS=0; SET sql_mode=''
STRATA_TEST_SESSION_PROBE=CAST(CONCAT(@@foreign_key_checks, ' ', @@sql_mode) AS CHAR(200))
STRATA_TEST_SESSION_CHANGED=foreign_key_checks,sql_mode
STRATA_TEST_TLS_CHECK_SQL=SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_cipher'
STRATA_TEST_PASSWORD=$password
CONF
# The same server again with the MySQL 8 path forced (compat=mysql8): MySQL 8's dialect and no
# IF [NOT] EXISTS on columns and indexes, since no MySQL 8 server can be installed here.
sed -e 's|^STRATA_TEST_DATABASE=.*|&?compat=mysql8|' \
    -e 's|^STRATA_TEST_UNREACHABLE_URL=.*|&\&compat=mysql8|' \
    -e 's|^STRATA_TEST_\(SOCKET\|TLS\)_DATABASE=.*|&\&compat=mysql8|' \
    -e 's|^STRATA_TEST_RENDERED_CONTAINS=.*|STRATA_TEST_RENDERED_LACKS=IF NOT EXISTS|' \
    "$config" > "${config%.conf}-mysql8.conf"
# And for the suite on the profile forced for engines strata recognises but has no server of
# (lock=lease&transactional_ddl=off; MariaDB has no transactional DDL anyway).
sed -e 's|^STRATA_TEST_DATABASE=.*|&?lock=lease\&transactional_ddl=off|' -e 's|^STRATA_TEST_UNREACHABLE_URL=.*|&\&lock=lease|' \
    -e 's|^STRATA_TEST_\(SOCKET\|TLS\)_DATABASE=.*|&\&lock=lease|' "$config" > "${config%.conf}-lease.conf"
echo "$(mariadbd --version | awk '{print $3}') on 127.0.0.1:$port"
