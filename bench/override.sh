#!/usr/bin/env bash
# The platform (`target/release/tessera`, demo data) with a codex entry's `exercises`
# answered by the codex (label `codex-exercises` on: one fetch) and by workouts (label
# off: the codex, then workouts with every title), alternating for ROUNDS rounds.
# Response and entity caches and rate limits are off, so every request is planned and
# fetched; identical in-flight fetches are still shared, as in production.
#
#   cargo build --release --bin tessera -p tessera -p tessera-bench
#   ROUNDS=3 CONCURRENCY=16 DURATION=10s WARMUP=3s bench/override.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tessera=${OURS_BIN:-$root/target/release/tessera}
bench=${BENCH_BIN:-$root/target/release/tessera-bench}
work=$(mktemp -d)
trap 'kill "${pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
cp "$root/tessera.toml" "$work/"
printf '{ codexSearch(query: "deadlift", first: 20) { nodes { title exercises { name } } } }' >"$work/q.graphql"
unset RUST_BACKTRACE RUST_LIB_BACKTRACE
for round in $(seq "${ROUNDS:-3}"); do
    for labels in '["codex-exercises"]' '[]'; do
        rm -rf "$work/data"
        (cd "$work" && TESSERA_ROUTER__OVERRIDE_LABELS="$labels" \
            TESSERA_ROUTER__CACHE__RESPONSES=false TESSERA_ROUTER__CACHE__ENTITIES=false \
            TESSERA_ROUTER__RATE_LIMITS__ENABLED=false TESSERA_TELEMETRY__LOG=error \
            TESSERA_TELEMETRY__METRICS_LISTEN=127.0.0.1:9470 exec "$tessera") >"$work/run.log" 2>&1 &
        pid=$!
        for _ in $(seq 60); do
            curl -sf -o /dev/null -H 'content-type: application/json' \
                -d '{"query":"{ __typename }"}' http://127.0.0.1:4000/graphql && break
            sleep 0.5
        done
        echo "round $round, override_labels = $labels"
        "$bench" load --url http://127.0.0.1:4000/graphql --query "$work/q.graphql" \
            -c "${CONCURRENCY:-16}" -d "${DURATION:-10s}" --warmup "${WARMUP:-3s}" | tail -1
        curl -s http://127.0.0.1:9470/metrics | grep '^tessera_subgraph_fetches_total' || true
        kill "$pid"; wait "$pid" 2>/dev/null || true
        sleep 2
    done
done
