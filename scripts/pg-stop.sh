#!/usr/bin/env bash
# Stop and delete a cluster started by scripts/pg-start.sh.
set -uo pipefail
DIR=${1:?usage: pg-stop.sh DIR}
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
if [ "$(id -u)" = 0 ]; then
  runuser -u postgres -- "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1
else
  "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1
fi
rm -rf "$DIR"
