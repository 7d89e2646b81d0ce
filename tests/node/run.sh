#!/usr/bin/env bash
# The Node.js smoke test of the C ABI: installs koffi (pinned by package-lock.json) into a work
# directory under the build tree, then runs status.mjs there.
#
#   run.sh <work dir> <libstrata-c.so> <example migrations>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$1 library=$2 migrations=$3
mkdir -p "$work"
cp "$here/package.json" "$here/package-lock.json" "$here/status.mjs" "$work/"
rm -f "$work/node.db"
cd "$work"
# Installed again whenever the lock file changed: the koffi tested is the one it pins.
if ! cmp -s package-lock.json installed-lock.json; then
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
  cp package-lock.json installed-lock.json
fi
node status.mjs "$library" "$migrations" "$work"
