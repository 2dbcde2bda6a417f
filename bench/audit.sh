#!/usr/bin/env bash
# Runs the Federation Gateway Audit (graphql-hive/federation-gateway-audit) against our
# router, suite by suite, and prints "suite passed failed" per line and the total.
#
# The audit is not part of this repository. Set up a checkout once:
#   git clone <the audit> "$AUDIT_DIR" && cd "$AUDIT_DIR"
#   npm install --omit=dev --ignore-scripts        # its dev dependencies are not all on npm
#   npm install --prefix "$TSX_DIR" tsx@4.22.4 graphql@16
#   ln -s "$TSX_DIR/node_modules/graphql" node_modules/graphql   # a peer dependency
#   sed -i 's/listen(port, () => {/listen(port, "127.0.0.1", () => {/' src/index.ts
# Node 20 lacks Promise.withResolvers, which the audit calls: this script loads a
# polyfill. The audit's own `test` command fails on Node 20 (ERR_STREAM_WRITE_AFTER_END),
# so this script drives the suites itself, the way that command does.
#
#   AUDIT_DIR=/work/tools/audit TSX_DIR=/work/tools/tsx OURS_BIN=target/release/tessera bench/audit.sh
set -uo pipefail
audit=${AUDIT_DIR:?set AUDIT_DIR to a prepared checkout of the audit}
tsx=${TSX_DIR:?set TSX_DIR to where tsx is installed}/node_modules/.bin/tsx
ours=$(realpath "${OURS_BIN:-target/release/tessera}")
port=${AUDIT_PORT:-4290}
gateway=${GATEWAY_PORT:-4400}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT

cat > "$work/polyfill.mjs" <<'JS'
if (typeof Promise.withResolvers !== "function") {
  Promise.withResolvers = function () {
    let resolve, reject;
    const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
    return { promise, resolve, reject };
  };
}
JS
export NODE_OPTIONS="--import $work/polyfill.mjs"

cd "$audit" || exit 1
"$tsx" src/cli.ts serve --port "$port" > "$work/serve.log" 2>&1 &
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/ids" > "$work/ids.json" && break; sleep 1; done
[ -s "$work/ids.json" ] || { echo "the audit's server did not start: $work/serve.log" >&2; exit 1; }

total_pass=0; total_fail=0
for id in $(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))))' "$work/ids.json"); do
  curl -sf "http://127.0.0.1:$port/$id/supergraph" > "$work/supergraph.graphql"
  TESSERA_ROUTER__SUPERGRAPH="$work/supergraph.graphql" TESSERA_ROUTER__LISTEN="127.0.0.1:$gateway" \
    TESSERA_ROUTER__RATE_LIMITS__ENABLED=false TESSERA_TELEMETRY__METRICS_LISTEN="127.0.0.1:${METRICS_PORT:-9469}" \
    TESSERA_TELEMETRY__LOG=warn "$ours" router > "$work/$id-router.log" 2>&1 &
  router=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$gateway/health/ready" > /dev/null && break; sleep 0.1; done
  TESTS_ENDPOINT="http://127.0.0.1:$port/$id/tests" GRAPHQL_ENDPOINT="http://127.0.0.1:$gateway/graphql" \
    TEST_SUITE="$id" timeout 120 "$tsx" --test src/test.ts > "$work/$id-tests.log" 2>&1
  pass=$(grep -m1 '^# pass' "$work/$id-tests.log" | awk '{print $3}')
  fail=$(grep -m1 '^# fail' "$work/$id-tests.log" | awk '{print $3}')
  echo "$id ${pass:-0} ${fail:-?}"
  total_pass=$((total_pass + ${pass:-0})); total_fail=$((total_fail + ${fail:-1}))
  kill "$router"; wait "$router" 2>/dev/null
done
echo "total: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
