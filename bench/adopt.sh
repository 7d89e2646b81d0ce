#!/usr/bin/env bash
# `strata adopt --from flyway` on a SQLite project of N migrations, Flyway's CRC-32 of every file
# verified, against its floor: the sqlite3 shell inserting the same N ledger rows in one
# transaction after `sha256sum` of every file (reading the files and writing the rows is the work
# adopt cannot avoid). Paired runs (A B A B ...), medians.
#
#   bench/adopt.sh [N migrations, default 3000] [runs, default 5]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
n=${1:-3000}
runs=${2:-5}
strata=$(strata_binary)
command -v sqlite3 >/dev/null || { echo "no sqlite3 shell: it is the floor" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/migrations"
# The files, Flyway's history of them (its CRC-32 of each file's lines) and the floor's rows.
python3 - "$work" "$n" <<'PY'
import pathlib, sys, zlib
work, n = pathlib.Path(sys.argv[1]), int(sys.argv[2])
flyway = ["CREATE TABLE flyway_schema_history (installed_rank INT NOT NULL PRIMARY KEY, version VARCHAR(50), "
          "description VARCHAR(200) NOT NULL, type VARCHAR(20) NOT NULL, script VARCHAR(1000) NOT NULL, checksum INT, "
          "installed_by VARCHAR(100) NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, "
          "execution_time INT NOT NULL, success BOOLEAN NOT NULL);", "BEGIN;"]
floor = ["CREATE TABLE strata_history (installed_rank INT PRIMARY KEY, version TEXT, description TEXT, kind TEXT, "
         "script TEXT, checksum TEXT, installed_by TEXT, installed_on TEXT, execution_ms INT, success INT, "
         "statements_done INT, in_doubt INT, progress_checksum TEXT, session_id TEXT);", "BEGIN;"]
for i in range(1, n + 1):
    sql = f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
    (work / "migrations" / f"V{i}__table_{i}.sql").write_text(sql + "\n")
    crc = zlib.crc32(sql.encode())
    crc = crc - (1 << 32) if crc >= 1 << 31 else crc
    flyway.append(f"INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, "
                  f"installed_by, execution_time, success) VALUES ({i}, '{i}', 'table {i}', 'SQL', "
                  f"'V{i}__table_{i}.sql', {crc}, 'bench', 1, 1);")
    floor.append(f"INSERT INTO strata_history VALUES ({i}, '{i}', 'table {i}', 'versioned', 'V{i}__table_{i}.sql', "
                 f"'x', 'bench', '2026-12-04 00:00:00', 1, 1, 0, 0, NULL, NULL);")
(work / "flyway.sql").write_text("\n".join(flyway + ["COMMIT;"]) + "\n")
(work / "floor.sql").write_text("\n".join(floor + ["COMMIT;"]) + "\n")
PY
sqlite3 "$work/base.db" < "$work/flyway.sql"

: > "$work/strata"; : > "$work/floor"
floor() { sha256sum "$work"/migrations/* >/dev/null && sqlite3 "$work/floor.db" < "$work/floor.sql"; }
for _ in $(seq 1 "$runs"); do
  cp "$work/base.db" "$work/adopt.db"; rm -f "$work/floor.db"
  timed "$work/strata" "$strata" adopt --from flyway --url "sqlite:$work/adopt.db" --dir "$work/migrations"
  timed "$work/floor" floor
done
rows=$(sqlite3 "$work/adopt.db" "SELECT COUNT(*) FROM strata_history")
[ "$rows" = "$n" ] || { echo "adopt recorded $rows rows, not $n" >&2; exit 1; }
m() { median < "$work/$1"; }
printf 'adopt --from flyway, %d migrations (CRC-32 verified): strata %s ms, floor %s ms (%s)\n' \
  "$n" "$(m strata)" "$(m floor)" "$(ratio "$(m strata)" "$(m floor)")"
