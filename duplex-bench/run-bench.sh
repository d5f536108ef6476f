#!/usr/bin/env bash
# Side-by-side benchmark: `duplex echo` against the peer servers (Netty, Jetty, Java-WebSocket, Vert.x, Node ws,
# uWebSockets), every scenario, several interleaved rounds. For each round and each scenario every server runs
# once, in turn (A B C ... A B C ...), each in a fresh process pinned to SERVER_CPU with one event loop / thread,
# the generator (`duplex bench`, one loop) pinned to CLIENT_CPU. Every Java server gets the same JVM_FLAGS.
#
# Scenarios (names for --scenarios):
#   echo32    echo, 32-byte text messages, 100 connections, 16 in flight per connection
#   echo32w   echo32 with the generator writing each message in its own system call (no corking), so most
#             server reads carry one frame: the fixed cost per read and per write
#   echo4k    echo, 4 KiB binary messages, 50 connections, depth 4
#   echo1m    echo, 1 MiB binary messages, 4 connections, depth 2
#   latency   echo round trip on one connection, depth 1, 32-byte text: p50/p99/p99.9
#   idle      open IDLE_CONNECTIONS idle connections (handshakes/s), hold them, RSS (and, for Java, live heap
#             after a full GC) per connection, like run-idle.sh
#   fanout    64-byte binary messages published at FANOUT_RATE/s to 1,000 subscribers on /broadcast
#
# Output: duplex-bench/results/<UTC timestamp>/ with runs.jsonl (one JSON object per run: the generator's --json
# result plus server, round, scenario, status, reason and the idle-memory figures), machine.json, run logs, and
# table.md + chart.svg from duplex-bench/bench-report.py (rerun it on a results directory at any time, e.g. after
# stopping a run early: every finished run is already in runs.jsonl).
#
# Usage (from anywhere; builds nothing):
#   duplex-bench/run-bench.sh [--rounds N] [--first-round K] [--duration S] [--warmup S] [--servers "a b"] [--scenarios "x y"]
#                             [--idle-connections N] [--fanout-rate N] [--out DIR]
# --first-round K with --out DIR adds rounds K.. to an earlier run's directory (pass the same settings: the
# report reads them from the first run's machine.json).
# The same settings as environment variables: ROUNDS=2 FIRST_ROUND=1 DURATION=4 WARMUP=2 SERVERS=... SCENARIOS=...
#   IDLE_CONNECTIONS=10000 (19000 fits under a 20,000 open-file limit per process) IDLE_HOLD=5 FANOUT_RATE=200 (x 1,000 subscribers = 200,000 deliveries/s: a rate every server here sustains, so the per-CPU figure compares like with like)
#   FANOUT_SUBSCRIBERS=1000 MAX_PENDING=32 SERVER_CPU=1 CLIENT_CPU=0 PORT=20300
#   JVM_FLAGS="-Xms1g -Xmx1g -XX:+UseSerialGC" (servers and generator alike) RUN_TIMEOUT=120
# Defaults take about 6 to 7 minutes per round on a 2-CPU machine (3 rounds took 18.5 minutes).
# Needs: duplex-server/target/duplex.jar, duplex-bench/target/benchmarks.jar (mvn -B -ntp -q install -DskipTests),
#   `npm ci` in duplex-bench/node, jq, jcmd, taskset, timeout, python3.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
duplex_jar="$here/duplex-server/target/duplex.jar"
peers_jar="$here/duplex-bench/target/benchmarks.jar"
node_dir="$here/duplex-bench/node"

ROUNDS=${ROUNDS:-2}
FIRST_ROUND=${FIRST_ROUND:-1}
DURATION=${DURATION:-4}
WARMUP=${WARMUP:-2}
SERVERS=${SERVERS:-duplex netty jetty java-websocket vertx ws uws}
SCENARIOS=${SCENARIOS:-echo32 echo32w echo4k echo1m latency idle fanout}
IDLE_CONNECTIONS=${IDLE_CONNECTIONS:-10000}
IDLE_HOLD=${IDLE_HOLD:-5}
FANOUT_RATE=${FANOUT_RATE:-200}
FANOUT_SUBSCRIBERS=${FANOUT_SUBSCRIBERS:-1000}
# Below every server's listen backlog (Java-WebSocket keeps the JDK's 50): see run-idle.sh.
MAX_PENDING=${MAX_PENDING:-32}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
PORT=${PORT:-20300}
JVM_FLAGS=${JVM_FLAGS:--Xms1g -Xmx1g -XX:+UseSerialGC}
RUN_TIMEOUT=${RUN_TIMEOUT:-120}
OUT=${OUT:-}

while [[ $# -gt 0 ]]; do
    case $1 in
        --rounds) ROUNDS=$2; shift 2 ;;
        --first-round) FIRST_ROUND=$2; shift 2 ;;
        --duration) DURATION=$2; shift 2 ;;
        --warmup) WARMUP=$2; shift 2 ;;
        --servers) SERVERS=$2; shift 2 ;;
        --scenarios) SCENARIOS=$2; shift 2 ;;
        --idle-connections) IDLE_CONNECTIONS=$2; shift 2 ;;
        --fanout-rate) FANOUT_RATE=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

for f in "$duplex_jar" "$peers_jar" "$node_dir/node_modules/ws/package.json" "$node_dir/node_modules/uwebsockets/package.json"; do
    [[ -e $f ]] || { echo "missing $f: build with mvn -B -ntp -q install -DskipTests and run npm ci in duplex-bench/node" >&2; exit 1; }
done
if (( $(ulimit -n) <= IDLE_CONNECTIONS + 100 )); then
    echo "open-file limit $(ulimit -n) is too low for IDLE_CONNECTIONS=$IDLE_CONNECTIONS" >&2; exit 1
fi

out=${OUT:-$here/duplex-bench/results/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out/logs"
runs="$out/runs.jsonl"
: >>"$runs"
server_pid=""
trap 'stop_server' EXIT
trap 'exit 130' INT TERM

java_version=$(java -version 2>&1 | head -1)
jq -n --arg nproc "$(nproc)" --arg cpu "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)" \
    --arg kernel "$(uname -r)" --arg java "$java_version" --arg jvm "$(java -version 2>&1 | sed -n 3p)" \
    --arg node "$(node --version)" --arg loadavg "$(cut -d' ' -f1-3 /proc/loadavg)" \
    --arg mem "$(awk '/^MemTotal/ {print $2 " kB"}' /proc/meminfo)" --arg jvm_flags "$JVM_FLAGS" \
    --arg started "$(date -u +%FT%TZ)" --arg commit "$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
    --argjson rounds "$ROUNDS" --argjson duration "$DURATION" --argjson warmup "$WARMUP" \
    --argjson idle "$IDLE_CONNECTIONS" --argjson fanout_rate "$FANOUT_RATE" --argjson subs "$FANOUT_SUBSCRIBERS" \
    --arg servers "$SERVERS" --arg scenarios "$SCENARIOS" --arg server_cpu "$SERVER_CPU" --arg client_cpu "$CLIENT_CPU" \
    '{nproc: $nproc, cpu: $cpu, kernel: $kernel, java: $java, jvm: $jvm, node: $node, memory: $mem,
      loadavg_at_start: $loadavg, jvm_flags: $jvm_flags, started: $started, commit: $commit, rounds: $rounds,
      duration_s: $duration, warmup_s: $warmup, idle_connections: $idle, fanout_rate: $fanout_rate,
      fanout_subscribers: $subs, servers: $servers, scenarios: $scenarios, server_cpu: $server_cpu,
      client_cpu: $client_cpu}' >"$out/machine-from-round-$FIRST_ROUND.json"
[[ -e $out/machine.json ]] || cp "$out/machine-from-round-$FIRST_ROUND.json" "$out/machine.json"

log() { echo "[$(date +%T)] $*" >&2; }

start_server() { # name port log -> sets server_pid; returns 1 if it did not start
    local name=$1 port=$2 slog=$3
    # shellcheck disable=SC2086
    case $name in
        duplex) taskset -c "$SERVER_CPU" java $JVM_FLAGS -jar "$duplex_jar" echo --port "$port" --loops 1 --no-deflate >"$slog" 2>&1 & ;;
        netty|jetty|java-websocket|vertx)
            taskset -c "$SERVER_CPU" java $JVM_FLAGS -cp "$peers_jar" io.duplex.bench.peers.Peers "$name" --port "$port" --threads 1 >"$slog" 2>&1 & ;;
        ws|uws) taskset -c "$SERVER_CPU" node "$node_dir/$name-peer.mjs" --port "$port" >"$slog" 2>&1 & ;;
        *) echo "unknown server $name" >"$slog"; return 1 ;;
    esac
    server_pid=$!   # taskset execs the server, so this is the server's own pid
    for _ in $(seq 300); do
        grep -q "listening on" "$slog" && return 0
        kill -0 "$server_pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

stop_server() {
    if [[ -n $server_pid ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
}

is_java() { [[ $1 != ws && $1 != uws ]]; }

heap_used_kb() { # after a full GC: the sum over the heap's generations (lines above Metaspace)
    jcmd "$server_pid" GC.run >/dev/null
    jcmd "$server_pid" GC.heap_info | awk '/Metaspace/ {exit} match($0, /used [0-9]+K/) {s += substr($0, RSTART + 5, RLENGTH - 6)} END {print s + 0}'
}

proc_kb() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$server_pid/status"; }

bench() { # mode port args... (stdout: the generator's JSON)
    local mode=$1 port=$2; shift 2
    local path=/
    [[ $mode == fanout ]] && path=/broadcast
    # shellcheck disable=SC2086
    timeout --signal=KILL "$RUN_TIMEOUT" taskset -c "$CLIENT_CPU" java $JVM_FLAGS -jar "$duplex_jar" bench "$mode" \
        --url "ws://127.0.0.1:$port$path" --loops 1 --json --server-pid "$server_pid" "$@"
}

# record server round scenario status reason [json-file] [extra-json]
record() {
    local server=$1 round=$2 scenario=$3 status=$4 reason=$5 file=${6:-} extra=${7:-'{}'}
    local base='{}'
    [[ -n $file && -s $file ]] && jq -e . "$file" >/dev/null 2>&1 && base=$(jq -c . "$file")
    jq -cn --argjson b "$base" --argjson x "$extra" --arg server "$server" --argjson round "$round" \
        --arg scenario "$scenario" --arg status "$status" --arg reason "$reason" --arg at "$(date -u +%FT%TZ)" \
        '$b + $x + {server: $server, round: $round, scenario: $scenario, status: $status, reason: $reason, at: $at}' \
        >>"$runs"
}

# The generator's verdict: ok, or failed with the first errors it saw.
verdict() { # json-file generator-exit-status stderr-file -> "status<TAB>reason"
    local file=$1 rc=$2 err=$3
    if [[ ! -s $file ]] || ! jq -e . "$file" >/dev/null 2>&1; then
        local why
        why=$(grep -v '^\[' "$err" | tail -3 | tr '\n' ' ' | cut -c1-300)
        [[ $rc == 137 ]] && why="generator killed after ${RUN_TIMEOUT}s; $why"
        printf 'failed\tno result (generator exit %s): %s' "$rc" "$why"
    elif ! kill -0 "$server_pid" 2>/dev/null; then
        printf 'failed\tserver exited during the run'
    elif [[ $(jq '.errors + .handshake_failures' "$file") != 0 ]]; then
        printf 'failed\t%s' "$(jq -r '"\(.errors) errors, \(.handshake_failures) handshake failures: " + ((.first_errors // []) | map(tostring) | join("; "))' "$file" | cut -c1-300)"
    else
        printf 'ok\t'
    fi
}

run_load() { # scenario port json err
    local scenario=$1 port=$2 json=$3 err=$4
    local common=(--warmup "${WARMUP}s" --duration "${DURATION}s" --quiet)
    case $scenario in
        echo32) bench echo "$port" --connections 100 --depth 16 --size 32 --text "${common[@]}" ;;
        echo32w) bench echo "$port" --connections 100 --depth 16 --size 32 --text --write-per-message "${common[@]}" ;;
        echo4k) bench echo "$port" --connections 50 --depth 4 --size 4096 --binary "${common[@]}" ;;
        echo1m) bench echo "$port" --connections 4 --depth 2 --size 1048576 --binary "${common[@]}" ;;
        latency) bench echo "$port" --connections 1 --depth 1 --size 32 --text "${common[@]}" ;;
        fanout) bench fanout "$port" --subscribers "$FANOUT_SUBSCRIBERS" --publish-rate "$FANOUT_RATE" --size 64 \
                    --binary --max-pending "$MAX_PENDING" "${common[@]}" ;;
    esac >"$json" 2>"$err"
}

run_idle() { # server round port json err
    local name=$1 round=$2 port=$3 json=$4 err=$5
    # Warm up the handshake path, as run-idle.sh does.
    bench connect "$port" --connections 2000 --hold 1s --quiet --max-pending "$MAX_PENDING" >/dev/null 2>&1 || true
    sleep 1
    local heap0=null heap1=null rss0 rss1
    is_java "$name" && heap0=$(heap_used_kb)
    rss0=$(proc_kb VmRSS)
    : >"$err"
    bench connect "$port" --connections "$IDLE_CONNECTIONS" --hold "${IDLE_HOLD}s" --max-pending "$MAX_PENDING" \
        --connect-timeout 30s >"$json" 2>"$err" &
    local bench_pid=$! held=0
    while kill -0 "$bench_pid" 2>/dev/null; do
        grep -q "^holding" "$err" && { held=1; break; }
        sleep 0.2
    done
    if (( held )); then
        sleep 2
        is_java "$name" && heap1=$(heap_used_kb)
        rss1=$(proc_kb VmRSS)
        # The figures count only if the connections were still held when they were taken.
        kill -0 "$bench_pid" 2>/dev/null && ! grep -q '^\[.*\] close' "$err" || held=0
    fi
    local rc=0
    wait "$bench_pid" || rc=$?
    if (( ! held )) || [[ ! -s $json ]]; then
        echo "$rc"; echo '{}'; return
    fi
    local opened
    opened=$(jq .opened "$json")
    echo "$rc"
    jq -cn --argjson opened "$opened" --argjson rss0 "$rss0" --argjson rss1 "$rss1" --argjson h0 "$heap0" --argjson h1 "$heap1" \
        '{rss_before_kb: $rss0, rss_held_kb: $rss1, heap_before_kb: $h0, heap_held_kb: $h1,
          rss_bytes_per_connection: (if $opened > 0 then (($rss1 - $rss0) * 1024 / $opened | round) else null end),
          heap_bytes_per_connection: (if $h0 != null and $opened > 0 then (($h1 - $h0) * 1024 / $opened | round) else null end)}'
}

total=$(( ROUNDS * $(wc -w <<<"$SCENARIOS") * $(wc -w <<<"$SERVERS") ))
log "results in $out ($total runs)"
run=0
# Ports are not reused within a results directory (a port just closed may still have connections in TIME_WAIT).
(( FIRST_ROUND > 1 )) && PORT=$((PORT + (FIRST_ROUND - 1) * total))
for round in $(seq "$FIRST_ROUND" $((FIRST_ROUND + ROUNDS - 1))); do
    for scenario in $SCENARIOS; do
        for name in $SERVERS; do
            run=$((run + 1))
            port=$((PORT + run))
            tag="r$round-$scenario-$name"
            slog="$out/logs/$tag.server.log" json="$out/logs/$tag.json" err="$out/logs/$tag.bench.log"
            if ! start_server "$name" "$port" "$slog"; then
                record "$name" "$round" "$scenario" failed "server did not start: $(tail -2 "$slog" | tr '\n' ' ' | cut -c1-200)"
                log "$run/$total $tag: server did not start"
                stop_server; continue
            fi
            rc=0 extra='{}'
            if [[ $scenario == idle ]]; then
                { read -r rc; read -r extra; } < <(run_idle "$name" "$round" "$port" "$json" "$err")
                [[ $extra == '{}' && -s $json ]] && extra='{"idle_note":"hold ended before the memory was read"}'
            else
                run_load "$scenario" "$port" "$json" "$err" || rc=$?
            fi
            extra=$(jq -c --argjson hwm "$(proc_kb VmHWM 2>/dev/null || echo null)" '. + {server_vmhwm_kb: $hwm}' <<<"$extra" 2>/dev/null || echo "$extra")
            IFS=$'\t' read -r status reason < <(verdict "$json" "$rc" "$err"; echo)
            if [[ $scenario == idle && $status == ok && $(jq 'has("rss_bytes_per_connection")' <<<"$extra") != true ]]; then
                status=failed reason="idle memory not measured: the hold ended before it could be read"
            fi
            record "$name" "$round" "$scenario" "$status" "$reason" "$json" "$extra"
            log "$run/$total $tag: $status $(tail -1 "$runs" | jq -r '[.messages_per_s, .deliveries_per_s, .handshakes_per_s, .latency_p99_us, .server_cpu_s] | map(select(. != null) | tostring) | join(" ")') $reason"
            stop_server
        done
    done
done

python3 "$here/duplex-bench/bench-report.py" "$out"
log "table: $out/table.md  chart: $out/chart.svg"
