#!/usr/bin/env bash
# permessage-deflate measurements for docs/compression.md.
#
#   duplex-bench/deflate/run.sh throughput [ROUNDS]   # compressed echo throughput, 5 servers ($SERVERS), interleaved rounds
#   duplex-bench/deflate/run.sh memory [ROUNDS]       # heap, RSS and bytes on the wire per connection, 5 states,
#                                                     # interleaved rounds; $SEND_ONCE messages (default 10) echoed
#                                                     # on each connection in the busy states
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
GEN2_PID=
cleanup() {
  [[ -n $GEN_PID ]] && kill "$GEN_PID" 2>/dev/null || true
  [[ -n $GEN2_PID ]] && kill "$GEN2_PID" 2>/dev/null || true
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
    duplex-clientctx) cmd=(java $JVM_FLAGS "${extra[@]}" -jar "$DUPLEX_JAR" echo --port "$port" --loops 1 --deflate-client-context-takeover) ;;
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
  # SERVERS="duplex duplex-clientctx" run.sh throughput 3 runs a subset (or adds duplex-clientctx).
  local servers=(${SERVERS:-duplex duplex-ctx duplex-nodeflate ws netty})
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

# hold NAME CONNS FLAGS...: starts a generator in hold mode, output in $LOG/NAME.out, and waits for READY;
# sets HELD_PID.
hold() {
  local name=$1 conns=$2; shift 2
  taskset -c "$GEN_CPU" node "$LOADGEN" --port "$PORT" --conns "$conns" --hold "$@" --server-pid "$SERVER_PID" \
    > "$LOG/$name.out" 2> "$LOG/$name.err" &
  HELD_PID=$!
  for _ in $(seq 1 600); do
    grep -q '^READY' "$LOG/$name.out" 2>/dev/null && return 0
    if ! kill -0 "$HELD_PID" 2>/dev/null; then cat "$LOG/$name.err" >&2; echo "generator died" >&2; exit 1; fi
    sleep 0.1
  done
  echo "generator not ready" >&2; exit 1
}

# release NAME PID: stops a holding generator; complains if it saw connections closed while held.
release() {
  kill "$2"
  wait "$2" || { echo "generator $1 reported connections closed while held" >&2; cat "$LOG/$1.err" >&2; }
}

memory() {
  # state: server variant, generator flags. busy-client-ctx is the behaviour before client_no_context_takeover
  # became the default: the client keeps its context, so each connection keeps a decompressor.
  local k=${SEND_ONCE:-10}
  local states=("idle-nodeflate duplex-nodeflate" "idle duplex --deflate"
    "busy-client-ctx duplex-clientctx --deflate --send-once $k" "busy duplex --deflate --send-once $k"
    "busy-nodeflate duplex-nodeflate --send-once $k")
  local conns=${CONNS:-1000}
  for round in $(seq 1 "$ROUNDS"); do
    for st in "${states[@]}"; do
      read -r state server genflags <<< "$st"
      PORT=$((PORT + 1))
      # AlwaysPreTouch makes the whole heap resident up front, so the RSS difference is memory outside the heap.
      start_server "$server" "$PORT" -XX:+AlwaysPreTouch
      # Warm-up: the same traffic on $WARM connections, then closed, so that class loading and the loop's shared
      # compressor and decompressor are in the baseline and not counted per connection.
      hold warm "${WARM:-50}" $genflags
      release warm "$HELD_PID"
      sleep 2
      local h0 r0 h1 r1 h2 r2
      h0=$(heap_used "$SERVER_PID"); r0=$(rss "$SERVER_PID")
      hold gen "$conns" $genflags
      GEN_PID=$HELD_PID
      sleep 1
      h1=$(heap_used "$SERVER_PID"); r1=$(rss "$SERVER_PID")
      # A second batch on top of the first: what one more connection costs once JIT compilation and malloc arenas
      # have settled (the first batch also pays one-time growth, e.g. compiler arenas that glibc keeps).
      hold gen2 "$conns" $genflags
      GEN2_PID=$HELD_PID
      sleep 1
      h2=$(heap_used "$SERVER_PID"); r2=$(rss "$SERVER_PID")
      local ready ready2
      ready=$(sed -n 's/^READY //p' "$LOG/gen.out")
      ready2=$(sed -n 's/^READY //p' "$LOG/gen2.out")
      release gen2 "$GEN2_PID"; GEN2_PID=
      release gen "$GEN_PID"; GEN_PID=
      local alive=true h3=0
      kill -0 "$SERVER_PID" 2>/dev/null || alive=false
      # Heap once the connections are gone: should return to the starting figure (no leaked connection state).
      sleep 2
      $alive && h3=$(heap_used "$SERVER_PID")
      stop_server
      echo "{\"round\":$round,\"state\":\"$state\",\"server\":\"$server\",\"conns\":$conns,\"heapBefore\":$h0,\"heapAfter\":$h1,\"heapAfter2\":$h2,\"heapAfterClose\":$h3,\"rssBefore\":$r0,\"rssAfter\":$r1,\"rssAfter2\":$r2,\"heapPerConn\":$(( (h1 - h0) / conns )),\"rssPerConn\":$(( (r1 - r0) / conns )),\"heapPerConn2\":$(( (h2 - h1) / conns )),\"rssPerConn2\":$(( (r2 - r1) / conns )),\"serverAlive\":$alive,\"gen\":$ready,\"gen2\":$ready2}" | tee -a "$OUT"
    done
  done
}

case $MODE in
  throughput) throughput ;;
  memory) memory ;;
  *) echo "usage: run.sh throughput|memory [ROUNDS]" >&2; exit 1 ;;
esac
echo "results: $OUT" >&2
