#!/usr/bin/env bash
# A fleet of PostgreSQL schemas on one server: one `strata migrate --fleet` process against one
# `strata migrate` process per schema (docs/performance.md).
#
#   bench/fleet-schemas.sh [schemas, default 200] [runs, default 3]
#
# The example project applied to every schema (tenant_1 ... tenant_N, made by --create-schema)
# of a fresh database each time, paired in one run (the order flips every run):
#   processes   strata migrate --url <db>?schema=tenant_i, one process per schema, one after another;
#   fleet-1     strata migrate --fleet targets.txt --parallel 1;
#   fleet-2     strata migrate --fleet targets.txt --parallel 2.
# Then the same targets once more, up to date. Prints medians and ratios. The throwaway server
# is started by tests/servers/postgres.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
n=${1:-200}
runs=${2:-3}
strata=$(strata_binary)
bench_workdir

start_server postgres
server_urls "$work/postgres.conf"
fresh() { "$psql_bin" -q -X "$admin" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null; }
targets() {  # <database>: the targets file of its N schemas
  for i in $(seq 1 "$n"); do echo "$base/$1?schema=tenant_$i"; done > "$work/$1.txt"
}
processes() {
  while read -r url; do "$strata" migrate --url "$url" --dir migrations --create-schema >/dev/null; done < "$work/$1.txt"
}
fleet() {  # <database> <parallel>
  "$strata" migrate --fleet "$work/$1.txt" --dir migrations --create-schema --parallel "$2" >/dev/null
}
kinds=(processes fleet-1 fleet-2)
for kind in "${kinds[@]}"; do : > "$work/$kind"; : > "$work/$kind-again"; done
for r in $(seq 1 "$runs"); do
  order=("${kinds[@]}")
  [ $((r % 2)) -eq 0 ] && order=(fleet-2 fleet-1 processes)
  for kind in "${order[@]}"; do
    db=${kind//-/_}
    fresh "$db"
    targets "$db"
    case $kind in
      processes) timed "$work/$kind" processes "$db"; timed "$work/$kind-again" processes "$db" ;;
      fleet-1) timed "$work/$kind" fleet "$db" 1; timed "$work/$kind-again" fleet "$db" 1 ;;
      fleet-2) timed "$work/$kind" fleet "$db" 2; timed "$work/$kind-again" fleet "$db" 2 ;;
    esac
  done
done
m() { median < "$work/$1"; }
version="PostgreSQL $("$psql_bin" -X -A -t "$admin" -c 'SHOW server_version' | cut -d' ' -f1)"
for phase in "" -again; do
  if [ -z "$phase" ]; then
    echo "$version, $n schemas of one database migrated (the example project), median of $runs paired runs"
  else
    echo "the same $n schemas up to date"
  fi
  printf '  %-48s %9s ms\n' "strata migrate, one process per schema" "$(m processes$phase)"
  for p in 1 2; do
    printf '  %-48s %9s ms   %s of the processes\n' "strata migrate --fleet --parallel $p" "$(m fleet-$p$phase)" \
      "$(ratio "$(m fleet-$p$phase)" "$(m processes$phase)")"
  done
done
