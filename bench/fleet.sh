#!/usr/bin/env bash
# A fleet of SQLite databases: one `strata migrate --fleet` process against one `strata migrate`
# process per database (docs/performance.md).
#
#   bench/fleet.sh [targets, default 1000] [runs, default 3]
#
# The example project, applied once to every database beforehand (not timed); then, paired in
# one run (the order flips every run), the up-to-date check of every database:
#   processes   strata migrate --url sqlite:<db>, one process per database, one after another;
#   fleet-1     strata migrate --fleet targets.txt --parallel 1;
#   fleet-2     strata migrate --fleet targets.txt --parallel 2.
# Prints medians and ratios, and the fleet's peak memory at 1/10 and all of the targets (the
# report is streamed: memory should not grow with the fleet).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
n=${1:-1000}
runs=${2:-3}
strata=$(strata_binary)
bench_workdir

mkdir "$work/t"
for i in $(seq 1 "$n"); do : > "$work/t/tenant$i.db"; done
echo "@glob sqlite:$work/t/tenant*.db" > "$work/targets.txt"
"$strata" migrate --fleet "$work/targets.txt" --dir migrations --parallel 2 >/dev/null
processes() { for f in "$work"/t/tenant*.db; do "$strata" migrate --url "sqlite:$f" --dir migrations >/dev/null; done; }
fleet() { "$strata" migrate --fleet "$work/targets.txt" --dir migrations --parallel "$1" >/dev/null; }
: > "$work/processes"; : > "$work/fleet-1"; : > "$work/fleet-2"
for r in $(seq 1 "$runs"); do
  order=(processes fleet-1 fleet-2)
  [ $((r % 2)) -eq 0 ] && order=(fleet-2 fleet-1 processes)
  for kind in "${order[@]}"; do
    case $kind in
      processes) timed "$work/processes" processes ;;
      fleet-1) timed "$work/fleet-1" fleet 1 ;;
      fleet-2) timed "$work/fleet-2" fleet 2 ;;
    esac
  done
done
m() { median < "$work/$1"; }
peak() {  # <targets file>: the fleet's peak resident memory, in MB
  /usr/bin/time -f '%M' "$strata" migrate --fleet "$1" --dir migrations --parallel 2 2>&1 >/dev/null | tail -n 1 |
    awk '{printf "%.1f", $1 / 1024}'
}
ls "$work"/t/tenant*.db | head -n $((n / 10)) | sed 's/^/sqlite:/' > "$work/tenth.txt"
echo "$n SQLite databases up to date (the example project), median of $runs paired runs"
printf '  %-48s %9s ms\n' "strata migrate, one process per database" "$(m processes)"
printf '  %-48s %9s ms   %s of the processes\n' "strata migrate --fleet --parallel 1" "$(m fleet-1)" \
  "$(ratio "$(m fleet-1)" "$(m processes)")"
printf '  %-48s %9s ms   %s of the processes\n' "strata migrate --fleet --parallel 2" "$(m fleet-2)" \
  "$(ratio "$(m fleet-2)" "$(m processes)")"
printf '  %-48s %9s ms per database\n' "the fleet at --parallel 1" \
  "$(awk -v t="$(m fleet-1)" -v n="$n" 'BEGIN { printf "%.2f", t / n }')"
printf '  peak memory of the fleet: %s MB at %d databases, %s MB at %d\n' "$(peak "$work/tenth.txt")" $((n / 10)) \
  "$(peak "$work/targets.txt")" "$n"
