#!/usr/bin/env bash
# Instructions our router executes per benchmark operation, counted by callgrind: a
# measure that does not move with the machine's noise (throughput on a shared 2-core
# VM varies by ±30 % from round to round), for comparing builds of our own router.
# docs/benchmarks.md says what it measured.
#
# For each binary given, it starts `tessera router` under `valgrind --tool=callgrind`
# with instrumentation off, sends one request to warm it (plans, pools, caches), turns
# instrumentation on, sends the load, turns it off and divides the instructions counted
# in the router (every thread) by the requests answered.
#   MODE=sequential  COUNT requests one after another: no two share a subgraph fetch
#   MODE=load        `tessera-bench load` at CONCURRENCY connections for DURATION:
#                    identical fetches in flight are shared, as under real load
# The caches are off (`router.cache.*`), as for `ours` in bench/run.sh.
#
# Needs valgrind (`apt-get install valgrind`), curl and python3. Build first:
#   cargo build --release --bin tessera && cargo build -p tessera-bench --release
# Usage: bench/instructions.sh BINARY...   (e.g. target/release/tessera /tmp/tessera-old)
#
# Environment (defaults in brackets):
#   MODE [load]  COUNT [20]  CONCURRENCY [32]  DURATION [20s]  PORT [4400]
#   BENCH_BIN [target/release/tessera-bench]
#   OUT [target/bench/instructions-<UTC timestamp>]  callgrind files and logs, kept for
#                    `callgrind_annotate OUT/<binary>.callgrind.1`
set -euo pipefail

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

mode=${MODE:-load}
count=${COUNT:-20}
concurrency=${CONCURRENCY:-32}
duration=${DURATION:-20s}
port=${PORT:-4400}
bench_bin=${BENCH_BIN:-$root/target/release/tessera-bench}
out=${OUT:-$root/target/bench/instructions-$(date -u +%Y%m%dT%H%M%SZ)}
url=http://127.0.0.1:$port/graphql

die() {
    echo "instructions.sh: $*" >&2
    exit 1
}

(($# > 0)) || die "usage: bench/instructions.sh BINARY..."
for tool in valgrind callgrind_control callgrind_annotate curl python3; do
    command -v "$tool" >/dev/null || die "$tool is needed (valgrind: apt-get install valgrind)"
done
[[ $mode == load || $mode == sequential ]] || die "MODE is load or sequential, not '$mode'"
[[ -x $bench_bin ]] || die "$bench_bin missing: cargo build -p tessera-bench --release"
if curl -s -o /dev/null "$url"; then
    die "something already answers on $url: free port $port or set PORT"
fi
mkdir -p "$out"

body=$(python3 -c 'import json, sys; print(json.dumps({"query": open(sys.argv[1]).read()}))' \
    bench/operations/benchmark.graphql)

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

"$bench_bin" subgraphs >"$out/subgraphs.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do
    curl -s -o /dev/null http://127.0.0.1:4201/ && break
    sleep 0.2
done

post() {
    curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' -d "$body" "$url"
}

for bin in "$@"; do
    [[ -x $bin ]] || die "$bin is not an executable"
    name=$(basename "$bin")
    TESSERA_ROUTER__SUPERGRAPH=$root/bench/supergraph.graphql \
        TESSERA_ROUTER__LISTEN=127.0.0.1:$port \
        TESSERA_ROUTER__RATE_LIMITS__ENABLED=false TESSERA_TELEMETRY__LOG=warn \
        TESSERA_ROUTER__CACHE__RESPONSES=false TESSERA_ROUTER__CACHE__ENTITIES=false \
        valgrind --tool=callgrind --instr-atstart=no \
        --callgrind-out-file="$out/$name.callgrind" \
        "$bin" router >"$out/$name.log" 2>&1 &
    router=$!
    pids+=("$router")
    for _ in $(seq 1 300); do
        curl -s -o /dev/null "http://127.0.0.1:$port/health/ready" && break
        sleep 0.5
    done
    [[ $(post) == 200 ]] || die "$name did not answer the benchmark operation (see $out/$name.log)"
    callgrind_control -i on "$router" >/dev/null 2>&1
    if [[ $mode == sequential ]]; then
        answered=0
        for _ in $(seq 1 "$count"); do
            [[ $(post) == 200 ]] && answered=$((answered + 1))
        done
    else
        "$bench_bin" load --url "$url" --query bench/operations/benchmark.graphql \
            --expect bench/operations/expected-response.json \
            --concurrency "$concurrency" --duration "$duration" --warmup 0s --timeout 60s \
            >"$out/$name.load.txt" 2>&1 || true
        answered=$(grep -o '[0-9]* ok' "$out/$name.load.txt" | tail -1 | cut -d' ' -f1)
    fi
    callgrind_control -i off "$router" >/dev/null 2>&1
    callgrind_control -d "$router" >/dev/null 2>&1
    kill "$router"
    wait "$router" 2>/dev/null || true
    # awk reads to the end: an early exit would fail the pipeline (pipefail).
    total=$(callgrind_annotate "$out/$name.callgrind.1" |
        awk '/PROGRAM TOTALS/ && !seen { gsub(",", "", $1); print $1; seen = 1 }')
    [[ -n ${answered:-} && $answered -gt 0 ]] || die "$name answered nothing"
    python3 -c "print(f'$name ($mode): {$total / $answered / 1e6:.2f} M instructions per request over $answered requests')"
done
echo "callgrind files and logs: $out"
