#!/usr/bin/env bash
# Soak: the embedded default as `cargo run --release` starts it, under a mixed workload
# at half the rate it sustains, for a long time; prints the router process's resident
# memory (RSS, with its five subgraphs: one process) over time and its growth after
# warm-up.
#
# The mix, each on its own connections: anonymous codex reads (cache hits, and misses
# after every write), the signed-in five-domain query (private, never cached), an
# automatic persisted query by hash, exercise lookups, and writers changing a codex
# entry (invalidations) and a profile. First the parts run together flat out for
# PROBE seconds; then together again, each at half the rate it reached, for DURATION.
#
#   cargo build --release -p tessera -p tessera-bench
#   DURATION=30m SAMPLE=30 WARMUP_SAMPLES=10 bench/soak.sh
#
# Prints `elapsed_s rss_kb` lines, every load part's report, and the summary line:
#   rss after warm-up: <first> kB → <last> kB (growth x.x %), peak <max> kB
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tessera=${OURS_BIN:-$root/target/release/tessera}
bench=${BENCH_BIN:-$root/target/release/tessera-bench}
duration=${DURATION:-30m}
probe=${PROBE:-10s}
sample=${SAMPLE:-30}
warmup_samples=${WARMUP_SAMPLES:-10}
work=$(mktemp -d)
trap 'kill "${pid:-}" 2>/dev/null || true; kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
url=http://127.0.0.1:4000/graphql
unset RUST_BACKTRACE RUST_LIB_BACKTRACE

# Access tokens live an hour (the most users allows), so the signed-in parts' tokens
# outlast a 30-minute run; a longer DURATION would see them expire (401).
(cd "$work" && TESSERA_ROUTER__RATE_LIMITS__ENABLED=false TESSERA_TELEMETRY__LOG=error \
    TESSERA_USERS__ACCESS_TOKEN_TTL_MINUTES=60 exec "$tessera") >"$work/run.log" 2>&1 &
pid=$!
for _ in $(seq 120); do
    curl -sf -o /dev/null -H 'content-type: application/json' \
        -d '{"query":"{ __typename }"}' "$url" && break
    sleep 0.5
done
gql() { curl -sf "$url" -H 'content-type: application/json' "$@"; }
token() {
    gql -d "{\"query\":\"mutation { signIn(input: {email: \\\"$1@demo.tessera.dev\\\", password: \\\"tessera-demo\\\"}) { accessToken } }\"}" |
        sed -E 's/.*"accessToken":"([^"]+)".*/\1/'
}
alex=$(token alex)
kim=$(token kim)
blair=$(token blair)
# One of Kim's codex entries, for the writer to retitle.
entry=$(gql -H "authorization: Bearer $kim" -d '{"query":"{ me { codexEntries(first: 1) { nodes { id } } } }"}' |
    sed -E 's/.*"id":"([^"]+)".*/\1/')

printf '{ codexSearch(query: "sleep", first: 5) { nodes { title author { handle } } } }' >"$work/codex.graphql"
printf '{ me { handle email workouts(first: 2) { nodes { title status } } unreadNotificationCount journalEntries(first: 2) { nodes { title mood } } codexEntries(first: 2) { nodes { title } } } }' >"$work/me.graphql"
printf '{ exercise(slug: "back-squat") { name equipment muscleGroups } }' >"$work/exercise.graphql"
printf 'mutation($id: ID!) { updateCodexEntry(id: $id, input: { title: "Sleep, soaked" }) { id } }' >"$work/retitle.graphql"
printf 'mutation { updateProfile(input: { displayName: "Blair soaking" }) { displayName } }' >"$work/profile.graphql"
apq_query='{ codexSearch(query: "recovery", first: 3) { nodes { title } } }'
apq_hash=$(printf '%s' "$apq_query" | sha256sum | cut -d' ' -f1)
apq_text=$(printf '%s' "$apq_query" | python3 -c 'import json, sys; print(json.dumps(sys.stdin.read()))')
gql -d "{\"query\":$apq_text,\"extensions\":{\"persistedQuery\":{\"version\":1,\"sha256Hash\":\"$apq_hash\"}}}" >/dev/null
printf '{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"%s"}}}' "$apq_hash" >"$work/apq.json"

# Each part: its name, its connections, and its load arguments (in `args`).
parts=(codex-anonymous:4 five-domains-signed-in:4 apq-by-hash:2 exercise-anonymous:2
    codex-writer:1 profile-writer:1)
args_of() {
    case $1 in
    codex-anonymous) args=(--query "$work/codex.graphql") ;;
    five-domains-signed-in) args=(--query "$work/me.graphql" -H "authorization: Bearer $alex") ;;
    apq-by-hash) args=(--body-file "$work/apq.json") ;;
    exercise-anonymous) args=(--query "$work/exercise.graphql") ;;
    codex-writer) args=(--query "$work/retitle.graphql" --variables "{\"id\":\"$entry\"}"
        -H "authorization: Bearer $kim") ;;
    profile-writer) args=(--query "$work/profile.graphql" -H "authorization: Bearer $blair") ;;
    esac
}
run_part() { # name connections duration warmup [rate]
    local name=$1 connections=$2 run_for=$3 warm=$4 rate=${5:-}
    local args
    args_of "$name"
    "$bench" load --url "$url" --label "$name" -c "$connections" -d "$run_for" \
        --warmup "$warm" ${rate:+--rate "$rate"} --json "${args[@]}" 2>/dev/null
}

echo "# flat out, all parts together, $probe"
loads=()
for part in "${parts[@]}"; do
    name=${part%%:*} connections=${part##*:}
    run_part "$name" "$connections" "$probe" 2s >"$work/$name.max.json" &
    loads+=($!)
done
wait "${loads[@]}"
declare -A half
for part in "${parts[@]}"; do
    name=${part%%:*}
    rps=$(sed -E 's/.*"rps":([0-9.]+).*/\1/' "$work/$name.max.json")
    half[$name]=$(awk -v r="$rps" 'BEGIN { printf "%.1f", r / 2 }')
    echo "$name: $rps requests/s in the mix; soaks at ${half[$name]}"
    if ! awk -v r="$rps" 'BEGIN { exit !(r > 0) }'; then
        echo "$name answered nothing without errors: $(cat "$work/$name.max.json")" >&2
        exit 1
    fi
done

echo "# together, each at half, for $duration; RSS every ${sample}s"
loads=()
for part in "${parts[@]}"; do
    name=${part%%:*} connections=${part##*:}
    run_part "$name" "$connections" "$duration" 0s "${half[$name]}" >"$work/$name.json" &
    loads+=($!)
done
start=$(date +%s)
: >"$work/rss"
running() { for load in "${loads[@]}"; do kill -0 "$load" 2>/dev/null && return 0; done; return 1; }
while running; do
    if [ -r "/proc/$pid/status" ]; then
        rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
        elapsed=$(($(date +%s) - start))
        echo "$elapsed $rss" | tee -a "$work/rss"
    fi
    sleep "$sample"
done
wait "${loads[@]}" || true
for part in "${parts[@]}"; do
    name=${part%%:*}
    echo "$name: $(cat "$work/$name.json")"
done
awk -v skip="$warmup_samples" '
    NR > skip { if (!first) first = $2; last = $2 }
    { if ($2 > peak) peak = $2 }
    END {
        if (!first) { print "too few samples for a growth figure"; exit 1 }
        printf "rss after warm-up: %d kB → %d kB (growth %.1f %%), peak %d kB\n",
            first, last, (last - first) * 100 / first, peak
    }' "$work/rss"
kill "$pid"
wait "$pid" 2>/dev/null || true
