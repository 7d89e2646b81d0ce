# Shared by the benchmarks: timing in milliseconds, medians, ratios. Sourced, not run.
#
# The servers a benchmark starts keep their data on disk, as a product's do (the test suite's
# keep theirs in memory where they can: tests/servers/scratch.sh); STRATA_SERVER_DIR chooses
# another place.
export STRATA_SERVER_DIR=${STRATA_SERVER_DIR:-/tmp}

now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
# Median of the numbers on standard input.
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }'; }
# timed <file> <command...>: runs the command, appends its milliseconds to <file> (to 0.1 ms,
# read from bash's clock: no process is started to read the time).
timed() {
  local out=$1 t0 t1 us
  shift
  t0=${EPOCHREALTIME//[!0-9]/}  # whatever the locale's decimal separator
  "$@" >/dev/null
  t1=${EPOCHREALTIME//[!0-9]/}
  us=$((t1 - t0))
  printf '%d.%d\n' $((us / 1000)) $(((us % 1000) / 100)) >> "$out"
}
# The strata command of this build tree, or an error.
strata_binary() {
  local strata="$PWD/build/bin/strata"
  [ -x "$strata" ] || { echo "build strata first (scripts/build)" >&2; exit 2; }
  echo "$strata"
}
# dbmate's own Go binary: the one the npm package `dbmate` installs for this platform
# (npm install --prefix bench dbmate: bench/node_modules/@dbmate/linux-x64/bin/dbmate), else a
# dbmate on PATH that is not a script (the npm package's bin/dbmate is a Node.js wrapper that adds
# Node's start-up to every call); "" when absent.
dbmate_binary() {
  local go="$PWD/bench/node_modules/@dbmate/linux-x64/bin/dbmate" found
  [ -x "$go" ] && { echo "$go"; return; }
  found=$(command -v dbmate) || return 0
  found=$(readlink -f "$found")
  head -c 2 "$found" | grep -q '#!' || echo "$found"
}
# A Python interpreter that can import alembic (Debian package python3-alembic), the first
# python3 on PATH that can; "" when none can. Run Alembic as "$python" -m alembic, and write
# its project with "$python" bench/alembic-project.py.
alembic_python() {
  local py
  for py in $(type -ap python3); do
    "$py" -c 'import alembic, sys; print(sys.executable)' 2>/dev/null && return
  done
  true
}
# A work directory ($work), removed on exit with every server start_server started in it.
bench_workdir() {
  work=$(mktemp -d)
  started=()
  trap bench_cleanup EXIT
}
bench_cleanup() {
  for b in "${started[@]}"; do tests/servers/"$b".sh stop "$work/$b-server" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
# start_server <backend>: a throwaway server of tests/servers/<backend>.sh on loopback, its
# URLs in $work/<backend>.conf; stopped on exit.
start_server() {
  tests/servers/"$1".sh start "$work/$1-server" "$work/$1.conf" "$strata" migrations >/dev/null
  started+=("$1")
}
# server_urls <conf>: from a configuration tests/servers/*.sh wrote, $admin (the URL of the
# server's own database), $base (the server's URL without a database) and $port; and $psql_bin,
# the psql of the PostgreSQL those scripts start (pg_config's), else the one on PATH.
server_urls() {
  admin=$(sed -n 's/^STRATA_TEST_ADMIN_URL=//p' "$1")
  base=${admin%/*}
  port=${base##*:}
  psql_bin=$(pg_config --bindir 2>/dev/null)/psql
  [ -x "$psql_bin" ] || psql_bin=psql
}
