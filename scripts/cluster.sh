#!/usr/bin/env bash
# Several Wardline nodes on one PostgreSQL behind nginx, all on loopback, for anyone to try:
#
#   scripts/cluster.sh up [--nodes N] [--people N] [--port P]
#       a private PostgreSQL (scripts/pg-start.sh), the demo city loaded once (by the first
#       node, `serve --demo`), N `wardline serve` nodes (default 3) on free ports sharing the
#       audit key, and nginx (Debian package, installed if missing) on P (default 8088)
#       spreading requests over them. Prints the state folder, the URL and the demo sign-ins
#       and tokens; `kill -9` of a node's pid (in STATE/node-K.pid) is the node failure.
#   scripts/cluster.sh down STATE
#       stops nginx, the nodes and PostgreSQL and deletes STATE.
#   scripts/cluster.sh nginx STATE PORT NODE_PORT...
#       (re)starts nginx alone on PORT in front of the given nodes (the cluster bench uses it).
#
# nginx sends each round's sampling to one node (a round's batches are applied one after
# another across the cluster: split over nodes they would only wait for each other), and each
# signed-in browser (session cookie) and device (API token) to one node otherwise, so an
# import's progress, kept by the node that took the upload, is where the page asks for it. It
# passes a request that failed on a node (a killed node) on to the next one,
# POST included (`proxy_next_upstream … non_idempotent`): every write of Wardline's API carries
# a client id and is applied once whichever node gets it, so sending it again is safe. Needs
# the release binary: `cargo build --release` first (done here when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BIN=${WARDLINE_BIN:-$ROOT/target/release/wardline}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_port() { # PORT SECONDS
  for _ in $(seq 1 $(($2 * 10))); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

need_nginx() {
  if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
    echo "installing nginx (Debian package nginx-light or nginx)…" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q nginx >&2 || { apt-get update -q >&2 && apt-get install -y -q nginx >&2; }
  fi
}

start_nginx() { # STATE PORT NODE_PORT...
  local state=$1 port=$2
  shift 2
  need_nginx
  mkdir -p "$state/nginx/logs"
  if [ -f "$state/nginx/nginx.pid" ]; then
    kill "$(cat "$state/nginx/nginx.pid")" 2>/dev/null || true
    sleep 0.3
  fi
  {
    echo "worker_processes auto;"
    echo "pid $state/nginx/nginx.pid;"
    echo "error_log $state/nginx/logs/error.log warn;"
    [ "$(id -u)" = 0 ] && echo "user root;"
    echo "events { worker_connections 4096; }"
    echo "http {"
    # Sampling goes by round: every device of a round to one node, so a round's batches are
    # not split over nodes that would wait for each other's lock on the round's row (batches
    # on one round are applied one after another across the cluster). Different rounds (a
    # city's districts) spread over the nodes. Everything else: by session or token.
    echo "  map \$uri \$wardline_key {"
    echo "    ~^(/api/v1)?/testing/rounds/(?<round>[0-9]+)/(ops|batch|collect)\$ round\$round;"
    echo "    default \$cookie_wl_session\$http_authorization;"
    echo "  }"
    echo "  access_log off;"
    echo "  client_body_temp_path $state/nginx/body; proxy_temp_path $state/nginx/proxy;"
    echo "  fastcgi_temp_path $state/nginx/fcgi; uwsgi_temp_path $state/nginx/uwsgi; scgi_temp_path $state/nginx/scgi;"
    echo "  client_max_body_size 300m;"
    echo "  upstream wardline {"
    # Sticky by session cookie or API token (an import's progress and its "import now" are
    # kept by the node that took the upload), sampling by round (see the map above).
    echo "    hash \$wardline_key consistent;"
    for p in "$@"; do echo "    server 127.0.0.1:$p max_fails=1 fail_timeout=5s;"; done
    echo "    keepalive 64;"
    echo "  }"
    echo "  server {"
    echo "    listen 127.0.0.1:$port;"
    echo "    location / {"
    echo "      proxy_pass http://wardline;"
    echo "      proxy_http_version 1.1;"
    echo "      proxy_set_header Connection \"\";"
    echo "      proxy_set_header Host \$host;"
    echo "      proxy_set_header X-Forwarded-For \$remote_addr;"
    echo "      proxy_next_upstream error timeout non_idempotent;"
    echo "      proxy_next_upstream_tries 3;"
    echo "      proxy_connect_timeout 2s;"
    echo "      proxy_read_timeout 120s;"
    echo "    }"
    echo "  }"
    echo "}"
  } >"$state/nginx/nginx.conf"
  local nginx_bin
  nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
  "$nginx_bin" -p "$state/nginx" -c "$state/nginx/nginx.conf"
  wait_port "$port" 10 || { cat "$state/nginx/logs/error.log" >&2; exit 1; }
}

start_node() { # STATE K PORT [--demo]
  local state=$1 k=$2 port=$3
  shift 3
  WARDLINE_DATABASE_URL=$(cat "$state/db.url") WARDLINE_AUDIT_KEY_FILE="$state/audit.key" \
    WARDLINE_AUDIT_ANCHOR_FILE="$state/audit-anchors-$k.log" \
    "$BIN" serve --listen "127.0.0.1:$port" "$@" >"$state/node-$k.log" 2>&1 &
  echo $! >"$state/node-$k.pid"
  echo "$port" >"$state/node-$k.port"
}

case "${1:-}" in
up)
  shift
  NODES=3 PEOPLE=50000 PORT=8088
  while [ $# -gt 0 ]; do
    case "$1" in
    --nodes) NODES=$2; shift 2 ;;
    --people) PEOPLE=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
    esac
  done
  [ -x "$BIN" ] || cargo build --release
  STATE=$(mktemp -d /tmp/wardline-cluster.XXXXXX)
  scripts/pg-start.sh >"$STATE/pg.env"
  # shellcheck disable=SC1091
  source "$STATE/pg.env"
  echo "$WARDLINE_PG_DIR" >"$STATE/pg.dir"
  psql -q "$WARDLINE_TEST_POSTGRES_URL" -c "CREATE DATABASE wardline" >/dev/null
  echo "${WARDLINE_TEST_POSTGRES_URL%/postgres}/wardline" >"$STATE/db.url"
  # The first node loads the demo city and prints the demo tokens; the others start on the
  # loaded database.
  P1=$(free_port)
  WARDLINE_DEMO_PEOPLE=$PEOPLE start_node "$STATE" 1 "$P1" --demo
  wait_port "$P1" 900 || { tail -20 "$STATE/node-1.log" >&2; exit 1; }
  PORTS=("$P1")
  for k in $(seq 2 "$NODES"); do
    p=$(free_port)
    start_node "$STATE" "$k" "$p"
    PORTS+=("$p")
  done
  for p in "${PORTS[@]}"; do wait_port "$p" 120 || { echo "node on $p did not start" >&2; exit 1; }; done
  start_nginx "$STATE" "$PORT" "${PORTS[@]}"
  echo "Wardline cluster: $NODES nodes on one PostgreSQL behind nginx"
  echo "  state:  $STATE   (scripts/cluster.sh down $STATE)"
  echo "  URL:    http://127.0.0.1:$PORT/"
  for k in $(seq 1 "$NODES"); do
    echo "  node $k: http://127.0.0.1:$(cat "$STATE/node-$k.port")/ pid $(cat "$STATE/node-$k.pid") log $STATE/node-$k.log"
  done
  sed -n '/^Demo sign-ins/,/^[^ D]/p' "$STATE/node-1.log" | grep -v "^[^ D]" || true
  ;;
down)
  STATE=${2:?usage: cluster.sh down STATE}
  [ -f "$STATE/nginx/nginx.pid" ] && kill "$(cat "$STATE/nginx/nginx.pid")" 2>/dev/null || true
  for f in "$STATE"/node-*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
  sleep 0.5
  [ -f "$STATE/pg.dir" ] && scripts/pg-stop.sh "$(cat "$STATE/pg.dir")"
  rm -rf "$STATE"
  ;;
nginx)
  STATE=${2:?usage: cluster.sh nginx STATE PORT NODE_PORT...}
  PORT=${3:?usage: cluster.sh nginx STATE PORT NODE_PORT...}
  shift 3
  [ $# -gt 0 ] || { echo "usage: cluster.sh nginx STATE PORT NODE_PORT..." >&2; exit 2; }
  mkdir -p "$STATE"
  start_nginx "$STATE" "$PORT" "$@"
  ;;
*)
  sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
  ;;
esac
