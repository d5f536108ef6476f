#!/usr/bin/env bash
# Three `duplex serve --broker redis` nodes against one node in memory (docs/scaling.md, "Measured").
# Subscribers on nodes 2 and 3, the publisher on node 1; a Redis of its own on $REDIS_PORT (so other users of a
# shared Redis do not show up in its command counts). Node and Redis CPU, and Redis commands, are sampled at the
# start and end of the generator's measured window.
#   SUBS=300 RATE=500 DURATION=10 duplex-bench/run-scaling.sh
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=duplex-server/target/duplex.jar
SUBS=${SUBS:-300} RATE=${RATE:-500} WARMUP=${WARMUP:-3} DURATION=${DURATION:-10} REDIS_PORT=${REDIS_PORT:-16379}
OUT=$(mktemp -d)
FLAGS="--loops 1 --no-demo --editor-docs= --ip-connect-rate 0 --ip-max-connections 0 --rate-messages 0 --rate-bytes 0"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

cpu() { # CPU seconds (utime + stime) of the given pids
  local t=0; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' /proc/$p/stat))); done
  echo "scale=2; $t / $(getconf CLK_TCK)" | bc
}
rcmds() { { redis-cli -p "$REDIS_PORT" INFO commandstats 2>/dev/null || true; } | awk -F'[=,:]' '/^cmdstat_/ && $1 != "cmdstat_info" {n += $3} END {print n + 0}'; }
rcpu() { { redis-cli -p "$REDIS_PORT" INFO cpu 2>/dev/null || true; } | awk -F: '/^used_cpu_(sys|user):/ {s += $2} END {print s + 0}'; }
serve() { java -Xmx512m -jar "$JAR" serve --port "$1" $FLAGS "${@:2}" > "$OUT/node$1.log" 2>&1 & pids+=($!); P=$!; }
await_port() { for _ in $(seq 100); do grep -q "listening on" "$OUT/node$1.log" && return; sleep 0.1; done; echo "node $1 did not start" >&2; exit 1; }

run() { # name, generator args..., then the node pids after --
  local name=$1; shift; local args=(); while [ "$1" != -- ]; do args+=("$1"); shift; done; shift
  java -jar "$JAR" bench hub "${args[@]}" --subscribers "$SUBS" --rate "$RATE" --size 64 --loops 1 \
    --warmup "${WARMUP}s" --duration "${DURATION}s" --json --quiet > "$OUT/$name.json" &
  local gen=$!
  sleep "$WARMUP"
  local c0 r0 k0; c0=$(cpu "$@"); r0=$(rcpu); k0=$(rcmds)
  sleep "$DURATION"
  local c1 r1 k1; c1=$(cpu "$@"); r1=$(rcpu); k1=$(rcmds)
  wait $gen || echo "!! $name: the generator reported errors" >&2
  python3 - "$OUT/$name.json" "$name" "$c0" "$c1" "$r0" "$r1" "$k0" "$k1" "$DURATION" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); name = sys.argv[2]
c = float(sys.argv[4]) - float(sys.argv[3]); rc = float(sys.argv[6]) - float(sys.argv[5])
k = int(sys.argv[8]) - int(sys.argv[7]); d = float(sys.argv[9])
pubs = r["published_per_s"] * d; dels = r["deliveries_per_s"] * d
lat = {k2: v for k2, v in r.items() if k2.startswith("latency")}
print(f"{name}: published/s {r['published_per_s']}, deliveries/s {r['deliveries_per_s']}, errors {r['errors']}, "
      f"gaps {r['offset_gaps']}; node CPU {c:.2f} s -> {dels / c:,.0f} deliveries per node CPU s; "
      f"Redis CPU {rc:.2f} s; Redis commands {k} -> {k / pubs if pubs else 0:.2f} per publication; {lat}")
PY
}

echo "== one node, in memory"
serve 18090; await_port 18090
run memory --url ws://127.0.0.1:18090/ws -- "$P"
kill "$P"; wait "$P" 2>/dev/null || true

echo "== three nodes on Redis (own redis-server on $REDIS_PORT)"
redis-server --port "$REDIS_PORT" --save '' --appendonly no --daemonize no > "$OUT/redis.log" 2>&1 & pids+=($!)
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
R="--broker redis --redis redis://127.0.0.1:$REDIS_PORT"
serve 18091 $R; P1=$P; serve 18092 $R; P2=$P; serve 18093 $R; P3=$P
await_port 18091; await_port 18092; await_port 18093
run redis --url ws://127.0.0.1:18092/ws --url ws://127.0.0.1:18093/ws --publish-url ws://127.0.0.1:18091/ws \
  -- "$P1" "$P2" "$P3"
echo "(logs and JSON in $OUT)"
