#!/usr/bin/env bash
# The embedded default as `cargo run --release` starts it (SQLite, demo data, in-process
# caches), answering the README's signed-in five-domain query for Alex, with writers
# changing profiles (users' updateProfile, the same SQLite file) at the same time.
# Rate limits are off (one client would meet its own quota); everything else is the
# default. Prints, per round, the readers' line and the writers' line of the load
# harness (requests/s, latency, errors).
#
#   cargo build --release -p tessera -p tessera-bench
#   ROUNDS=3 READERS=16 WRITERS=4 DURATION=20s WARMUP=3s bench/signed_in.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tessera=${OURS_BIN:-$root/target/release/tessera}
bench=${BENCH_BIN:-$root/target/release/tessera-bench}
work=$(mktemp -d)
trap 'kill "${pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
cp "$root/tessera.toml" "$work/"
printf '{ me { handle email workouts(first: 2) { nodes { title status } } unreadNotificationCount journalEntries(first: 2) { nodes { title mood } } codexEntries(first: 2) { nodes { title } } progress { adherenceRate } } }' >"$work/read.graphql"
printf 'mutation { updateProfile(input: { displayName: "Alex under load" }) { displayName } }' >"$work/write.graphql"
unset RUST_BACKTRACE RUST_LIB_BACKTRACE
sign_in() {
    curl -sf http://127.0.0.1:4000/graphql -H 'content-type: application/json' \
        -d "{\"query\":\"mutation { signIn(input: {email: \\\"$1@demo.tessera.dev\\\", password: \\\"tessera-demo\\\"}) { accessToken } }\"}" |
        sed -E 's/.*"accessToken":"([^"]+)".*/\1/'
}
for round in $(seq "${ROUNDS:-3}"); do
    rm -rf "$work/data"
    (cd "$work" && TESSERA_ROUTER__RATE_LIMITS__ENABLED=false TESSERA_TELEMETRY__LOG=error \
        exec "$tessera") >"$work/run.log" 2>&1 &
    pid=$!
    for _ in $(seq 120); do
        curl -sf -o /dev/null -H 'content-type: application/json' \
            -d '{"query":"{ __typename }"}' http://127.0.0.1:4000/graphql && break
        sleep 0.5
    done
    reader=$(sign_in alex)
    writer=$(sign_in blair)
    echo "round $round"
    "$bench" load --url http://127.0.0.1:4000/graphql --query "$work/write.graphql" \
        -H "authorization: Bearer $writer" --label writers \
        -c "${WRITERS:-4}" -d "${DURATION:-20s}" --warmup "${WARMUP:-3s}" 2>&1 | tail -1 &
    writers=$!
    "$bench" load --url http://127.0.0.1:4000/graphql --query "$work/read.graphql" \
        -H "authorization: Bearer $reader" --label readers --pid "$pid" \
        -c "${READERS:-16}" -d "${DURATION:-20s}" --warmup "${WARMUP:-3s}" 2>&1 | tail -1
    wait "$writers"
    grep -c 'database is locked' "$work/run.log" | sed 's/^/"database is locked" in the log: /' || true
    kill "$pid"; wait "$pid" 2>/dev/null || true
    sleep 2
done
