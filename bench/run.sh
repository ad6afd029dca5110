#!/usr/bin/env bash
# Wardline benchmarks. Each result is one JSON line on stdout:
#   {"bench":"…","backend":"…","scale":…,"metric":"…","value":…,"unit":"…"}
# Usage:
#   bench/run.sh --list
#   bench/run.sh NAME… [--backend sqlite|postgres|both] [--scale N]
# A small --scale (e.g. 100000) finishes in about a minute. --backend postgres|both starts a
# private PostgreSQL cluster (scripts/pg-start.sh) and removes it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

need_pg=0
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  if [ "${args[$i]}" = "--backend" ] && [ $((i + 1)) -lt ${#args[@]} ]; then
    case "${args[$((i + 1))]}" in postgres | both) need_pg=1 ;; esac
  fi
done

if ! command -v sqlite3 >/dev/null; then
  echo "installing sqlite3 (for the .import floor)…" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q sqlite3 >&2 \
    || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q sqlite3 >&2; }
fi

if [ "$need_pg" = 1 ]; then
  eval "$(scripts/pg-start.sh)"
  trap 'scripts/pg-stop.sh "$WARDLINE_PG_DIR"' EXIT
fi

cargo bench -q --bench wardline-bench -- "$@"
