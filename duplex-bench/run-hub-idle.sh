#!/usr/bin/env bash
# Memory per idle hub session, by run-idle.sh's method: live heap after a full GC (`jcmd GC.run`, then
# GC.heap_info), held minus before, per connection; and VmRSS the same way. Three kinds of connection, interleaved
# rounds (A B C A B C ...), a fresh server per run pinned to SERVER_CPU with one event loop, the generator (one
# loop) pinned to CLIENT_CPU, same JVM flags:
#   serve-subscribed  `duplex serve`; CONNECTIONS sessions, each subscribed to one of TOPICS topics
#                     (`bench hub --topics TOPICS --publish-rate 0`)
#   serve-bare        `duplex serve`; CONNECTIONS sessions that got their welcome and subscribed to nothing
#                     (`bench hub --topics 0 --publish-rate 0`)
#   echo-bare         `duplex echo`; CONNECTIONS idle connections (`bench connect`)
# Per run: start the server; warm it up with one short run of the same kind (1,000 connections); GC and read heap
# and RSS; open CONNECTIONS and hold them; GC and read both again while they are held.
#
# Usage (from the repository root; builds nothing): duplex-bench/run-hub-idle.sh
#   ROUNDS=3 CONNECTIONS=5000 TOPICS=100 HOLD=15 MAX_PENDING=32 SERVER_CPU=1 CLIENT_CPU=0 PORT=19700
#   KINDS="serve-subscribed serve-bare echo-bare" JVM_FLAGS="-Xms1g -Xmx1g -XX:+UseSerialGC" OUT=dir
# Needs: duplex-server/target/duplex.jar, jcmd, jq, taskset; an open-file limit above CONNECTIONS (the
# machine's 20,000 per process allows up to about 19,000).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$here/duplex-server/target/duplex.jar"
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-5000}
TOPICS=${TOPICS:-100}
HOLD=${HOLD:-15}
MAX_PENDING=${MAX_PENDING:-32}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
PORT=${PORT:-19700}
KINDS=${KINDS:-serve-subscribed serve-bare echo-bare}
JVM_FLAGS=${JVM_FLAGS:--Xms1g -Xmx1g -XX:+UseSerialGC}
OUT=${OUT:-$here/duplex-bench/results/hub-idle-$(date -u +%Y%m%dT%H%M%SZ)}
(( $(ulimit -n) > CONNECTIONS + 100 )) || { echo "open-file limit $(ulimit -n) too low for $CONNECTIONS" >&2; exit 1; }
mkdir -p "$OUT"
work="$(mktemp -d)"
server_pid=""
trap '[[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT

start_server() { # kind port
    local kind=$1 port=$2
    : >"$work/server.log"
    # shellcheck disable=SC2086
    if [[ $kind == echo-* ]]; then
        taskset -c "$SERVER_CPU" java $JVM_FLAGS -jar "$jar" echo --port "$port" --loops 1 >"$work/server.log" 2>&1 &
    else
        taskset -c "$SERVER_CPU" java $JVM_FLAGS -jar "$jar" serve --port "$port" --loops 1 --no-deflate \
            --ip-connect-rate 0 --ip-max-connections 0 --rate-messages 0 --rate-bytes 0 >"$work/server.log" 2>&1 &
    fi
    server_pid=$!
    for _ in $(seq 200); do
        grep -q "listening on" "$work/server.log" && return 0
        sleep 0.1
    done
    echo "server $kind did not start:" >&2; cat "$work/server.log" >&2; exit 1
}

stop_server() {
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}

heap_used_kb() { # after a full GC: the sum over the heap's generations (lines above Metaspace)
    jcmd "$server_pid" GC.run >/dev/null
    jcmd "$server_pid" GC.heap_info | awk '/Metaspace/ {exit} match($0, /used [0-9]+K/) {s += substr($0, RSTART + 5, RLENGTH - 6)} END {print s + 0}'
}

rss_kb() {
    awk '/^VmRSS:/ {print $2}' "/proc/$server_pid/status"
}

bench() { # kind port connections hold_s [more args]
    local kind=$1 port=$2 n=$3 hold=$4; shift 4
    local common=(--loops 1 --json --server-pid "$server_pid" --max-pending "$MAX_PENDING" --connect-timeout 30s)
    # shellcheck disable=SC2086
    case $kind in
        echo-bare) taskset -c "$CLIENT_CPU" java $JVM_FLAGS -jar "$jar" bench connect --url "ws://127.0.0.1:$port/" \
            --connections "$n" --hold "${hold}s" "${common[@]}" "$@" ;;
        serve-bare) taskset -c "$CLIENT_CPU" java $JVM_FLAGS -jar "$jar" bench hub --url "ws://127.0.0.1:$port/ws" \
            --subscribers "$n" --topics 0 --publish-rate 0 --warmup 0s --duration "${hold}s" "${common[@]}" "$@" ;;
        serve-subscribed) taskset -c "$CLIENT_CPU" java $JVM_FLAGS -jar "$jar" bench hub --url "ws://127.0.0.1:$port/ws" \
            --subscribers "$n" --topics "$TOPICS" --publish-rate 0 --warmup 0s --duration "${hold}s" "${common[@]}" "$@" ;;
    esac
}

echo "kind round heap_bytes_per_conn rss_bytes_per_conn heap_before_kb heap_held_kb rss_before_kb rss_held_kb server_fds_held errors" \
    | tee "$OUT/runs.txt"
run=0
for round in $(seq "$ROUNDS"); do
    for kind in $KINDS; do
        run=$((run + 1))
        port=$((PORT + run))
        start_server "$kind" "$port"
        bench "$kind" "$port" 1000 1 --quiet >/dev/null 2>&1 || true
        sleep 1
        heap0=$(heap_used_kb); rss0=$(rss_kb)
        : >"$work/bench.err"
        bench "$kind" "$port" "$CONNECTIONS" "$HOLD" >"$work/bench.json" 2>"$work/bench.err" &
        bench_pid=$!
        until grep -q "^holding" "$work/bench.err"; do
            kill -0 "$bench_pid" 2>/dev/null || { cat "$work/bench.err" >&2; exit 1; }
            sleep 0.2
        done
        sleep 2
        heap1=$(heap_used_kb); rss1=$(rss_kb); fds=$(ls "/proc/$server_pid/fd" | wc -l)
        kill -0 "$bench_pid" 2>/dev/null && ! grep -q '^\[.*\] close' "$work/bench.err" \
            || { echo "the hold ended before the measurement; raise HOLD" >&2; exit 1; }
        wait "$bench_pid" || true
        errors=$(jq .errors "$work/bench.json")
        cp "$work/bench.json" "$OUT/$round-$kind.json"
        stop_server
        echo "$kind $round $(( (heap1 - heap0) * 1024 / CONNECTIONS )) $(( (rss1 - rss0) * 1024 / CONNECTIONS )) $heap0 $heap1 $rss0 $rss1 $fds $errors" \
            | tee -a "$OUT/runs.txt"
    done
done

python3 - "$OUT/runs.txt" "$CONNECTIONS" <<'EOF' | tee "$OUT/table.md"
import sys, statistics
rows = [l.split() for l in open(sys.argv[1]).read().splitlines()[1:] if l.strip()]
kinds = list(dict.fromkeys(r[0] for r in rows))
med = {}
print(f"\nmedians, {sys.argv[2]} connections\n")
print("| kind | runs | heap bytes per connection (min-max) | RSS bytes per connection (min-max) |")
print("|---|---:|---:|---:|")
for k in kinds:
    rs = [r for r in rows if r[0] == k]
    h = [int(r[2]) for r in rs]; s = [int(r[3]) for r in rs]
    med[k] = statistics.median(h)
    print(f"| {k} | {len(rs)} | {statistics.median(h):,.0f} ({min(h):,}-{max(h):,}) | {statistics.median(s):,.0f} ({min(s):,}-{max(s):,}) |")
if "serve-subscribed" in med:
    for bare in ("serve-bare", "echo-bare"):
        if bare in med:
            print(f"\nserve-subscribed minus {bare}: {med['serve-subscribed'] - med[bare]:,.0f} heap bytes per connection")
EOF
