-- wrk script for bench/run.sh's ingest benchmark. It loads the reference peer's own script
-- (peers/node-redis/bench-anchors.lua, path in $BENCH_ANCHORS), so live-events, nginx and the
-- Node+Redis peer all get the same unique StartBattle bodies, and adds a done() that prints one
-- machine-readable line: wrk's --latency report stops at p99 and does not print p99.9.
dofile(os.getenv("BENCH_ANCHORS"))

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK requests=%d duration_us=%d non_2xx=%d connect_errors=%d read_errors=%d " ..
    "write_errors=%d timeouts=%d p50_us=%d p99_us=%d p999_us=%d max_us=%d\n",
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max))
end
