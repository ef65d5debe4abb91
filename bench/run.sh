#!/usr/bin/env bash
# Runs every benchmark of issue 9 against the real binaries on loopback and writes
# docs/benchmarks.md with PNG plots under docs/benchmarks/. See bench/README.md.
#
#   bench/run.sh            # full run (minutes on 2 cores, most of it journaling 1 M events)
#   bench/run.sh --quick    # smoke run of a minute or two; the report says "quick"
#   bench/run.sh --store=redis [--quick]   # Redis ingest, 1 and 2 replicas and WAIT, into
#                                          # docs/scaling.md (bench/redis_ingest.sh)
#
# Everything it starts (liveevents-server, liveevents-gateway, nginx, redis-server, node) listens
# on 127.0.0.1 on free ports, keeps its files under one mktemp folder, and is stopped on exit,
# also when a step fails. Environment knobs (defaults for full / --quick):
#   BENCH_SECONDS=5/2         wrk duration of each ingest round
#   BENCH_ROUNDS=3/1          interleaved ingest rounds; also ack-latency, catch-up, restart rounds
#   BENCH_CONNECTIONS=32      wrk connections (-c), BENCH_THREADS=1 wrk threads (-t)
#   BENCH_ACK_RATES="1000 5000"  BENCH_ACK_SECONDS=10/3   open-loop ack-latency runs
#   BENCH_FANOUT_SUBSCRIBERS="1 100 1000" BENCH_FANOUT_RATE=1000 BENCH_FANOUT_SECONDS=5/2
#   BENCH_OUTAGE_SECONDS=20/5 BENCH_OUTAGE_LEAD_SECONDS=5/2 BENCH_OUTAGE_TAIL_SECONDS=20/10
#   BENCH_OUTAGE_RATE=5000    server outage under an open-loop load, the load's time before and
#                             after it, and its rate
#   BENCH_JOURNAL_EVENTS=1000000/50000   events journaled for catch-up and restart
#   BENCH_ROOMS=100000/10000 BENCH_BATTLES=10000/1000   live state for the footprint
#   BENCH_BUILD_DIR=build-release  BENCH_CMAKE_ARGS=""  (extra configure arguments)
#   BENCH_PEER_DIR=../shared/peers/node-redis   BENCH_OUT=docs/benchmarks.md   BENCH_KEEP=1 (keep
#   the temp folder)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

# --store=redis: the Redis ingest of docs/scaling.md instead (bench/redis_ingest.sh).
for arg in "$@"; do
  [ "$arg" = --store=redis ] && exec bench/redis_ingest.sh "$@"
done
MODE=full
if [ "${1:-}" = "--quick" ]; then MODE=quick; elif [ -n "${1:-}" ]; then
  echo "usage: bench/run.sh [--quick] [--store=redis]" >&2
  exit 2
fi
q() { if [ "$MODE" = quick ]; then echo "$2"; else echo "$1"; fi; }
SECONDS_PER_ROUND=${BENCH_SECONDS:-$(q 5 2)}
ROUNDS=${BENCH_ROUNDS:-$(q 3 1)}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-1}
ACK_RATES=${BENCH_ACK_RATES:-"1000 5000"}
ACK_SECONDS=${BENCH_ACK_SECONDS:-$(q 10 3)}
FANOUT_SUBSCRIBERS=${BENCH_FANOUT_SUBSCRIBERS:-"1 100 1000"}
FANOUT_RATE=${BENCH_FANOUT_RATE:-1000}
FANOUT_SECONDS=${BENCH_FANOUT_SECONDS:-$(q 5 2)}
OUTAGE_SECONDS=${BENCH_OUTAGE_SECONDS:-$(q 20 5)}
OUTAGE_LEAD_SECONDS=${BENCH_OUTAGE_LEAD_SECONDS:-$(q 5 2)}
OUTAGE_TAIL_SECONDS=${BENCH_OUTAGE_TAIL_SECONDS:-$(q 20 10)}
OUTAGE_RATE=${BENCH_OUTAGE_RATE:-5000}
JOURNAL_EVENTS=${BENCH_JOURNAL_EVENTS:-$(q 1000000 50000)}
ROOMS=${BENCH_ROOMS:-$(q 100000 10000)}
BATTLES=${BENCH_BATTLES:-$(q 10000 1000)}
BUILD_DIR=${BENCH_BUILD_DIR:-build-release}
PEER_DIR=$(cd "${BENCH_PEER_DIR:-$ROOT/../shared/peers/node-redis}" && pwd)
OUT=${BENCH_OUT:-docs/benchmarks.md}
PLOTS_DIR=$(dirname "$OUT")/benchmarks
APP=1400000001
BIN=$ROOT/$BUILD_DIR/bin

log() { echo "[bench $(date -u +%H:%M:%S)] $*" >&2; }
# shellcheck source=bench/processes.sh
source bench/processes.sh  # After the cd above: paths are from the repository root.

# ---------------------------------------------------------------- tools and build
need=()
for pair in wrk:wrk nginx:nginx-light redis-server:redis-server redis-cli:redis-tools \
  node:nodejs npm:npm gnuplot:gnuplot-nox cmake:cmake ninja:ninja-build python3:python3; do
  command -v "${pair%%:*}" >/dev/null || need+=("${pair#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

log "building Release into $BUILD_DIR"
# shellcheck disable=SC2086  # BENCH_CMAKE_ARGS is a list of arguments on purpose.
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLIVEEVENTS_TESTS=OFF \
  -DLIVEEVENTS_BENCH=ON ${BENCH_CMAKE_ARGS:-} >/dev/null
cmake --build "$BUILD_DIR" --target liveevents-server liveevents-gateway livectl ack_latency \
  fanout_bench journal_fill catchup_bench wait_serving

# ---------------------------------------------------------------- processes and cleanup
WORK=$(mktemp -d "${TMPDIR:-/tmp}/liveevents-bench.XXXXXX")
RESULTS=$WORK/results
mkdir -p "$RESULTS"
PIDS=()
REDIS_PIDFILE=""
NGINX_PIDFILE=""


cleanup() {
  local status=$?
  set +e
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  for pidfile in "$NGINX_PIDFILE" "$REDIS_PIDFILE"; do
    [ -n "$pidfile" ] && [ -s "$pidfile" ] && stop_pid "$(cat "$pidfile")"
  done
  if [ "${BENCH_KEEP:-0}" = 1 ] || [ $status -ne 0 ]; then
    log "files kept in $WORK"
  else
    rm -rf "$WORK"
  fi
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM



# start_server NAME DATA_DIR PORT [FLAGS...]: sets SERVER_PID, returns once health is SERVING.
start_server() {
  local t0
  t0=$(date +%s%N)
  # The benchmarks' StartBattle bodies start in the past and never end: with the default grace
  # every battle would be overdue at once and the server would journal a synthetic
  # LiveEvents.BattleOverdue for each. A century of grace keeps each benchmark measuring its work.
  "$BIN/liveevents-server" --grpc_address="127.0.0.1:$3" --data_dir="$2" --battle_grace=876000h \
    "${@:4}" \
    >>"$WORK/$1.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  "$BIN/wait_serving" --grpc="127.0.0.1:$3" --since_unix_ns="$t0" --timeout=10m \
    >"$WORK/$1.serving" || die "$1 did not become SERVING (see $WORK/$1.log)"
}

stop_server() {
  stop_pid "$SERVER_PID"
}

head_revision() {  # head_revision PORT
  "$BIN/livectl" --server="127.0.0.1:$1" info | python3 -c \
    'import json, sys; print(int(json.load(sys.stdin).get("head_revision", 0)))'
}

server_info() {  # server_info PORT FIELD
  "$BIN/livectl" --server="127.0.0.1:$1" info | python3 -c \
    "import json, sys; print(int(json.load(sys.stdin).get('$2', 0)))"
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
db_bytes() { du -cb "$1"/journal.db* | awk 'END {print $1}'; }
kv() { tr ' ' '\n' | awk -F= -v k="$1" '$1 == k {print $2}'; }  # kv KEY < "a=1 b=2"

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
STARTED=$(date -u '+%Y-%m-%d %H:%M UTC')
log "mode $MODE, load average $LOAD_BEFORE, files under $WORK"

# ---------------------------------------------------------------- ingest: three targets
# start_live_events NAME [SERVER FLAGS...]: a server and its gateway; sets GRPC_PORTS[NAME],
# HTTP_PORTS[NAME], SERVER_PIDS[NAME], GATEWAY_PIDS[NAME].
declare -A GRPC_PORTS HTTP_PORTS SERVER_PIDS GATEWAY_PIDS
start_live_events() {
  local name=$1 grpc http
  grpc=$(free_port)
  http=$(free_port)
  start_server "$name" "$WORK/$name-data" "$grpc" "${@:2}"
  "$BIN/liveevents-gateway" --apps=$APP --http_address="127.0.0.1:$http" \
    --service_address="127.0.0.1:$grpc" --spool_dir="$WORK/$name-spool" \
    >"$WORK/$name-gateway.out" 2>"${BENCH_GATEWAY_LOG:-/dev/null}" &
  PIDS+=($!)
  GATEWAY_PIDS[$name]=$!
  SERVER_PIDS[$name]=$SERVER_PID
  GRPC_PORTS[$name]=$grpc
  HTTP_PORTS[$name]=$http
  wait_port "$http"
}
start_live_events live-events
GRPC_PORT=${GRPC_PORTS[live-events]}
HTTP_PORT=${HTTP_PORTS[live-events]}

NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx"
sed -e "s|__DIR__|$WORK/nginx|g" -e "s|127.0.0.1:18080|127.0.0.1:$NGINX_PORT|" \
  "$PEER_DIR/nginx-static.conf" >"$WORK/nginx/nginx.conf"
NGINX_PIDFILE=$WORK/nginx/nginx.pid
nginx -p "$WORK/nginx" -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf"
wait_port "$NGINX_PORT"

# The peer exactly as its README runs it (Redis AOF, appendfsync always), from a copy so that
# its node_modules do not land in the shared folder.
REDIS_PORT=$(free_port)
PEER_PORT=$(free_port)
mkdir -p "$WORK/redis" "$WORK/peer"
REDIS_PIDFILE=$WORK/redis/redis.pid
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --appendonly yes --appendfsync always \
  --save '' --dir "$WORK/redis" --daemonize yes --pidfile "$REDIS_PIDFILE" \
  --logfile "$WORK/redis/redis.log"
wait_port "$REDIS_PORT"
cp "$PEER_DIR"/package.json "$PEER_DIR"/server.js "$WORK/peer/"
(cd "$WORK/peer" && npm install --no-audit --no-fund --silent >"$WORK/npm.log" 2>&1) ||
  die "npm install for the peer failed (see $WORK/npm.log)"
PORT=$PEER_PORT REDIS_URL=redis://127.0.0.1:$REDIS_PORT node "$WORK/peer/server.js" \
  >"$WORK/peer.log" 2>&1 &
PIDS+=($!)
wait_port "$PEER_PORT"

# The same query for all three; nginx's config answers under /webhook, the peer ignores the path.
QUERY="SdkAppid=$APP&CallbackCommand=Live.CallbackAfterStartBattle"
declare -A URLS=(
  [live-events]="http://127.0.0.1:$HTTP_PORT/callback?$QUERY"
  [nginx]="http://127.0.0.1:$NGINX_PORT/webhook?$QUERY"
  [node-redis]="http://127.0.0.1:$PEER_PORT/webhook?$QUERY"
)
TARGETS=(live-events nginx node-redis)
export BENCH_ANCHORS=$PEER_DIR/bench-anchors.lua

run_wrk() {  # run_wrk TARGET SECONDS: prints wrk's WRK line
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${2}s" --latency -s "$ROOT/bench/ingest.lua" \
    "${URLS[$1]}" >"$WORK/wrk.out" 2>&1 || die "wrk against $1 failed: $(cat "$WORK/wrk.out")"
  grep '^WRK ' "$WORK/wrk.out" || die "no WRK line from wrk against $1: $(cat "$WORK/wrk.out")"
}

log "ingest: warm-up, 1 s per target"
for target in "${TARGETS[@]}"; do run_wrk "$target" 1 >/dev/null; done
echo "round target rps p50_ms p99_ms p999_ms max_ms requests non_2xx socket_errors journaled" \
  >"$RESULTS/ingest.txt"
for round in $(seq "$ROUNDS"); do
  for target in "${TARGETS[@]}"; do
    before=0
    [ -n "${GRPC_PORTS[$target]:-}" ] && before=$(head_revision "${GRPC_PORTS[$target]}")
    line=$(run_wrk "$target" "$SECONDS_PER_ROUND")
    journaled=-
    [ -n "${GRPC_PORTS[$target]:-}" ] &&
      journaled=$(($(head_revision "${GRPC_PORTS[$target]}") - before))
    python3 - "$round" "$target" "$journaled" "$line" >>"$RESULTS/ingest.txt" <<'EOF'
import sys
r, target, journaled, line = sys.argv[1:]
f = dict(kv.split("=") for kv in line.split()[1:])
n, us = int(f["requests"]), int(f["duration_us"])
errors = sum(int(f[k]) for k in ("connect_errors", "read_errors", "write_errors", "timeouts"))
ms = lambda k: "%.2f" % (int(f[k]) / 1000)
print(r, target, "%.0f" % (n / (us / 1e6)), ms("p50_us"), ms("p99_us"), ms("p999_us"),
      ms("max_us"), n, f["non_2xx"], errors, journaled)
EOF
    log "ingest round $round $target: $(tail -1 "$RESULTS/ingest.txt")"
  done
done
# The other targets are done; stop them so that they use no CPU during the next benchmarks.
stop_pid "$(cat "$NGINX_PIDFILE")"
stop_pid "$(cat "$REDIS_PIDFILE")"
NODE_VERSION=$(node --version)
REDIS_VERSION=$(redis-server --version | grep -o 'v=[0-9.]*' | cut -d= -f2)
NGINX_VERSION=$(nginx -v 2>&1 | cut -d/ -f2)

# ---------------------------------------------------------------- ack latency, open loop
# The ingest rounds left one battle per request in the state.
ACK_STATE_BATTLES=$(server_info "$GRPC_PORT" battles)
echo "round server rate p50 p99 p999 max achieved_rps non_2xx errors max_send_lag" \
  "max_timer_lag" >"$RESULTS/ack.txt"
for round in $(seq "$ROUNDS"); do
  for server in live-events; do
    for rate in $ACK_RATES; do
      line=$("$BIN/ack_latency" --port="${HTTP_PORTS[$server]}" --rate="$rate" \
        --seconds="$ACK_SECONDS" --connections=64) || die "ack_latency at $rate/s failed: $line"
      fields="p50 p99 p999 max achieved_rps non_2xx errors max_send_lag max_timer_lag"
      echo "$round $server $rate $(for k in $fields; do echo -n "$(echo "$line" | kv $k) "; done)" \
        >>"$RESULTS/ack.txt"
      log "ack latency round $round, $server at $rate/s: $line"
    done
  done
done

# ---------------------------------------------------------------- fan-out
echo "subscribers p50 p99 max slow_consumers incomplete deliveries expected_deliveries ack_p50" \
  "ack_p99 deliveries_per_s" \
  >"$RESULTS/fanout.txt"
for n in $FANOUT_SUBSCRIBERS; do
  line=$("$BIN/fanout_bench" --grpc="127.0.0.1:$GRPC_PORT" --http_port="$HTTP_PORT" \
    --subscribers="$n" --rate="$FANOUT_RATE" --seconds="$FANOUT_SECONDS") ||
    die "fanout_bench with $n subscribers failed: $line"
  echo "$n $(for k in p50 p99 max slow_consumers incomplete deliveries expected_deliveries ack_p50 ack_p99 \
    deliveries_per_s; do
    echo -n "$(echo "$line" | kv $k) "
  done)" >>"$RESULTS/fanout.txt"
  log "fan-out $n subscribers: $line"
done
for name in live-events; do
  stop_pid "${GATEWAY_PIDS[$name]}"
  stop_pid "${SERVER_PIDS[$name]}"
done

# ---------------------------------------------------------------- spool recovery
# A fresh gateway and server under a steady open-loop load (OUTAGE_RATE callbacks/s, as Tencent
# sends them whatever the answers do; wrk's closed loop would instead speed up while the gateway
# answers from its spool). The server is stopped (SIGTERM) for OUTAGE_SECONDS while the gateway
# spools, then started again on the same data folder. Measured: the time from SERVING again to
# the gateway's spool_drained log line, the backlog it found, and that every answered callback
# was journaled.
stamp_lines() { while IFS= read -r line; do echo "${EPOCHREALTIME/./} $line"; done; }
now_us() { echo "${EPOCHREALTIME/./}"; }
log "spool recovery: ${OUTAGE_SECONDS} s outage at $OUTAGE_RATE callbacks/s"
OUTAGE_GRPC=$(free_port)
OUTAGE_HTTP=$(free_port)
start_server outage "$WORK/outage-data" "$OUTAGE_GRPC"
"$BIN/liveevents-gateway" --apps=$APP --http_address="127.0.0.1:$OUTAGE_HTTP" \
  --service_address="127.0.0.1:$OUTAGE_GRPC" --spool_dir="$WORK/outage-spool" \
  >"$WORK/outage-gateway.out" 2> >(stamp_lines >"$WORK/outage-gateway.log") &
OUTAGE_GATEWAY_PID=$!
PIDS+=("$OUTAGE_GATEWAY_PID")
wait_port "$OUTAGE_HTTP"
OUTAGE_LOAD_SECONDS=$((OUTAGE_LEAD_SECONDS + OUTAGE_SECONDS + OUTAGE_TAIL_SECONDS))
"$BIN/ack_latency" --port="$OUTAGE_HTTP" --rate="$OUTAGE_RATE" --seconds="$OUTAGE_LOAD_SECONDS" \
  >"$WORK/outage-load.line" 2>"$WORK/outage-load.err" &
OUTAGE_LOAD_PID=$!
OUTAGE_LOAD_START=$(now_us)
sleep "$OUTAGE_LEAD_SECONDS"  # The scenario's timeline, not a wait for a condition.
stop_server
OUTAGE_DOWN=$(now_us)
sleep "$OUTAGE_SECONDS"
start_server outage "$WORK/outage-data" "$OUTAGE_GRPC"
OUTAGE_UP=$(now_us)
# The drained line that follows the return.
for _ in $(seq 1200); do
  OUTAGE_DRAINED=$(awk -v up="$OUTAGE_UP" '$1 >= up && /event=spool_drained/ {print $1; exit}' \
    "$WORK/outage-gateway.log")
  [ -n "$OUTAGE_DRAINED" ] && break
  sleep 0.1
done
[ -n "$OUTAGE_DRAINED" ] || die "the spool did not drain within 120 s of the server's return"
OUTAGE_BACKLOG=$(awk -v down="$OUTAGE_DOWN" '$1 >= down && /event=spool_draining/ {
  for (i = 1; i <= NF; ++i) if ($i ~ /^events=/) {sub(/^events=/, "", $i); print $i; exit}}' \
  "$WORK/outage-gateway.log")
wait "$OUTAGE_LOAD_PID" || die "the load during the outage failed: $(cat "$WORK/outage-load.err")"
OUTAGE_LOAD=$(cat "$WORK/outage-load.line")
OUTAGE_JOURNALED=$(head_revision "$OUTAGE_GRPC")
OUTAGE_DRAIN_MS=$(((OUTAGE_DRAINED - OUTAGE_UP) / 1000))
OUTAGE_LOAD_LEFT_MS=$(((OUTAGE_LOAD_START + OUTAGE_LOAD_SECONDS * 1000000 - OUTAGE_DRAINED) / 1000))
log "spool recovery: backlog ${OUTAGE_BACKLOG:-?} events drained ${OUTAGE_DRAIN_MS} ms after" \
  "SERVING; journaled $OUTAGE_JOURNALED; load: $OUTAGE_LOAD"
stop_pid "$OUTAGE_GATEWAY_PID"
stop_server

# ---------------------------------------------------------------- footprint, catch-up, restart
JOURNAL_PORT=$(free_port)
DATA=$WORK/journal-data
start_server journal "$DATA" "$JOURNAL_PORT"
RSS_EMPTY=$(rss_kib "$SERVER_PID")
log "footprint: journaling $ROOMS rooms and $BATTLES battles"
FILL_STATE=$("$BIN/journal_fill" --grpc="127.0.0.1:$JOURNAL_PORT" --rooms="$ROOMS" \
  --battles="$BATTLES") || die "journal_fill failed"
RSS_STATE=$(rss_kib "$SERVER_PID")
STATE_ROOMS=$(server_info "$JOURNAL_PORT" rooms)
STATE_BATTLES=$(server_info "$JOURNAL_PORT" battles)
STATE_EVENTS=$(head_revision "$JOURNAL_PORT")
STATE_DB_BYTES=$(db_bytes "$DATA")
MESSAGES=$((JOURNAL_EVENTS - STATE_EVENTS))
[ "$MESSAGES" -lt 0 ] && MESSAGES=0
log "journaling $MESSAGES chat messages, up to $JOURNAL_EVENTS events"
FILL_MESSAGES=$("$BIN/journal_fill" --grpc="127.0.0.1:$JOURNAL_PORT" --messages="$MESSAGES") ||
  die "journal_fill failed"
JOURNAL_HEAD=$(head_revision "$JOURNAL_PORT")
RSS_JOURNAL=$(rss_kib "$SERVER_PID")
JOURNAL_DB_BYTES=$(db_bytes "$DATA")

# Each round reads the journal twice: one event per message (the default) and with
# SubscribeRequest.max_batch=256.
echo "round max_batch events events_per_s mib_per_s first_event_ms" >"$RESULTS/catchup.txt"
for round in $(seq "$ROUNDS"); do
  for batch in 0 256; do
    line=$("$BIN/catchup_bench" --grpc="127.0.0.1:$JOURNAL_PORT" --max_batch=$batch) ||
      die "catchup_bench failed"
    echo "$round $batch $(for k in events events_per_s mib_per_s first_event_ms; do
      echo -n "$(echo "$line" | kv $k) "
    done)" >>"$RESULTS/catchup.txt"
    log "catch-up round $round, max_batch $batch: $line"
  done
done

echo "round serving_ms rss_kib" >"$RESULTS/restart.txt"
for round in $(seq "$ROUNDS"); do
  stop_server
  start_server journal "$DATA" "$JOURNAL_PORT"
  echo "$round $(kv serving_ms <"$WORK/journal.serving") $(rss_kib "$SERVER_PID")" \
    >>"$RESULTS/restart.txt"
  log "restart round $round: $(cat "$WORK/journal.serving")"
done
stop_server
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- report
mkdir -p "$PLOTS_DIR"
export MODE STARTED LOAD_BEFORE LOAD_AFTER ROUNDS SECONDS_PER_ROUND CONNECTIONS THREADS \
  ACK_SECONDS FANOUT_RATE FANOUT_SECONDS OUTAGE_SECONDS OUTAGE_LEAD_SECONDS OUTAGE_TAIL_SECONDS \
  OUTAGE_RATE OUTAGE_BACKLOG OUTAGE_DRAIN_MS OUTAGE_LOAD_LEFT_MS OUTAGE_LOAD OUTAGE_JOURNALED RSS_EMPTY RSS_STATE RSS_JOURNAL STATE_ROOMS \
  STATE_BATTLES STATE_EVENTS STATE_DB_BYTES JOURNAL_HEAD JOURNAL_DB_BYTES FILL_STATE \
  FILL_MESSAGES ACK_STATE_BATTLES NODE_VERSION REDIS_VERSION NGINX_VERSION RESULTS PLOTS_DIR OUT
export CPU_MODEL=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
export NPROC=$(nproc)
export KERNEL=$(uname -sr)
export MEMORY=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
export DISK=$(df -h --output=source,fstype,size "$WORK" | tail -1 | tr -s ' ')
export COMMIT=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!docs' || echo "+dirty")
export WRK_VERSION=$(wrk -v 2>&1 | head -1 | cut -d' ' -f2)
python3 "$ROOT/bench/report.py"
log "wrote $OUT and $PLOTS_DIR/*.png"
