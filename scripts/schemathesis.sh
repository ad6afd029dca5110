#!/usr/bin/env bash
# Property tests of the JSON API with schemathesis (issue 19): starts `wardline serve --demo` on
# a throwaway SQLite database and a free loopback port, takes the demo API tokens of several
# roles from its output, and runs schemathesis against the served OpenAPI document once per
# role. Fails on any 5xx and on any response whose status, content type or body the document
# does not describe. Bounded: SCHEMATHESIS_EXAMPLES examples per operation and role (default 8).
#
#   scripts/schemathesis.sh                 # build (debug), serve, test; venv under target/
#   SCHEMATHESIS_ROLES="street volunteer" SCHEMATHESIS_EXAMPLES=20 scripts/schemathesis.sh
#   WARDLINE_BIN=target/release/wardline scripts/schemathesis.sh
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${SCHEMATHESIS_VENV:-target/schemathesis-venv}
VERSION=${SCHEMATHESIS_VERSION:-3.39.16}
# schemathesis 3.39 breaks with Hypothesis after 6.131.14 ('many' object has no attribute 'more').
HYPOTHESIS=6.131.14
EXAMPLES=${SCHEMATHESIS_EXAMPLES:-8}
# positive (valid by the document), negative (invalid: must be refused with a documented 4xx) or all
METHOD=${SCHEMATHESIS_DATA:-all}
ROLES=${SCHEMATHESIS_ROLES:-"demo-street demo-grid demo-volunteer demo-hq"}
SEED=${SCHEMATHESIS_SEED:-19}

if ! [ -f "$VENV/.wardline-$VERSION-$HYPOTHESIS" ]; then
  echo "== schemathesis $VERSION (Hypothesis $HYPOTHESIS): installing into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "schemathesis==$VERSION" "hypothesis==$HYPOTHESIS"
  touch "$VENV/.wardline-$VERSION-$HYPOTHESIS"
fi

BIN=${WARDLINE_BIN:-}
if [ -z "$BIN" ]; then
  cargo build -q --bin wardline
  BIN=${CARGO_TARGET_DIR:-target}/debug/wardline
fi

WORK=$(mktemp -d /tmp/wardline-schemathesis.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== serving the demo on 127.0.0.1:$PORT ($WORK)"
WARDLINE_LOG=${WARDLINE_LOG:-warn} "$BIN" --database-url "sqlite://$WORK/wardline.db" \
  --audit-key-file "$WORK/audit.key" --audit-anchor-file "$WORK/anchor" \
  serve --demo --demo-people "${SCHEMATHESIS_DEMO_PEOPLE:-2000}" --listen "127.0.0.1:$PORT" \
  > "$WORK/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 600); do
  grep -q "Wardline is serving" "$WORK/serve.log" && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.log"; echo "FAIL: the server stopped"; exit 1; }
  sleep 0.5
done
grep -q "Wardline is serving" "$WORK/serve.log" || { cat "$WORK/serve.log"; echo "FAIL: the server did not start"; exit 1; }

BASE="http://127.0.0.1:$PORT/api/v1"
status=0
for user in $ROLES; do
  token=$(awk -v u="$user" '/^Demo API tokens/ {t=1; next} t && $1 == u {print $NF; exit}' "$WORK/serve.log")
  [ -n "$token" ] || { echo "FAIL: no demo token for $user"; exit 1; }
  echo "== schemathesis as $user ($EXAMPLES examples per operation)"
  PYTHONPATH=scripts SCHEMATHESIS_HOOKS=schemathesis_hooks \
  "$VENV/bin/schemathesis" run "$BASE/openapi.json" --base-url "$BASE" \
    -H "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --data-generation-method "$METHOD" --hypothesis-max-examples "$EXAMPLES" --hypothesis-seed "$SEED" \
    --hypothesis-database none --hypothesis-phases explicit,generate \
    --hypothesis-suppress-health-check all \
    --experimental=openapi-3.1 --experimental-no-failfast --request-timeout 20000 \
    --schemathesis-io-telemetry false --no-color \
    ${SCHEMATHESIS_ARGS:-} \
    || status=1
done
if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  tail -n 50 "$WORK/serve.log"; echo "FAIL: the server died during the run"; exit 1
fi
if grep -q "panicked" "$WORK/serve.log"; then
  grep -B2 -A5 "panicked" "$WORK/serve.log" | head -n 60; echo "FAIL: a handler panicked"; status=1
fi
[ "$status" = 0 ] && echo "== schemathesis: no failures" || echo "FAIL: schemathesis found failures"
exit "$status"
