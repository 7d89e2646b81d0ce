#!/usr/bin/env bash
# The Python package (python/strata, over libstrata-c) against the C++ it calls, on SQLite:
# - the up-to-date check of N migrations (one table and one index each): strata.migrate in one
#   Python process against strata::migrate in one C++ process (bench/inprocess_check.cpp), each
#   the median of 21 calls after the first, the two run in turn (A B A B ...);
# - the package's own work on a returned document (reading it through ctypes, parsing it,
#   building the Report) against json.loads of the same text, for migrate's and status's;
# - `import strata`, byte-compiled as an installed package is, with -X importtime.
#
#   bench/python.sh [N migrations, default 1000] [runs, default 7]
#
# Needs the build (scripts/build) and Debian's /usr/bin/python3. Prints medians and ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
n=${1:-1000}
runs=${2:-7}
strata=$(strata_binary)
inprocess="$PWD/build/bin/strata-bench-inprocess"
library="$PWD/build/lib/libstrata-c.so"
python=/usr/bin/python3
[ -x "$inprocess" ] && [ -f "$library" ] || { echo "build strata first (scripts/build)" >&2; exit 2; }

bench_workdir
mkdir "$work/migrations"
for i in $(seq 1 "$n"); do
  printf 'CREATE TABLE t%s (id INTEGER PRIMARY KEY, name TEXT NOT NULL, created_at TEXT);\nCREATE INDEX ix_t%s_name ON t%s (name);\n' \
    "$i" "$i" "$i" > "$work/migrations/V${i}__table_$i.sql"
done
url="sqlite:$work/bench.db"
"$strata" migrate --url "$url" --dir "$work/migrations" > /dev/null
export STRATA_LIBRARY="$library" PYTHONPATH="$PWD/python"

: > "$work/cpp"; : > "$work/python"
for _ in $(seq 1 "$runs"); do
  "$inprocess" "$url" "$work/migrations" 21 | sed 's/.*median \([0-9.]*\) ms/\1/' >> "$work/cpp"
  "$python" bench/python_check.py check "$url" "$work/migrations" 21 >> "$work/python"
done
overhead=$("$python" bench/python_check.py overhead "$url" "$work/migrations" 50)

# import strata as installed: byte-compiled, the bytecode read (not written) at import.
mkdir "$work/site"
cp -r python/strata "$work/site/"
"$python" -m compileall -q "$work/site/strata"
: > "$work/import"
for _ in $(seq 1 21); do
  env -u PYTHONDONTWRITEBYTECODE PYTHONPATH="$work/site" "$python" -X importtime -c 'import strata' 2>&1 |
    awk -F'|' '$3 ~ / strata$/ { gsub(/ /, "", $2); print $2 / 1000 }' >> "$work/import"
done

cpp=$(median < "$work/cpp") py=$(median < "$work/python")
echo "$n migrations on SQLite $(sqlite3 --version | cut -d' ' -f1), $("$python" --version), medians of $runs runs in turn"
printf '%-52s %8s ms\n' "up-to-date check, strata::migrate (C++, in process)" "$cpp"
printf '%-52s %8s ms   %s of C++\n' "up-to-date check, strata.migrate (Python)" "$py" "$(ratio "$py" "$cpp")"
echo "$overhead" | while read -r command size package plain; do
  printf '%-52s %8s ms   json.loads %s ms: %s\n' "the package's work on $command's document ($size bytes)" "$package" "$plain" \
    "$(ratio "$package" "$plain")"
done
printf '%-52s %8s ms\n' "import strata (its own and what it imports)" "$(median < "$work/import")"
