#!/usr/bin/env bash
# Hub fan-out against raw /broadcast: what the Duplex protocol (JSON publications, offsets, history, per-session
# queues) costs per delivery compared with `duplex echo`'s plain /broadcast, at the same publication rate and size,
# in interleaved rounds (every configuration once per round, in turn), each run in a fresh server process pinned to
# SERVER_CPU with one event loop, the generator (`duplex bench`, one loop) pinned to CLIENT_CPU, same JVM flags.
#
# Configurations (names for CONFIGS):
#   echo         `duplex echo` + `bench fanout --text` on /broadcast: SUBSCRIBERS subscribers, RATE messages/s of
#                SIZE bytes
#   hub          `duplex serve` (batching on, the default) + `bench hub`: SUBSCRIBERS subscribers of one topic,
#                RATE JSON publications/s whose data is SIZE bytes
#   hub-nobatch  the same with `duplex serve --no-batching`
#   hub-binary   the same as hub with binary publish frames (`bench hub --binary`)
#   lat-hub, lat-hub-nobatch
#                latency: SUBSCRIBERS subscribers spread over LAT_TOPICS topics, LAT_RATE publications/s round-robin
#                over the topics (LAT_RATE x SUBSCRIBERS / LAT_TOPICS deliveries/s), p50/p99/p99.9
# `duplex serve` always runs with the per-IP and per-session limits off (all connections come from 127.0.0.1, and
# the publisher sends far more than 100 requests/s): --ip-connect-rate 0 --ip-max-connections 0 --rate-messages 0
# --rate-bytes 0, and --no-deflate (the generator never offers it anyway).
#
# Output: OUT (default duplex-bench/results/hub-<UTC timestamp>/): runs.jsonl (the generator's --json result plus
# config, round, status), settings.json, the logs of failed runs; then a table of medians on stdout and in table.md.
#
# Usage (from anywhere; builds nothing): duplex-bench/run-hub.sh
#   ROUNDS=3 SUBSCRIBERS=1000 RATE=200 SIZE=64 LAT_RATE=1000 LAT_TOPICS=100 WARMUP=3 DURATION=6
#   CONFIGS="echo hub hub-nobatch hub-binary lat-hub lat-hub-nobatch" SERVER_CPU=1 CLIENT_CPU=0 PORT=19600
#   JVM_FLAGS="-Xms1g -Xmx1g -XX:+UseSerialGC" SERVER_EXTRA_FLAGS="" (e.g. -XX:StartFlightRecording=...) OUT=dir
# Needs: duplex-server/target/duplex.jar, jq, taskset, timeout, python3.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$here/duplex-server/target/duplex.jar"
ROUNDS=${ROUNDS:-3}
SUBSCRIBERS=${SUBSCRIBERS:-1000}
RATE=${RATE:-200}
SIZE=${SIZE:-64}
LAT_RATE=${LAT_RATE:-1000}
LAT_TOPICS=${LAT_TOPICS:-100}
WARMUP=${WARMUP:-3}
DURATION=${DURATION:-6}
CONFIGS=${CONFIGS:-echo hub hub-nobatch hub-binary lat-hub lat-hub-nobatch}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
PORT=${PORT:-19600}
JVM_FLAGS=${JVM_FLAGS:--Xms1g -Xmx1g -XX:+UseSerialGC}
SERVER_EXTRA_FLAGS=${SERVER_EXTRA_FLAGS:-}
OUT=${OUT:-$here/duplex-bench/results/hub-$(date -u +%Y%m%dT%H%M%SZ)}
[[ -f $jar ]] || { echo "missing $jar: mvn -B -ntp -q -pl duplex-server -am package -DskipTests" >&2; exit 1; }
mkdir -p "$OUT/logs"
server_pid=""
trap '[[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null; true' EXIT

jq -n --arg rounds "$ROUNDS" --arg subscribers "$SUBSCRIBERS" --arg rate "$RATE" --arg size "$SIZE" \
    --arg lat_rate "$LAT_RATE" --arg lat_topics "$LAT_TOPICS" --arg warmup "$WARMUP" --arg duration "$DURATION" \
    --arg configs "$CONFIGS" --arg jvm "$JVM_FLAGS" --arg commit "$(git -C "$here" rev-parse --short HEAD)" \
    --arg java "$(java -version 2>&1 | head -1)" --arg nproc "$(nproc)" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
    --arg started "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    '$ARGS.named' >"$OUT/settings.json"

start_server() { # config port log
    local config=$1 port=$2 log=$3
    local limits="--ip-connect-rate 0 --ip-max-connections 0 --rate-messages 0 --rate-bytes 0 --no-deflate"
    # shellcheck disable=SC2086
    case $config in
        echo) taskset -c "$SERVER_CPU" java $JVM_FLAGS $SERVER_EXTRA_FLAGS -jar "$jar" echo --port "$port" --loops 1 >"$log" 2>&1 & ;;
        *nobatch) taskset -c "$SERVER_CPU" java $JVM_FLAGS $SERVER_EXTRA_FLAGS -jar "$jar" serve --port "$port" --loops 1 --no-batching $limits >"$log" 2>&1 & ;;
        *) taskset -c "$SERVER_CPU" java $JVM_FLAGS $SERVER_EXTRA_FLAGS -jar "$jar" serve --port "$port" --loops 1 $limits >"$log" 2>&1 & ;;
    esac
    server_pid=$!
    for _ in $(seq 200); do
        grep -q "listening on" "$log" && return 0
        sleep 0.1
    done
    echo "server $config did not start:" >&2; cat "$log" >&2; exit 1
}

stop_server() {
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}

bench_args() { # config port
    local config=$1 port=$2
    local common=(--loops 1 --json --quiet --server-pid "$server_pid" --warmup "${WARMUP}s" --duration "${DURATION}s"
        --subscribers "$SUBSCRIBERS" --size "$SIZE")
    case $config in
        echo) echo bench fanout --url "ws://127.0.0.1:$port/broadcast" --text --publish-rate "$RATE" "${common[@]}" ;;
        hub|hub-nobatch) echo bench hub --url "ws://127.0.0.1:$port/ws" --publish-rate "$RATE" "${common[@]}" ;;
        hub-binary) echo bench hub --url "ws://127.0.0.1:$port/ws" --binary --publish-rate "$RATE" "${common[@]}" ;;
        lat-*) echo bench hub --url "ws://127.0.0.1:$port/ws" --publish-rate "$LAT_RATE" --topics "$LAT_TOPICS" "${common[@]}" ;;
        *) echo "unknown config $config" >&2; exit 2 ;;
    esac
}

run=0
for round in $(seq "$ROUNDS"); do
    for config in $CONFIGS; do
        run=$((run + 1))
        port=$((PORT + run))
        log="$OUT/logs/$round-$config"
        : >"$log.server"
        start_server "$config" "$port" "$log.server"
        # shellcheck disable=SC2046
        status=ok
        timeout 120 taskset -c "$CLIENT_CPU" java $JVM_FLAGS -jar "$jar" $(bench_args "$config" "$port") \
            >"$log.json" 2>"$log.bench" || status=failed
        stop_server
        if jq -e . "$log.json" >/dev/null 2>&1; then
            jq -c --arg config "$config" --argjson round "$round" --arg status "$status" \
                '. + {config: $config, round: $round, status: $status}' "$log.json" | tee -a "$OUT/runs.jsonl" \
                | jq -r '"\(.config) round \(.round): \(.deliveries_per_s) deliveries/s, \(.deliveries_per_server_cpu_s) per server CPU s, p50 \(.latency_p50_us) us, p99 \(.latency_p99_us) us, skipped \(.publisher_skipped), errors \(.errors) \(.status)"'
            # The result is in runs.jsonl; the logs are kept only for runs that failed.
            [[ $status == ok ]] && rm -f "$log.server" "$log.bench" "$log.json"
        else
            echo "$config round $round: no result" | tee -a "$OUT/failed.txt"; cat "$log.bench" >&2
        fi
    done
done

python3 - "$OUT" <<'EOF' | tee "$OUT/table.md"
import json, statistics, sys
out = sys.argv[1]
runs = [json.loads(l) for l in open(out + "/runs.jsonl") if l.strip()]
configs = list(dict.fromkeys(r["config"] for r in runs))
def med(rs, k):
    v = [r[k] for r in rs if r.get(k) is not None]
    return statistics.median(v) if v else None
def rng(rs, k):
    v = [r[k] for r in rs if r.get(k) is not None]
    return "%s-%s" % (f"{min(v):,.0f}", f"{max(v):,.0f}") if v else "-"
echo = [r for r in runs if r["config"] == "echo" and r["status"] == "ok"]
echo_per_cpu = med(echo, "deliveries_per_server_cpu_s")
print("| config | runs ok | published/s | deliveries/s | server CPU s | server CPU share | deliveries per server CPU s (min-max) | vs echo | p50 us | p99 us | p99.9 us | skipped | offset gaps |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for c in configs:
    rs = [r for r in runs if r["config"] == c and r["status"] == "ok"]
    all_c = [r for r in runs if r["config"] == c]
    if not rs:
        print(f"| {c} | 0/{len(all_c)} |" + " - |" * 11)
        continue
    per_cpu = med(rs, "deliveries_per_server_cpu_s")
    ratio = "%.2f" % (per_cpu / echo_per_cpu) if echo_per_cpu and not c.startswith("lat") else "-"
    share = med(rs, "server_cpu_s") / med(rs, "duration_s")
    print(f"| {c} | {len(rs)}/{len(all_c)} | {med(rs, 'published_per_s'):,.0f} | {med(rs, 'deliveries_per_s'):,.0f} | "
          f"{med(rs, 'server_cpu_s'):.2f} | {share:.2f} | {per_cpu:,.0f} ({rng(rs, 'deliveries_per_server_cpu_s')}) | {ratio} | "
          f"{med(rs, 'latency_p50_us'):,.0f} | {med(rs, 'latency_p99_us'):,.0f} | {med(rs, 'latency_p99_9_us'):,.0f} | "
          f"{sum(r.get('publisher_skipped', 0) for r in rs)} | {sum(r.get('offset_gaps', 0) for r in rs)} |")
# Ratio per round (same round = nearest in time), then the median of those ratios.
for c in configs:
    if c == "echo" or c.startswith("lat"):
        continue
    ratios = []
    for rd in sorted({r["round"] for r in runs}):
        e = [r for r in echo if r["round"] == rd]
        h = [r for r in runs if r["config"] == c and r["round"] == rd and r["status"] == "ok"]
        if e and h and e[0].get("deliveries_per_server_cpu_s") and h[0].get("deliveries_per_server_cpu_s"):
            ratios.append(h[0]["deliveries_per_server_cpu_s"] / e[0]["deliveries_per_server_cpu_s"])
    if ratios:
        print(f"\n{c} / echo, deliveries per server CPU s, per round: " + ", ".join("%.2f" % x for x in ratios)
              + "; median %.2f" % statistics.median(ratios))
EOF
