#!/usr/bin/env bash
# Differential fuzz: random valid operations sent to our router and to a reference router
# (Hive Router 0.3.10) over every Federation Gateway Audit supergraph and the
# benchmark's, one report and one corpus per supergraph (`tessera-bench fuzz`), and a
# summary line per supergraph at the end. docs/correctness.md says how to read them.
#
# The audit is set up as bench/audit.sh's header says (AUDIT_DIR, TSX_DIR). The
# reference router is not part of this repository:
#
#   AUDIT_DIR=/work/tools/audit TSX_DIR=/work/tools/tsx HIVE_ROUTER_BIN=/work/tools/hive/bin/hive_router \
#     OURS_BIN=target/release/tessera BENCH_BIN=target/release/tessera-bench \
#     COUNT=1200 SEED=1 OUT=/tmp/fuzz bench/fuzz.sh [suite ...]
#
# With no suite named, every suite of the audit and `bench` (bench/supergraph.graphql,
# its subgraphs served by `tessera-bench subgraphs`) are fuzzed.
#
# With APOLLO_ROUTER_BIN set (Apollo Router 2.17, a reference only: never part of the
# product), it is started per suite too and breaks the tie on every different
# operation (`fuzz --tiebreak`): the reports count the operations where ours stands
# alone, and the corpora carry its answer and the verdict.
set -uo pipefail
audit=${AUDIT_DIR:?set AUDIT_DIR to a prepared checkout of the audit}
tsx=${TSX_DIR:?set TSX_DIR to where tsx is installed}/node_modules/.bin/tsx
hive=$(realpath "${HIVE_ROUTER_BIN:?set HIVE_ROUTER_BIN to Hive Router 0.3.10}")
ours=$(realpath "${OURS_BIN:-target/release/tessera}")
bench=$(realpath "${BENCH_BIN:-target/release/tessera-bench}")
count=${COUNT:-1200}
seed=${SEED:-1}
out=${OUT:-$(mktemp -d)}
port=${AUDIT_PORT:-4290}
ours_port=${OURS_PORT:-4400}
hive_port=${HIVE_PORT:-4401}
apollo=${APOLLO_ROUTER_BIN:+$(realpath "$APOLLO_ROUTER_BIN")}
apollo_port=${APOLLO_PORT:-4402}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
mkdir -p "$out"
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
# Hive Router masks subgraph errors by default ("Unexpected error"): compare real ones.
cat > "$work/hive.yaml" <<'YAML'
error_masking:
  enabled: false
log:
  level: warn
YAML

# Apollo Router answers subgraph errors as they came, on /graphql, on loopback only.
cat > "$work/apollo.yaml" <<YAML
supergraph:
  listen: 127.0.0.1:$apollo_port
  path: /graphql
health_check:
  listen: 127.0.0.1:$((apollo_port + 1))
include_subgraph_errors:
  all: true
YAML

ready() { # url: waits until it answers
  for _ in $(seq 1 300); do curl -sf -m 1 -o /dev/null "$1" && return 0; sleep 0.1; done
  return 1
}

(cd "$audit" && NODE_OPTIONS="--import $work/polyfill.mjs" "$tsx" src/cli.ts serve --port "$port" \
  > "$work/serve.log" 2>&1) &
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/ids" > "$work/ids.json" && break; sleep 1; done
[ -s "$work/ids.json" ] || { echo "the audit's server did not start: $work/serve.log" >&2; exit 1; }

suites=("$@")
if [ ${#suites[@]} -eq 0 ]; then
  read -r -a suites <<< "$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))))' "$work/ids.json") bench"
fi

for suite in "${suites[@]}"; do
  if [ "$suite" = bench ]; then
    cp "$repo/bench/supergraph.graphql" "$work/supergraph.graphql"
    "$bench" subgraphs > "$work/bench-subgraphs.log" 2>&1 &
    subgraphs=$!
    for _ in $(seq 1 100); do
      curl -s -o /dev/null -m 1 -H 'content-type: application/json' -d '{"query":"{ __typename }"}' \
        http://127.0.0.1:4204/graphql && break
      sleep 0.1
    done
  else
    subgraphs=
    curl -sf "http://127.0.0.1:$port/$suite/supergraph" > "$work/supergraph.graphql" \
      || { echo "$suite: no supergraph" >&2; continue; }
  fi
  TESSERA_ROUTER__SUPERGRAPH="$work/supergraph.graphql" TESSERA_ROUTER__LISTEN="127.0.0.1:$ours_port" \
    TESSERA_ROUTER__RATE_LIMITS__ENABLED=false TESSERA_TELEMETRY__METRICS_LISTEN="127.0.0.1:${METRICS_PORT:-9470}" \
    TESSERA_ROUTER__LIMITS__MAX_ALIASES=10000 TESSERA_ROUTER__LIMITS__MAX_DIRECTIVES=10000 \
    TESSERA_ROUTER__LIMITS__MAX_ROOT_FIELDS=10000 TESSERA_ROUTER__LIMITS__MAX_DEPTH=1000 \
    TESSERA_ROUTER__LIMITS__MAX_COST=4000000000 \
    TESSERA_TELEMETRY__LOG=warn "$ours" router > "$out/$suite-ours.log" 2>&1 &
  ours_pid=$!
  ROUTER_CONFIG_FILE_PATH="$work/hive.yaml" DISABLE_SUBGRAPH_ERROR_MASKING=true HOST=127.0.0.1 \
    PORT="$hive_port" SUPERGRAPH_FILE_PATH="$work/supergraph.graphql" "$hive" > "$out/$suite-hive.log" 2>&1 &
  hive_pid=$!
  tiebreak=() apollo_pid=
  if [ -n "$apollo" ]; then
    APOLLO_TELEMETRY_DISABLED=true "$apollo" --supergraph "$work/supergraph.graphql" --config "$work/apollo.yaml" \
      --anonymous-telemetry-disabled > "$out/$suite-apollo.log" 2>&1 &
    apollo_pid=$!
    tiebreak=(--tiebreak "http://127.0.0.1:$apollo_port/graphql")
  fi
  if ready "http://127.0.0.1:$ours_port/health/ready" && ready "http://127.0.0.1:$hive_port/readiness" \
    && { [ -z "$apollo" ] || ready "http://127.0.0.1:$((apollo_port + 1))/health"; }; then
    "$bench" fuzz --supergraph "$work/supergraph.graphql" --suite "$suite" "${tiebreak[@]}" \
      --ours "http://127.0.0.1:$ours_port/graphql" --reference "http://127.0.0.1:$hive_port/graphql" \
      --seed "$seed" --count "$count" --report "$out/$suite.md" --corpus "$out/$suite.jsonl" \
      2> "$out/$suite-fuzz.log" | tail -n 1 | sed "s/^/$suite: /"
  else
    echo "$suite: a router did not start (see $out/$suite-*.log)"
  fi
  kill "$ours_pid" "$hive_pid" $apollo_pid $subgraphs 2>/dev/null
  wait "$ours_pid" "$hive_pid" $apollo_pid $subgraphs 2>/dev/null
  # Hive takes a moment to let its port go.
  for _ in $(seq 1 50); do curl -s -o /dev/null -m 1 "http://127.0.0.1:$hive_port/" || break; sleep 0.1; done
done
echo "reports and corpora: $out"
