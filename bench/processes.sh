# Shell helpers bench/run.sh and bench/redis_ingest.sh share: failing, stopping processes, ports.
# Sourced; the caller defines log().

die() {
  log "FAILED: $*"
  exit 1
}

stop_pid() {  # stop_pid PID: TERM, up to 30 s to exit (a server flushing its journal), then KILL.
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

wait_port() {  # wait_port PORT: until something accepts TCP connections there (10 s at most).
  local i
  for i in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  die "nothing listens on port $1"
}
