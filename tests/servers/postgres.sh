#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite.
#
#   postgres.sh start <state dir> <config file> <strata command> <example dir>
#   postgres.sh stop  <state dir>
#   postgres.sh restart <state dir>   pg_ctl restart -m fast (the fault tests)
#
# start: initdb in a fresh directory (scratch.sh: in memory where it can), start the server on the
# first free loopback port from 25432 (never the default port), and write the conformance suite's
# config file (KEY=VALUE lines) with the URLs. As root, the server runs as the postgres user. Every
# connection authenticates with scram-sha-256 and the password of password.sh, which the suite looks
# for in every output. Any failure is an error: a test that cannot reach its server must fail, never
# pass quietly.
set -euo pipefail
# shellcheck source=password.sh
source "$(dirname "$0")/password.sh"
# shellcheck source=scratch.sh
source "$(dirname "$0")/scratch.sh"

command=$1
state=$2

bindir=$(pg_config --bindir 2>/dev/null || true)
[ -x "$bindir/initdb" ] || bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bindir/initdb" ] || { echo "postgres.sh: no initdb found: install the postgresql package" >&2; exit 1; }

as_server() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop() {
  [ -f "$state/dir" ] || return 0
  local dir
  dir=$(cat "$state/dir")
  as_server "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir" "$state"
}

if [ "$command" = stop ]; then
  stop
  exit 0
fi
if [ "$command" = restart ]; then
  dir=$(cat "$state/dir")
  as_server "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 30 -l "$dir/server.log" restart >/dev/null
  exit 0
fi

config=$3
cli=$4
example=$5
stop  # a previous run's leftovers
mkdir -p "$state"
dir=$(server_dir pg)
echo "$dir" > "$state/dir"
printf '%s\n' "$password" > "$dir/pwfile"
[ "$(id -u)" -eq 0 ] && chown postgres "$dir" "$dir/pwfile"
as_server "$bindir/initdb" -D "$dir/data" -U postgres -A scram-sha-256 --pwfile="$dir/pwfile" --no-sync --no-locale \
  -E UTF8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
rm "$dir/pwfile"

port=25432
started=""
for attempt in $(seq 1 40); do
  if port_free "$port" &&
     as_server "$bindir/pg_ctl" -D "$dir/data" -w -t 30 -l "$dir/server.log" \
       -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200" \
       start >/dev/null 2>&1; then
    started=yes
    break
  fi
  port=$((port + 1))
done
[ -n "$started" ] || { echo "postgres.sh: the server did not start" >&2; tail -n 20 "$dir/server.log" >&2 || true; exit 1; }

base="postgres://postgres:$password_in_url@127.0.0.1:$port"
cat > "$config" <<CONF
STRATA_TEST_DATABASE=$base/{name}
STRATA_TEST_ADMIN_URL=$base/postgres
STRATA_TEST_CREATE_SQL=CREATE DATABASE "{name}"
STRATA_TEST_DROP_SQL=DROP DATABASE IF EXISTS "{name}" WITH (FORCE)
STRATA_TEST_FLEET_DATABASES=20
STRATA_TEST_FLEET_SCHEMAS=200
STRATA_TEST_SESSIONS_SQL=SELECT COUNT(*) FROM pg_stat_activity WHERE application_name LIKE 'strata % pid {pid}' OR application_name LIKE 'strata % pid {pid},%'
STRATA_TEST_CLI=$cli
STRATA_TEST_EXAMPLE_DIR=$example
STRATA_TEST_UNREACHABLE_URL=postgres://postgres:$password_in_url@127.0.0.1:1/nothing?connect_timeout=2
STRATA_TEST_SLOW_SQL=SELECT pg_sleep(60)
STRATA_TEST_PAUSE_SQL=SELECT pg_sleep(0.05)
STRATA_TEST_NO_TRANSACTION_SQL=CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_base_id ON base (id)
STRATA_TEST_NO_TRANSACTION_INDEX=ix_base_id
STRATA_TEST_SQLITE_PRAGMAS=none
STRATA_TEST_MIGRATORS=16
STRATA_TEST_RENDERED_CONTAINS=ADD COLUMN IF NOT EXISTS
STRATA_TEST_SERVER_URL=$base/postgres
STRATA_TEST_SWITCH_SQL=SET search_path TO {other}
STRATA_TEST_SESSION_SETUP_SQL=CREATE ROLE {role}
STRATA_TEST_SESSION_SQL=SET session_replication_role = replica; SET ROLE {role}
STRATA_TEST_SESSION_PROBE=current_user::text || ' ' || current_setting('session_replication_role')
STRATA_TEST_SESSION_CHANGED=role,session_replication_role
STRATA_TEST_PASSWORD=$password
CONF
# The same server for the suite on the profile forced for engines strata recognises but has no
# server of (lock=lease&transactional_ddl=off): the lease lock, statement by statement.
# Statement by statement, strata's progress writes run in the migration's session: a migration
# that takes a role without rights on the ledger fails there (as on MySQL), so the session test
# changes a setting and no role in this profile (docs/user-guide.md, "Where strata's lock holds").
sed -e 's|^STRATA_TEST_DATABASE=.*|&?lock=lease\&transactional_ddl=off|' -e 's|^STRATA_TEST_UNREACHABLE_URL=.*|&\&lock=lease|' \
  -e 's|^STRATA_TEST_SESSION_SQL=.*|STRATA_TEST_SESSION_SQL=SET session_replication_role = replica|' \
  -e 's|^STRATA_TEST_SESSION_CHANGED=.*|STRATA_TEST_SESSION_CHANGED=session_replication_role|' \
  "$config" > "${config%.conf}-lease.conf"
echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
