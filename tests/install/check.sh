#!/usr/bin/env bash
# Installs the build into a temporary prefix and uses it as a product would, with no path into
# the build tree and no environment set: the installed strata finds its drivers, an
# application built by find_package(strata) migrates at start-up and refuses to start on a
# broken migration, and a driver built out of tree passes the installed conformance suite.
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

# The installed command finds the plugins installed next to its library; a build with the
# drivers linked in (STRATA_STATIC_DRIVERS) has them built into the command itself.
static=false
grep -q '^STRATA_STATIC_DRIVERS:BOOL=ON' "$build/CMakeCache.txt" && static=true
drivers=$(cd "$work" && "$prefix/bin/strata" drivers)
if $static; then
  echo "$drivers" | grep -q "sqlite  (built in)" || { echo "$drivers"; echo "FAIL: no built-in sqlite driver"; exit 1; }
  ! ldd "$prefix/bin/strata" | grep -q libstrata || { echo "FAIL: the static strata needs libstrata"; exit 1; }
else
  echo "$drivers" | grep -q "$prefix/lib.*/strata/strata-driver-sqlite.so" || { echo "$drivers"; echo "FAIL: no installed sqlite plugin"; exit 1; }
fi
! echo "$drivers" | grep -q "$build" || { echo "$drivers"; echo "FAIL: the installed strata searches the build tree"; exit 1; }
(cd "$work" && "$prefix/bin/strata" migrate --url "sqlite:$work/cli.db" --dir "$source/migrations") |
  grep -q "6 migrations applied" || { echo "FAIL: the installed strata did not migrate the example project"; exit 1; }

# The installed Python package finds the library of its own prefix: no STRATA_LIBRARY, no
# library path.
python_dir="$prefix/lib/python3/dist-packages"
python_env=(env -u STRATA_LIBRARY PYTHONPATH="$python_dir")
if grep -q '^STRATA_SANITIZE:BOOL=ON' "$build/CMakeCache.txt"; then
  # Python is not built with the sanitizers: their runtimes must be loaded first (as for the
  # Python tests). Leaks are the C test's to find.
  python_env+=(LD_PRELOAD="$(c++ -print-file-name=libasan.so):$(c++ -print-file-name=libubsan.so)"
    ASAN_OPTIONS=detect_leaks=0)
fi
version=$(cd "$work" && "${python_env[@]}" /usr/bin/python3 -c "
import strata
print(strata.migrate(url='sqlite:$work/python.db', dir='$source/migrations').current_version, strata._library._name)") ||
  { echo "FAIL: the installed Python package did not migrate"; exit 1; }
[[ $version == "9 $prefix/"* ]] || { echo "$version"; echo "FAIL: the installed Python package used another library"; exit 1; }

# cpack makes the two Debian packages: strata, and python3-strata depending on it.
(cd "$build" && cpack -G DEB -B "$work/deb" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; echo "FAIL: cpack"; exit 1; }
deb_python=$(ls "$work"/deb/python3-strata_*_all.deb) && deb_strata=$(ls "$work"/deb/strata_*.deb) ||
  { ls "$work/deb"; echo "FAIL: cpack did not make strata and python3-strata"; exit 1; }
[[ $(dpkg-deb -f "$deb_python" Depends) == "strata (= "*"), python3" ]] ||
  { dpkg-deb -f "$deb_python" Depends; echo "FAIL: python3-strata's dependencies"; exit 1; }
in_python=$(dpkg-deb -c "$deb_python") in_strata=$(dpkg-deb -c "$deb_strata")
[[ $in_python == *"/usr/lib/python3/dist-packages/strata/__init__.py"* && $in_strata == *"libstrata-c.so.1"* &&
  $in_strata != *"dist-packages"* ]] || { echo "FAIL: the packages' contents"; exit 1; }

# A directory means the same whatever plugins are installed: reading it loads no plugin, and a
# file's dialect tag never depends on them. The plan is the same with three, two and one.
if ! $static; then
  variants="$work/variants"
  mkdir -p "$variants"
  echo "CREATE TABLE teams (id INTEGER);" >"$variants/V1__teams.sql"
  echo "CREATE TABLE teams (id INTEGER) ENGINE=InnoDB;" >"$variants/V1__teams.mysql.sql"
  echo "CREATE TABLE notes (id INTEGER);" >"$variants/002_notes.up.sql"
  echo "CREATE TABLE notes (id BIGINT);" >"$variants/002_notes.postgres.up.sql"
  sqlite3 "$work/variants.db" "CREATE TABLE t (id INTEGER); DROP TABLE t;"
  plugins=$(dirname "$(find "$prefix" -name strata-driver-sqlite.so)")
  mkdir "$work/aside"
  plan() { (cd "$work" && "$prefix/bin/strata" migrate --dry-run --url "sqlite:$work/variants.db" --dir "$variants"); }
  three=$(plan) || { echo "$three"; echo "FAIL: the dry run with every plugin"; exit 1; }
  echo "$three" | grep -q "V1__teams.sql" && echo "$three" | grep -q "002_notes.up.sql" ||
    { echo "$three"; echo "FAIL: the plain files were not chosen"; exit 1; }
  for other in mysql postgres; do
    [ -f "$plugins/strata-driver-$other.so" ] && mv "$plugins/strata-driver-$other.so" "$work/aside/"
    fewer=$(plan) || { echo "$fewer"; echo "FAIL: the dry run without the $other plugin"; exit 1; }
    [ "$fewer" = "$three" ] || { diff <(echo "$three") <(echo "$fewer"); echo "FAIL: without $other the plan differs"; exit 1; }
  done
  mv "$work/aside/"* "$plugins/"
fi

# pkg-config knows it, and its flags build and link the example (relocated: the prefix is found
# from the .pc file's place).
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(dirname "$(find "$prefix" -name strata.pc | head -n 1)")
pkg-config --modversion strata >/dev/null
# shellcheck disable=SC2046
c++ -std=c++20 "$source/examples/startup/main.cpp" -o "$work/pkg-config-app" $(pkg-config --cflags --libs strata) \
  -Wl,-rpath,"$(pkg-config --variable=libdir strata)"
(cd "$work" && DATABASE_URL="sqlite:$work/pkg-config.db" "$work/pkg-config-app") 2>&1 | grep -q "info: ready" ||
  { echo "FAIL: the example built with pkg-config's flags did not start"; exit 1; }

# An application built against the installed package.
cmake -S "$source/examples/startup" -B "$work/app" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/app" >/dev/null
app="$work/app/incident-service"
if $static; then
  ! ldd "$app" | grep -q libstrata || { echo "FAIL: the application needs libstrata: its drivers are not linked in"; exit 1; }
fi
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
[ "$(sqlite3 "$work/drifted.db" "SELECT COUNT(*) FROM strata_history")" = 0 ] ||
  { echo "FAIL: the failed start left a ledger row"; exit 1; }
# A third party's driver, built out of tree against the installed SDK, loaded by the installed
# strata through STRATA_PLUGIN_PATH, passes the installed conformance suite. (A strata with its
# drivers linked in loads no plugins, and does not install the suite.)
if ! $static; then
  cmake -S "$source/examples/driver-template" -B "$work/litefile" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
  cmake --build "$work/litefile" >/dev/null
  (cd "$work/litefile" && ctest --output-on-failure) > "$work/litefile.log" 2>&1 ||
    { cat "$work/litefile.log"; echo "FAIL: the out-of-tree driver did not pass the installed conformance suite"; exit 1; }
  grep -q "100% tests passed" "$work/litefile.log" || { cat "$work/litefile.log"; exit 1; }
fi
$static && echo "(drivers linked in: one binary)"
echo "installed strata: drivers found, the Python package finds its library, cpack makes strata and python3-strata, examples/startup built with find_package(strata) and pkg-config, start-up migrated and refused as it should; examples/driver-template passed the installed conformance suite"
