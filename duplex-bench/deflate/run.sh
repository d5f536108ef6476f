#!/usr/bin/env bash
# permessage-deflate measurements for docs/compression.md.
#
#   duplex-bench/deflate/run.sh throughput [ROUNDS]   # compressed echo throughput, 5 servers, interleaved rounds
#   duplex-bench/deflate/run.sh memory [ROUNDS]       # heap and RSS per connection, 4 states, interleaved rounds
#
# Prerequisites (from the repository root):
#   mvn -B -ntp -q install -DskipTests -Dfuzz.skip
#   (cd duplex-bench/node && npm ci)
#
# Servers run pinned to CPU 1, the generator to CPU 0. Every Java server gets the same JVM flags ($JVM_FLAGS).
# Raw results (one JSON line per trial) go to $OUT (default duplex-bench/deflate/results/<mode>-<timestamp>.jsonl).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MODE=${1:?usage: run.sh throughput|memory [ROUNDS]}
ROUNDS=${2:-3}
PORT=${PORT:-19400}
JVM_FLAGS=${JVM_FLAGS:--Xms512m -Xmx512m -XX:+UseG1GC}
CONNS=${CONNS:-}
SERVER_CPU=${SERVER_CPU:-1}
GEN_CPU=${GEN_CPU:-0}
CLK_TCK=$(getconf CLK_TCK)
DUPLEX_JAR=$ROOT/duplex-server/target/duplex.jar
BENCH_JAR=$ROOT/duplex-bench/target/benchmarks.jar
LOADGEN=$ROOT/duplex-bench/deflate/loadgen.mjs
mkdir -p "$ROOT/duplex-bench/deflate/results"
OUT=${OUT:-$ROOT/duplex-bench/deflate/results/$MODE-$(date -u +%Y%m%dT%H%M%SZ).jsonl}
LOG=$(mktemp -d /tmp/deflate-run.XXXXXX)

SERVER_PID=
GEN_PID=
cleanup() {
  [[ -n $GEN_PID ]] && kill "$GEN_PID" 2>/dev/null || true
  [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null || true
}
trap cleanup EXIT

# start_server NAME PORT [JVM extra flags...]: sets SERVER_PID, waits for "listening on".
start_server() {
  local name=$1 port=$2; shift 2
  local extra=("$@")
  local cmd
  case $name in
    duplex)          cmd=(java $JVM_FLAGS "${extra[@]}" -jar "$DUPLEX_JAR" echo --port "$port" --loops 1) ;;
    duplex-ctx)      cmd=(java $JVM_FLAGS "${extra[@]}" -jar "$DUPLEX_JAR" echo --port "$port" --loops 1 --deflate-context-takeover) ;;
    duplex-nodeflate) cmd=(java $JVM_FLAGS "${extra[@]}" -jar "$DUPLEX_JAR" echo --port "$port" --loops 1 --no-deflate) ;;
    netty)           cmd=(java $JVM_FLAGS "${extra[@]}" -cp "$BENCH_JAR" io.duplex.bench.peers.Peers netty --port "$port" --threads 1 --deflate) ;;
    ws)              cmd=(node "$ROOT/duplex-bench/node/ws-peer.mjs" --port "$port" --deflate) ;;
    *) echo "unknown server $name" >&2; exit 1 ;;
  esac
  # taskset execs the command, so $! is the server's own pid.
  taskset -c "$SERVER_CPU" "${cmd[@]}" > "$LOG/server.out" 2> "$LOG/server.err" &
  SERVER_PID=$!
  for _ in $(seq 1 200); do
    if grep -q 'listening on' "$LOG/server.out" 2>/dev/null; then return 0; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then cat "$LOG/server.err" >&2; echo "$name died" >&2; exit 1; fi
    sleep 0.1
  done
  echo "$name did not start" >&2; exit 1
}

stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}

throughput() {
  local servers=(duplex duplex-ctx duplex-nodeflate ws netty)
  local conns=${CONNS:-50}
  for round in $(seq 1 "$ROUNDS"); do
    for s in "${servers[@]}"; do
      PORT=$((PORT + 1))
      start_server "$s" "$PORT"
      local deflate=--deflate
      [[ $s == duplex-nodeflate ]] && deflate=
      local res
      res=$(taskset -c "$GEN_CPU" node "$LOADGEN" --port "$PORT" --conns "$conns" --depth 4 --warmup 3 --duration 10 \
              --size 4096 $deflate --server-pid "$SERVER_PID" --clk-tck "$CLK_TCK")
      stop_server
      echo "{\"round\":$round,\"server\":\"$s\",${res#\{}" | tee -a "$OUT"
    done
  done
}

# Heap used (bytes) after a full GC, and VmRSS (bytes).
heap_used() {
  jcmd "$1" GC.run > /dev/null
  sleep 0.5
  jcmd "$1" GC.heap_info | grep -o 'used [0-9]*K' | head -1 | grep -o '[0-9]*' | awk '{ print $1 * 1024 }'
}
rss() { awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/$1/status"; }

memory() {
  # state: server variant, generator flags
  local states=("idle duplex --deflate" "busy duplex --deflate --send-once 1" "busy-ctx duplex-ctx --deflate --send-once 1" "idle-nodeflate duplex-nodeflate")
  local conns=${CONNS:-1000}
  for round in $(seq 1 "$ROUNDS"); do
    for st in "${states[@]}"; do
      read -r state server genflags <<< "$st"
      PORT=$((PORT + 1))
      # AlwaysPreTouch makes the whole heap resident up front, so the RSS difference is memory outside the heap.
      start_server "$server" "$PORT" -XX:+AlwaysPreTouch
      sleep 2
      local h0 r0 h1 r1
      h0=$(heap_used "$SERVER_PID"); r0=$(rss "$SERVER_PID")
      taskset -c "$GEN_CPU" node "$LOADGEN" --port "$PORT" --conns "$conns" --hold $genflags > "$LOG/gen.out" 2> "$LOG/gen.err" &
      GEN_PID=$!
      for _ in $(seq 1 600); do
        grep -q '^READY' "$LOG/gen.out" 2>/dev/null && break
        if ! kill -0 "$GEN_PID" 2>/dev/null; then cat "$LOG/gen.err" >&2; echo "generator died" >&2; exit 1; fi
        sleep 0.1
      done
      sleep 1
      h1=$(heap_used "$SERVER_PID"); r1=$(rss "$SERVER_PID")
      local ready
      ready=$(sed -n 's/^READY //p' "$LOG/gen.out")
      kill "$GEN_PID"; wait "$GEN_PID" || { echo "generator reported connections closed while held" >&2; cat "$LOG/gen.err" >&2; }
      GEN_PID=
      local alive=true h2=0
      kill -0 "$SERVER_PID" 2>/dev/null || alive=false
      # Heap once the connections are gone: should return to the starting figure (no leaked connection state).
      sleep 2
      $alive && h2=$(heap_used "$SERVER_PID")
      stop_server
      echo "{\"round\":$round,\"state\":\"$state\",\"server\":\"$server\",\"conns\":$conns,\"heapBefore\":$h0,\"heapAfter\":$h1,\"heapAfterClose\":$h2,\"rssBefore\":$r0,\"rssAfter\":$r1,\"heapPerConn\":$(( (h1 - h0) / conns )),\"rssPerConn\":$(( (r1 - r0) / conns )),\"serverAlive\":$alive,\"gen\":$ready}" | tee -a "$OUT"
    done
  done
}

case $MODE in
  throughput) throughput ;;
  memory) memory ;;
  *) echo "usage: run.sh throughput|memory [ROUNDS]" >&2; exit 1 ;;
esac
echo "results: $OUT" >&2
