#!/usr/bin/env bash
# Installs the build into a temporary prefix and uses it as a product would, with no path into
# the build tree and no environment set: the installed strata finds its plugins, and an
# application built by find_package(strata) migrates at start-up and refuses to start on a
# broken migration.
#
#   check.sh <build dir> <source dir>
set -euo pipefail
build=$(cd "$1" && pwd)
source=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"

cmake --install "$build" --prefix "$prefix" >/dev/null
unset STRATA_PLUGIN_PATH STRATA_DATABASE_URL DATABASE_URL

# The installed command finds the plugins installed next to its library.
drivers=$(cd "$work" && "$prefix/bin/strata" drivers)
echo "$drivers" | grep -q "$prefix/lib.*/strata/strata-driver-sqlite.so" || { echo "$drivers"; echo "FAIL: no installed sqlite plugin"; exit 1; }
(cd "$work" && "$prefix/bin/strata" migrate --url "sqlite:$work/cli.db" --dir "$source/migrations") |
  grep -q "6 migrations applied" || { echo "FAIL: the installed strata did not migrate the example project"; exit 1; }

# pkg-config knows it.
PKG_CONFIG_PATH=$(dirname "$(find "$prefix" -name strata.pc | head -n 1)") pkg-config --modversion strata >/dev/null

# An application built against the installed package.
cmake -S "$source/examples/startup" -B "$work/app" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/app" >/dev/null
app="$work/app/incident-service"
(cd "$work" && DATABASE_URL="sqlite:$work/app.db" "$app") 2>"$work/first.log" || { cat "$work/first.log"; exit 1; }
grep -q "applied 3" "$work/first.log" && grep -q "info: ready" "$work/first.log" || { cat "$work/first.log"; echo "FAIL: start-up"; exit 1; }
(cd "$work" && DATABASE_URL="sqlite:$work/app.db" "$app") 2>"$work/second.log"
grep -q "the schema is up to date" "$work/second.log" || { cat "$work/second.log"; echo "FAIL: restart"; exit 1; }

# Drift: someone created the table by hand. The service refuses to start, saying why, with
# strata's exit code, and the database keeps no trace of the attempt.
sqlite3 "$work/drifted.db" "CREATE TABLE incidents (id INTEGER PRIMARY KEY)"
set +e
(cd "$work" && DATABASE_URL="sqlite:$work/drifted.db" "$app") 2>"$work/broken.log"
code=$?
set -e
[ "$code" -eq 1 ] || { cat "$work/broken.log"; echo "FAIL: exit $code, expected 1"; exit 1; }
grep -q "not starting" "$work/broken.log" && grep -q "V1__incidents.sql" "$work/broken.log" &&
  grep -q "already exists" "$work/broken.log" && ! grep -q "info: ready" "$work/broken.log" ||
  { cat "$work/broken.log"; echo "FAIL: the refusal"; exit 1; }
[ "$(sqlite3 "$work/drifted.db" "SELECT COUNT(*) FROM strata_history WHERE kind <> 'ledger'")" = 0 ] ||
  { echo "FAIL: the failed start left a ledger row"; exit 1; }
echo "installed strata: plugins found, example built with find_package(strata), start-up migrated and refused as it should"
