#!/usr/bin/env bash
# Handshakes per second and memory per idle connection: `duplex echo` against the Netty and Java-WebSocket
# peers, same JVM flags, interleaved rounds (A B C A B C ...), server pinned to one CPU and the generator
# (`duplex bench connect`) to another.
#
# Per run: start the server; warm it up with one short connect run; `jcmd GC.run` and read the heap used
# (GC.heap_info) and VmRSS; open CONNECTIONS idle connections and hold them; GC.run again and read both
# again while they are held; handshakes/s comes from the generator's --json. Prints one line per run and a
# table of medians.
#
# Usage: duplex-bench/run-idle.sh            (from the repository root; builds nothing)
#   ROUNDS=3 CONNECTIONS=10000 HOLD=15 MAX_PENDING=32 SERVER_CPU=1 CLIENT_CPU=0 PORT=19100
#   SERVERS="duplex netty java-websocket"
#   JVM_FLAGS="-Xms1g -Xmx1g -XX:+UseSerialGC"  (Serial is what the JVM picks anyway when pinned to one CPU)
# Needs: duplex-server/target/duplex.jar and duplex-bench/target/benchmarks.jar
#   (mvn -B -ntp -q install -DskipTests), jcmd, jq, taskset; an open-file limit above CONNECTIONS.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
duplex_jar="$here/duplex-server/target/duplex.jar"
peers_jar="$here/duplex-bench/target/benchmarks.jar"
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-10000}
HOLD=${HOLD:-15}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
JVM_FLAGS=${JVM_FLAGS:--Xms1g -Xmx1g -XX:+UseSerialGC}
PORT=${PORT:-19100}
# Below every server's listen backlog (Java-WebSocket keeps the JDK's 50), so SYNs are not dropped and
# retried a second later: that would measure the backlog, not the handshake.
MAX_PENDING=${MAX_PENDING:-32}
SERVERS=${SERVERS:-duplex netty java-websocket}
work="$(mktemp -d)"
server_pid=""
trap '[[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT

start_server() { # name port
    local name=$1 port=$2
    : >"$work/server.log"
    # shellcheck disable=SC2086
    if [[ $name == duplex ]]; then
        taskset -c "$SERVER_CPU" java $JVM_FLAGS -jar "$duplex_jar" echo --port "$port" --loops 1 >"$work/server.log" 2>&1 &
    else
        taskset -c "$SERVER_CPU" java $JVM_FLAGS -cp "$peers_jar" io.duplex.bench.peers.Peers "$name" --port "$port" --threads 1 >"$work/server.log" 2>&1 &
    fi
    server_pid=$!
    for _ in $(seq 200); do
        grep -q "listening on" "$work/server.log" && return 0
        sleep 0.1
    done
    echo "server $name did not start:" >&2; cat "$work/server.log" >&2; exit 1
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

bench() { # port args...
    local port=$1; shift
    # shellcheck disable=SC2086
    taskset -c "$CLIENT_CPU" java $JVM_FLAGS -jar "$duplex_jar" bench connect --url "ws://127.0.0.1:$port/" \
        --loops 1 --json --server-pid "$server_pid" --max-pending "$MAX_PENDING" --connect-timeout 30s "$@"
}

echo "server round handshakes_per_s handshakes_per_server_cpu_s heap_bytes_per_conn rss_bytes_per_conn heap_before_kb heap_held_kb rss_before_kb rss_held_kb server_fds_held handshake_failures server_cpu_share_while_opening"
run=0
for round in $(seq "$ROUNDS"); do
    for name in $SERVERS; do
        run=$((run + 1))
        port=$((PORT + run))
        start_server "$name" "$port"
        bench "$port" --connections 2000 --hold 1s --quiet >/dev/null || true
        sleep 1
        heap0=$(heap_used_kb); rss0=$(rss_kb)
        : >"$work/bench.err"
        bench "$port" --connections "$CONNECTIONS" --hold "${HOLD}s" >"$work/bench.json" 2>"$work/bench.err" &
        bench_pid=$!
        until grep -q "^holding" "$work/bench.err"; do
            kill -0 "$bench_pid" 2>/dev/null || { cat "$work/bench.err" >&2; exit 1; }
            sleep 0.2
        done
        sleep 2
        heap1=$(heap_used_kb); rss1=$(rss_kb); fds=$(ls "/proc/$server_pid/fd" | wc -l)
        # The figures count only if the connections were still held when they were taken.
        kill -0 "$bench_pid" 2>/dev/null && ! grep -q '^\[.*\] close' "$work/bench.err" \
            || { echo "the hold ended before the measurement; raise HOLD" >&2; exit 1; }
        # Exit status 1 (some handshakes failed) still leaves a result: the failures are a column.
        wait "$bench_pid" || true
        opened=$(jq .opened "$work/bench.json") || { echo "bench failed against $name:" >&2; cat "$work/bench.err" >&2; exit 1; }
        failures=$(jq .handshake_failures "$work/bench.json")
        # Server CPU seconds per second of opening: near 1.0 means the server, not the generator, was the limit.
        cpu_share=$(jq '(.server_cpu_s / .open_s * 100 | round) / 100' "$work/bench.json")
        hs_per_cpu=$(jq '.handshakes_per_server_cpu_s | round' "$work/bench.json")
        hs=$(jq .handshakes_per_s "$work/bench.json")
        stop_server
        echo "$name $round $hs $hs_per_cpu $(( (heap1 - heap0) * 1024 / opened )) $(( (rss1 - rss0) * 1024 / opened )) $heap0 $heap1 $rss0 $rss1 $fds $failures $cpu_share" \
            | tee -a "$work/runs.txt"
    done
done

echo
echo "medians over $ROUNDS rounds, $CONNECTIONS idle connections, JVM flags: $JVM_FLAGS"
printf '| %-15s | %12s | %24s | %21s | %20s | %21s |\n' server handshakes/s "handshakes/server-CPU-s" \
    "server CPU share" "heap bytes/connection" "RSS bytes/connection"
printf '|%s|%s|%s|%s|%s|%s|\n' "-----------------" "--------------" "--------------------------" \
    "-----------------------" "----------------------" "-----------------------"
for name in $SERVERS; do
    awk -v n="$name" '$1 == n {print $3, $4, $13, $5, $6}' "$work/runs.txt" | python3 -c '
import sys, statistics
rows = [list(map(float, l.split())) for l in sys.stdin if l.strip()]
m = [statistics.median(c) for c in zip(*rows)]
print("| %-15s | %12.0f | %24.0f | %21.2f | %20.0f | %21.0f |" % (sys.argv[1], *m))' "$name"
done
