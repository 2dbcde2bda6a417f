#!/usr/bin/env bash
# Side-by-side load test of GraphQL routers in front of the same benchmark subgraphs
# (issue #4; docs/benchmarks.md has the how and the results).
#
# Starts `tessera-bench subgraphs` (127.0.0.1:4201-4204, as bench/supergraph.graphql
# routes), then:
#   1. checks each router's answer to bench/operations/benchmark.graphql against
#      bench/operations/expected-response.json, before timing anything;
#   2. runs ROUNDS rounds; in each, every router in turn is started fresh on
#      127.0.0.1:$PORT, loaded (warm-up, then the measured window) and stopped; the
#      order of the routers alternates from round to round;
#   3. prints the medians per router (requests/s, p50/p95/p99 latency, peak RSS of the
#      router process) and the ratios to Hive Router.
# Only the processes this script starts are stopped, by their PIDs.
#
# Build first:
#   cargo build --release --bin tessera && cargo build -p tessera-bench --release
#
# Environment (defaults in brackets):
#   ROUNDS [3]  CONCURRENCY [32]  DURATION [20s]  WARMUP [5s]  PORT [4000]
#   OURS_BIN [target/release/tessera]  (not TESSERA_*: the router reads those as config)
#   BENCH_BIN [target/release/tessera-bench]
#   HIVE_ROUTER_BIN     Hive Router's `hive_router` binary; skipped when unset
#   HIVE_ROUTER_VERSION for the record (its log at level warn does not say)
#   APOLLO_ROUTER_BIN   Apollo Router's `router` binary; skipped when unset
#   ROUTERS             which of "ours ours-cached ours-entities hive hive-nodedupe
#                       apollo apollo-dedupe" to run [ours, and hive and apollo when
#                       their binaries are set]; hive-nodedupe is Hive Router with its
#                       deduplication of identical in-flight subgraph requests (on by
#                       default) turned off, apollo-dedupe Apollo Router with its own
#                       (off by default) turned on; ours-cached is ours with the response cache on,
#                       ours-entities with the entity cache only (both with a default
#                       max age of 60 s: the benchmark subgraphs send no cache hints)
#   MIX                 1: every router also gets bench/operations/mix-*.graphql on
#                       its share of the connections (a query mix) [0]
#   OUT [target/bench/<UTC timestamp>]  where reports, logs and answers go
set -euo pipefail

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

rounds=${ROUNDS:-3}
concurrency=${CONCURRENCY:-32}
duration=${DURATION:-20s}
warmup=${WARMUP:-5s}
port=${PORT:-4000}
tessera_bin=${OURS_BIN:-$root/target/release/tessera}
bench_bin=${BENCH_BIN:-$root/target/release/tessera-bench}
out=${OUT:-$root/target/bench/$(date -u +%Y%m%dT%H%M%SZ)}
supergraph=$root/bench/supergraph.graphql
operation=$root/bench/operations/benchmark.graphql
expected=$root/bench/operations/expected-response.json
url=http://127.0.0.1:$port/graphql

die() {
    echo "run.sh: $*" >&2
    exit 1
}

# Backtraces captured on every error cost a router that builds errors on its hot path
# (Apollo Router warns about it at start-up); no router runs with them here.
unset RUST_BACKTRACE RUST_LIB_BACKTRACE

[[ -x $tessera_bin ]] || die "$tessera_bin missing: cargo build --release --bin tessera"
[[ -x $bench_bin ]] || die "$bench_bin missing: cargo build -p tessera-bench --release"
command -v curl >/dev/null || die "curl is needed to wait for the servers"

if [[ -n ${ROUTERS:-} ]]; then
    read -r -a routers <<<"$ROUTERS"
else
    routers=(ours)
    if [[ -n ${HIVE_ROUTER_BIN:-} ]]; then routers+=(hive); fi
    if [[ -n ${APOLLO_ROUTER_BIN:-} ]]; then routers+=(apollo); fi
fi
for router in "${routers[@]}"; do
    case $router in
    ours | ours-cached | ours-entities) ;;
    hive | hive-nodedupe) [[ -x ${HIVE_ROUTER_BIN:-} ]] || die "HIVE_ROUTER_BIN is not an executable: '${HIVE_ROUTER_BIN:-}'" ;;
    apollo | apollo-dedupe) [[ -x ${APOLLO_ROUTER_BIN:-} ]] || die "APOLLO_ROUTER_BIN is not an executable: '${APOLLO_ROUTER_BIN:-}'" ;;
    *) die "unknown router '$router' (ours, ours-cached, ours-entities, hive, hive-nodedupe, apollo, apollo-dedupe)" ;;
    esac
done
[[ " ${routers[*]} " == *" hive "* ]] || echo "run.sh: HIVE_ROUTER_BIN unset: only ${routers[*]}" >&2

mkdir -p "$out"

# PIDs of what this script started, and only those, are stopped on exit.
started=()
stop_pid() {
    local pid=$1
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    for pid in "${started[@]}"; do
        stop_pid "$pid"
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

answers() { # url: whether a GraphQL server answers there
    curl -s -o /dev/null -m 2 -H 'content-type: application/json' \
        -d '{"query":"{ __typename }"}' "$1"
}

wait_for() { # pid url name
    for _ in $(seq 300); do
        answers "$2" && return 0
        kill -0 "$1" 2>/dev/null || die "$3 exited during start-up (see $out/$3.log)"
        sleep 0.1
    done
    die "$3 did not answer on $2 within 30 s (see $out/$3.log)"
}

answers "$url" && die "something already answers on $url: free port $port or set PORT"
for p in 4201 4202 4203 4204; do
    answers "http://127.0.0.1:$p/graphql" && die "something already answers on port $p"
done

{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ //') × $(nproc)"
    echo "memory: $(free -g 2>/dev/null | awk '/^Mem:/ {print $2 " GB"}')"
    echo "kernel: $(uname -sr)"
    echo "load: concurrency $concurrency, warm-up $warmup, measured $duration, $rounds rounds"
    echo "ours: $tessera_bin, built $(date -u -r "$tessera_bin" +%Y-%m-%dT%H:%M:%SZ); repository at $(git -C "$root" rev-parse --short HEAD 2>/dev/null)$(git -C "$root" diff --quiet 2>/dev/null || echo ' (with local changes)')"
    # (hive_router has no --version: it would start serving; its log names the version.)
    if [[ -n ${HIVE_ROUTER_BIN:-} ]]; then echo "hive: $HIVE_ROUTER_BIN"; fi
    if [[ -n ${APOLLO_ROUTER_BIN:-} ]]; then
        echo "apollo: $("$APOLLO_ROUTER_BIN" --version 2>/dev/null || echo "$APOLLO_ROUTER_BIN")"
    fi
} | tee "$out/machine.txt"

"$bench_bin" subgraphs >"$out/subgraphs.log" 2>&1 &
subgraphs_pid=$!
started+=("$subgraphs_pid")
wait_for "$subgraphs_pid" http://127.0.0.1:4204/graphql subgraphs

router_pid=
start_router() { # name
    local log=$out/$1.log
    case $1 in
    ours | ours-cached | ours-entities)
        # Per-client rate limits would answer 429 to a load generator on one IP; Hive
        # and Apollo have none by default. Operation limits stay on.
        local responses=false entities=false
        if [[ $1 == ours-cached ]]; then responses=true; fi
        if [[ $1 == ours-entities ]]; then entities=true; fi
        TESSERA_ROUTER__SUPERGRAPH=$supergraph TESSERA_ROUTER__LISTEN=127.0.0.1:$port \
            TESSERA_ROUTER__RATE_LIMITS__ENABLED=false TESSERA_TELEMETRY__LOG=warn \
            TESSERA_ROUTER__CACHE__RESPONSES=$responses TESSERA_ROUTER__CACHE__ENTITIES=$entities \
            TESSERA_ROUTER__CACHE__DEFAULT_MAX_AGE=60 \
            "$tessera_bin" router >>"$log" 2>&1 &
        ;;
    hive)
        HOST=127.0.0.1 PORT=$port SUPERGRAPH_FILE_PATH=$supergraph LOG_LEVEL=warn \
            "$HIVE_ROUTER_BIN" >>"$log" 2>&1 &
        ;;
    hive-nodedupe)
        printf 'traffic_shaping:\n  all:\n    dedupe_enabled: false\n' >"$out/hive-nodedupe.yaml"
        ROUTER_CONFIG_FILE_PATH=$out/hive-nodedupe.yaml HOST=127.0.0.1 PORT=$port \
            SUPERGRAPH_FILE_PATH=$supergraph LOG_LEVEL=warn "$HIVE_ROUTER_BIN" >>"$log" 2>&1 &
        ;;
    apollo | apollo-dedupe)
        local dedupe=false
        if [[ $1 == apollo-dedupe ]]; then dedupe=true; fi
        cat >"$out/$1.yaml" <<EOF
supergraph:
  listen: 127.0.0.1:$port
  path: /graphql
traffic_shaping:
  all:
    deduplicate_query: $dedupe
EOF
        APOLLO_TELEMETRY_DISABLED=true "$APOLLO_ROUTER_BIN" --supergraph "$supergraph" \
            --config "$out/$1.yaml" --log warn >>"$log" 2>&1 &
        ;;
    esac
    router_pid=$!
    started+=("$router_pid")
    wait_for "$router_pid" "$url" "$1"
}
stop_router() {
    stop_pid "$router_pid"
    # Forget it, so the exit trap cannot signal a later process that reuses the PID.
    local kept=() pid
    for pid in "${started[@]}"; do
        if [[ $pid != "$router_pid" ]]; then kept+=("$pid"); fi
    done
    started=("${kept[@]}")
    router_pid=
    # Let the port and the CPU settle before the next router.
    sleep 2
}

mix=()
if [[ ${MIX:-0} == 1 ]]; then
    for file in "$root"/bench/operations/mix-*.graphql; do mix+=(--mix "$file"); done
fi
load() { # extra arguments for `tessera-bench load`
    "$bench_bin" load --url "$url" --query "$operation" --expect "$expected" "${mix[@]}" "$@"
}

echo
echo "== checking each router's answer against $(basename "$expected")"
for router in "${routers[@]}"; do
    start_router "$router"
    if ! load --concurrency 1 --warmup 0s --duration 0s \
        --save-response "$out/$router.response.json" >/dev/null 2>"$out/$router.check.txt"; then
        cat "$out/$router.check.txt" >&2
        die "$router does not answer the benchmark operation as expected"
    fi
    echo "$router: the expected response ($(wc -c <"$out/$router.response.json") bytes)"
    if [[ $router == hive ]]; then
        version=${HIVE_ROUTER_VERSION:-$(grep -o '"version":"[^"]*"' "$out/hive.log" | head -1 | cut -d'"' -f4 || true)}
        echo "hive: version ${version:-unknown (set HIVE_ROUTER_VERSION)}" | tee -a "$out/machine.txt"
    fi
    stop_router
done

echo
echo "== $rounds rounds: concurrency $concurrency, warm-up $warmup, measured $duration"
failed=0
for round in $(seq "$rounds"); do
    order=("${routers[@]}")
    if ((round % 2 == 0)); then
        order=()
        for ((i = ${#routers[@]} - 1; i >= 0; i--)); do order+=("${routers[i]}"); done
    fi
    for router in "${order[@]}"; do
        # Others may use the machine too: keep the load before each round on record.
        echo "round $round, $router: load average $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/loadavg.txt"
        start_router "$router"
        report=$out/$router-$round.json
        if ! load --concurrency "$concurrency" --warmup "$warmup" --duration "$duration" \
            --label "$router" --pid "$router_pid" --json >"$report" 2>"$out/$router-$round.txt"; then
            failed=1
            if [[ -s $report ]]; then
                echo "round $round, $router: errors (kept in the table; see $out/$router-$round.txt)" >&2
            else
                rm -f "$report"
                echo "round $round, $router: no report (see $out/$router-$round.txt)" >&2
            fi
        fi
        echo "round $round: $(cat "$out/$router-$round.txt")"
        stop_router
    done
done

baseline=()
if [[ " ${routers[*]} " == *" hive "* ]]; then baseline=(--baseline hive); fi
echo
"$bench_bin" table "${baseline[@]}" "$out"/*-[0-9]*.json | tee "$out/table.md"
echo
echo "reports, logs and answers: $out"
exit "$failed"
