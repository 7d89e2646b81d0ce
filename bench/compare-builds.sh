#!/usr/bin/env bash
# Two builds of strata on the same work, paired in one run (A B A B ...): before and after a
# change to the core, so that a refactoring is shown not to slow down what users feel. On
# SQLite: applying N migrations (one table and one index each, one transaction each) to a new
# database, and the up-to-date check on it (whole processes).
#
#   bench/compare-builds.sh <strata A> <strata B> [N migrations, default 1000] [runs, default 9]
#
# e.g. git worktree add ../before <commit> && (cd ../before && scripts/build build)
#      bench/compare-builds.sh ../before/build/bin/strata build/bin/strata
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
[ $# -ge 2 ] || { sed -n '2,10p' "$0" >&2; exit 2; }
a=$1 b=$2 n=${3:-1000} runs=${4:-9}
for s in "$a" "$b"; do [ -x "$s" ] || { echo "not a strata binary: $s" >&2; exit 2; }; done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/migrations"
for i in $(seq 1 "$n"); do
  printf 'CREATE TABLE t%s (id INTEGER PRIMARY KEY, name TEXT NOT NULL, created_at TEXT);\nCREATE INDEX ix_t%s_name ON t%s (name);\n' \
    "$i" "$i" "$i" > "$work/migrations/V${i}__table_$i.sql"
done
for f in apply_a apply_b check_a check_b; do : > "$work/$f"; done
migrate() { "$1" migrate --url "sqlite:$2" --dir "$work/migrations"; }
for r in $(seq 1 "$runs"); do
  rm -f "$work"/*.db
  for x in a b; do
    bin=$a; [ "$x" = b ] && bin=$b
    timed "$work/apply_$x" migrate "$bin" "$work/$x.db"
    [ "$(sqlite3 "$work/$x.db" "SELECT COUNT(*) FROM strata_history WHERE success")" = "$n" ] ||
      { echo "$bin did not apply every migration" >&2; exit 1; }
  done
  for x in a b; do
    bin=$a; [ "$x" = b ] && bin=$b
    timed "$work/check_$x" migrate "$bin" "$work/$x.db"
  done
done
m() { median < "$work/$1"; }
echo "SQLite $(sqlite3 --version | cut -d' ' -f1), $n migrations, median of $runs paired runs (A B A B ...)"
echo "  A: $a"
echo "  B: $b"
printf '%-40s A %7s ms   B %7s ms   B/A %s\n' "apply, one transaction each" "$(m apply_a)" "$(m apply_b)" "$(ratio "$(m apply_b)" "$(m apply_a)")"
printf '%-40s A %7s ms   B %7s ms   B/A %s\n' "up-to-date check (whole process)" "$(m check_a)" "$(m check_b)" "$(ratio "$(m check_b)" "$(m check_a)")"
