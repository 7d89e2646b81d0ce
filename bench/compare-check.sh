#!/usr/bin/env bash
# Two builds of strata on the up-to-date check of one database, paired in one run (A B A B ...):
# before and after a change to the core, on any backend and any number of migrations. Prints the
# medians of the wall time, the page faults and the peak RSS of each whole process, and B/A.
# Where memory is time (a page fault costs about 10 µs on a virtual machine), the faults say why.
#
#   bench/compare-check.sh <strata A> <strata B> <database URL> <migrations dir> [runs, default 21]
#
# The database must be up to date with the directory (run `strata migrate` first): the script
# checks that A takes no lock, so it measures the check and nothing else. The URL is never
# printed. A build before a change: git worktree add ../before <commit> && (cd ../before &&
# scripts/build build), then bench/compare-check.sh ../before/build/bin/strata build/bin/strata ...
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
[ $# -ge 4 ] || { sed -n '2,12p' "$0" >&2; exit 2; }
a=$1 b=$2 url=$3 dir=$4 runs=${5:-21}
for s in "$a" "$b"; do [ -x "$s" ] || { echo "not a strata binary: $s" >&2; exit 2; }; done
[ -x /usr/bin/time ] || { echo "needs GNU time (Debian package time)" >&2; exit 2; }
[ "$("$a" migrate --url "$url" --dir "$dir" --json | grep -c '"lock_taken": *false')" = 1 ] ||
  { echo "the database is not up to date with $dir: run strata migrate first" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for _ in $(seq 1 "$runs"); do
  for x in a b; do
    bin=$a; [ "$x" = b ] && bin=$b
    timed "$work/wall_$x" /usr/bin/time -f '%M %R' -o "$work/last" "$bin" migrate --url "$url" --dir "$dir"
    read -r rss faults < <(tail -1 "$work/last")
    echo "$rss" >> "$work/rss_$x"
    echo "$faults" >> "$work/faults_$x"
  done
done
m() { median < "$work/$1"; }
echo "up-to-date check on ${url%%:*}, $(find "$dir" -maxdepth 1 -type f | wc -l) files, median of $runs paired runs (A B A B ...); $(nproc) cores"
echo "  A: $a"
echo "  B: $b"
printf '%-22s A %9s   B %9s   B/A %s\n' "wall, ms" "$(m wall_a)" "$(m wall_b)" "$(ratio "$(m wall_b)" "$(m wall_a)")"
printf '%-22s A %9s   B %9s   B/A %s\n' "page faults" "$(m faults_a)" "$(m faults_b)" "$(ratio "$(m faults_b)" "$(m faults_a)")"
printf '%-22s A %9s   B %9s   B/A %s\n' "peak RSS, KB" "$(m rss_a)" "$(m rss_b)" "$(ratio "$(m rss_b)" "$(m rss_a)")"
