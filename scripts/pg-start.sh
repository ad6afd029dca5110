#!/usr/bin/env bash
# Start a private, throwaway PostgreSQL cluster on loopback (a temporary folder, a free port)
# and print shell exports for it:
#   eval "$(scripts/pg-start.sh)"   # sets WARDLINE_PG_DIR and WARDLINE_TEST_POSTGRES_URL
#   scripts/pg-stop.sh "$WARDLINE_PG_DIR"
# Installs Debian's postgresql package if no server binaries are present. initdb refuses to
# run as root, so as root the cluster runs as the postgres user.
set -euo pipefail

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "installing PostgreSQL (Debian package postgresql)…" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q postgresql >&2; then
    apt-get update -q >&2
    apt-get install -y -q postgresql >&2
  fi
fi
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

DIR=$(mktemp -d /tmp/wardline-pg.XXXXXX)
chmod 755 "$DIR"
run() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" = 0 ]; then chown postgres: "$DIR"; fi

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

run "$BIN/initdb" -D "$DIR/data" -U wardline --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
  || { cat "$DIR/initdb.log" >&2; exit 1; }
# Sized for a 2-core, 24 GiB machine; durability settings left at their safe defaults.
run "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 start -o \
  "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$DIR -c max_connections=300 \
   -c shared_buffers=1GB -c maintenance_work_mem=1GB -c work_mem=32MB -c max_wal_size=8GB \
   -c checkpoint_timeout=15min" >&2 \
  || { cat "$DIR/server.log" >&2; exit 1; }

echo "export WARDLINE_PG_DIR=$DIR"
echo "export WARDLINE_TEST_POSTGRES_URL=postgres://wardline@127.0.0.1:$PORT/postgres"
