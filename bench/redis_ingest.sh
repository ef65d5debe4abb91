#!/usr/bin/env bash
# bench/run.sh --store=redis [--quick]: webhook ingest through the gateway with the Redis store
# (docs/scaling.md), with the same wrk settings as bench/run.sh's SQLite ingest, interleaved:
#   sqlite        one server on its embedded store (the reference), one gateway
#   redis-1       one replica on Redis, one gateway
#   redis-2       two replicas on Redis, one gateway publishing round_robin to both
#   redis-1-wait  one replica with --redis_wait_replicas=1, one gateway (the cost of WAIT)
# Redis runs as bench/run.sh runs it for the peer (AOF, appendfsync always) with one Redis
# replica attached (--replicaof), so every Redis configuration pays for the replication stream
# and only redis-1-wait waits for it. Each configuration has its own key prefix. Writes the
# figures into docs/scaling.md (between the bench:redis markers) with bench/report_redis.py.
# Knobs as in bench/run.sh: BENCH_SECONDS (5/2), BENCH_ROUNDS (3/1), BENCH_CONNECTIONS (32),
# BENCH_THREADS (1), BENCH_BUILD_DIR (build-release), BENCH_PEER_DIR, BENCH_KEEP=1;
# BENCH_SCALING_OUT (docs/scaling.md).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

MODE=full
for arg in "$@"; do
  case "$arg" in
    --quick) MODE=quick ;;
    --store=redis) ;;
    *)
      echo "usage: bench/run.sh --store=redis [--quick]" >&2
      exit 2
      ;;
  esac
done
q() { if [ "$MODE" = quick ]; then echo "$2"; else echo "$1"; fi; }
SECONDS_PER_ROUND=${BENCH_SECONDS:-$(q 5 2)}
ROUNDS=${BENCH_ROUNDS:-$(q 3 1)}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-1}
BUILD_DIR=${BENCH_BUILD_DIR:-build-release}
PEER_DIR=$(cd "${BENCH_PEER_DIR:-$ROOT/../shared/peers/node-redis}" && pwd)
OUT=${BENCH_SCALING_OUT:-docs/scaling.md}
APP=1400000001
BIN=$ROOT/$BUILD_DIR/bin

log() { echo "[bench redis $(date -u +%H:%M:%S)] $*" >&2; }
# shellcheck source=bench/processes.sh
source bench/processes.sh  # After the cd above: paths are from the repository root.

for tool in wrk redis-server redis-cli cmake ninja python3; do
  command -v "$tool" >/dev/null || die "$tool is missing (bench/run.sh without --store installs it)"
done
log "building Release into $BUILD_DIR"
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLIVEEVENTS_TESTS=OFF \
  -DLIVEEVENTS_BENCH=ON ${BENCH_CMAKE_ARGS:-} >/dev/null
cmake --build "$BUILD_DIR" --target liveevents-server liveevents-gateway livectl wait_serving

WORK=$(mktemp -d "${TMPDIR:-/tmp}/liveevents-bench-redis.XXXXXX")
RESULTS=$WORK/results
mkdir -p "$RESULTS"
PIDS=()
REDIS_PIDFILES=()


cleanup() {
  local status=$?
  set +e
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  for pidfile in "${REDIS_PIDFILES[@]}"; do
    [ -s "$pidfile" ] && stop_pid "$(cat "$pidfile")"
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



start_redis() {  # start_redis NAME PORT [ARGS...]
  mkdir -p "$WORK/$1"
  REDIS_PIDFILES+=("$WORK/$1/redis.pid")
  redis-server --port "$2" --bind 127.0.0.1 --appendonly yes --appendfsync always --save '' \
    --maxmemory-policy noeviction --repl-diskless-sync-delay 0 --dir "$WORK/$1" \
    --daemonize yes --pidfile "$WORK/$1/redis.pid" --logfile "$WORK/$1/redis.log" "${@:3}"
  wait_port "$2"
}

REDIS_PORT=$(free_port)
REPLICA_PORT=$(free_port)
start_redis redis "$REDIS_PORT"
start_redis redis-replica "$REPLICA_PORT" --replicaof 127.0.0.1 "$REDIS_PORT"
for i in $(seq 100); do  # Until the Redis replica has synced (WAIT answers 1).
  [ "$(redis-cli -p "$REDIS_PORT" WAIT 1 100)" = 1 ] && break
  [ "$i" = 100 ] && die "the Redis replica did not sync (see $WORK/redis-replica/redis.log)"
done

# start_server NAME PORT [FLAGS...]: returns once its health is SERVING.
start_server() {
  local t0
  t0=$(date +%s%N)
  "$BIN/liveevents-server" --grpc_address="127.0.0.1:$2" --battle_grace=876000h "${@:3}" \
    >>"$WORK/$1.log" 2>&1 &
  PIDS+=($!)
  "$BIN/wait_serving" --grpc="127.0.0.1:$2" --since_unix_ns="$t0" --timeout=2m \
    >/dev/null || die "$1 did not become SERVING (see $WORK/$1.log)"
}

start_gateway() {  # start_gateway NAME HTTP_PORT SERVICE_ADDRESS
  "$BIN/liveevents-gateway" --apps=$APP --http_address="127.0.0.1:$2" --service_address="$3" \
    --spool_dir="$WORK/$1-spool" >"$WORK/$1-gateway.out" 2>"$WORK/$1-gateway.log" &
  PIDS+=($!)
  wait_port "$2"
}

head_revision() {  # head_revision PORT
  "$BIN/livectl" --server="127.0.0.1:$1" info | python3 -c \
    'import json, sys; print(int(json.load(sys.stdin).get("head_revision", 0)))'
}

declare -A HTTP_PORTS INFO_PORTS
REDIS_FLAGS=(--store=redis --redis_address="127.0.0.1:$REDIS_PORT")
add_config() {  # add_config NAME SERVICE_ADDRESS INFO_GRPC_PORT
  local http
  http=$(free_port)
  start_gateway "$1" "$http" "$2"
  HTTP_PORTS[$1]=$http
  INFO_PORTS[$1]=$3
}

p=$(free_port)
start_server sqlite "$p" --data_dir="$WORK/sqlite-data"
add_config sqlite "127.0.0.1:$p" "$p"
p=$(free_port)
start_server redis-1 "$p" "${REDIS_FLAGS[@]}" --redis_key_prefix=one
add_config redis-1 "127.0.0.1:$p" "$p"
a=$(free_port)
b=$(free_port)
start_server redis-2a "$a" "${REDIS_FLAGS[@]}" --redis_key_prefix=two
start_server redis-2b "$b" "${REDIS_FLAGS[@]}" --redis_key_prefix=two
add_config redis-2 "ipv4:127.0.0.1:$a,127.0.0.1:$b" "$a"
p=$(free_port)
start_server redis-1-wait "$p" "${REDIS_FLAGS[@]}" --redis_key_prefix=wait --redis_wait_replicas=1
add_config redis-1-wait "127.0.0.1:$p" "$p"
TARGETS=(sqlite redis-1 redis-2 redis-1-wait)
export BENCH_ANCHORS=$PEER_DIR/bench-anchors.lua

QUERY="SdkAppid=$APP&CallbackCommand=Live.CallbackAfterStartBattle"
run_wrk() {  # run_wrk TARGET SECONDS: prints wrk's WRK line
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${2}s" --latency -s "$ROOT/bench/ingest.lua" \
    "http://127.0.0.1:${HTTP_PORTS[$1]}/callback?$QUERY" >"$WORK/wrk.out" 2>&1 ||
    die "wrk against $1 failed: $(cat "$WORK/wrk.out")"
  grep '^WRK ' "$WORK/wrk.out" || die "no WRK line from wrk against $1: $(cat "$WORK/wrk.out")"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
STARTED=$(date -u '+%Y-%m-%d %H:%M UTC')
log "mode $MODE, load average $LOAD_BEFORE, files under $WORK"
log "warm-up, 1 s per configuration"
for target in "${TARGETS[@]}"; do run_wrk "$target" 1 >/dev/null; done
echo "round target rps p50_ms p99_ms p999_ms max_ms requests non_2xx socket_errors journaled" \
  >"$RESULTS/ingest.txt"
for round in $(seq "$ROUNDS"); do
  for target in "${TARGETS[@]}"; do
    before=$(head_revision "${INFO_PORTS[$target]}")
    line=$(run_wrk "$target" "$SECONDS_PER_ROUND")
    journaled=$(($(head_revision "${INFO_PORTS[$target]}") - before))
    python3 - "$round" "$target" "$journaled" "$line" >>"$RESULTS/ingest.txt" <<'PY'
import sys
r, target, journaled, line = sys.argv[1:]
f = dict(kv.split("=") for kv in line.split()[1:])
n, us = int(f["requests"]), int(f["duration_us"])
errors = sum(int(f[k]) for k in ("connect_errors", "read_errors", "write_errors", "timeouts"))
ms = lambda k: "%.2f" % (int(f[k]) / 1000)
print(r, target, "%.0f" % (n / (us / 1e6)), ms("p50_us"), ms("p99_us"), ms("p999_us"),
      ms("max_us"), n, f["non_2xx"], errors, journaled)
PY
    log "round $round $target: $(tail -1 "$RESULTS/ingest.txt")"
  done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

export MODE STARTED LOAD_BEFORE LOAD_AFTER ROUNDS SECONDS_PER_ROUND CONNECTIONS THREADS RESULTS OUT
export NPROC=$(nproc)
export REDIS_VERSION=$(redis-server --version | grep -o 'v=[0-9.]*' | cut -d= -f2)
export COMMIT=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!docs' || echo "+dirty")
python3 "$ROOT/bench/report_redis.py"
log "wrote the Redis ingest figures into $OUT"
