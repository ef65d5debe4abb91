#!/usr/bin/env python3
"""Writes the Redis ingest figures of bench/redis_ingest.sh into docs/scaling.md.

Called by bench/redis_ingest.sh (bench/run.sh --store=redis), which exports the run's facts as
environment variables. Replaces what lies between the `<!-- bench:redis:begin -->` and
`<!-- bench:redis:end -->` lines of $OUT; standard library only.
"""
import os
import statistics
import sys
import textwrap

E = os.environ
BEGIN, END = "<!-- bench:redis:begin -->", "<!-- bench:redis:end -->"
LABELS = {
    "sqlite": "embedded SQLite, 1 server (reference)",
    "redis-1": "Redis, 1 replica",
    "redis-2": "Redis, 2 replicas (one round_robin gateway)",
    "redis-1-wait": "Redis, 1 replica, `--redis_wait_replicas=1`",
}


def rows():
    with open(os.path.join(E["RESULTS"], "ingest.txt")) as f:
        lines = [line.split() for line in f if line.strip()]
    return [dict(zip(lines[0], row)) for row in lines[1:]]


def section(ingest):
    targets = [t for t in LABELS if any(r["target"] == t for r in ingest)]
    med = {t: {k: statistics.median(float(r[k]) for r in ingest if r["target"] == t)
               for k in ("rps", "p50_ms", "p99_ms")} for t in targets}
    total = lambda t, k: sum(int(r[k]) for r in ingest if r["target"] == t)
    reference = med.get("redis-1", {}).get("rps") or 1
    facts = (
        f"Measured by `bench/run.sh --store=redis` ({E['MODE']}) on {E['STARTED']}, commit "
        f"{E['COMMIT']}, {E['NPROC']} cores, load average {E['LOAD_BEFORE']} before and "
        f"{E['LOAD_AFTER']} after; Redis {E['REDIS_VERSION']} (AOF `appendfsync always`, one "
        f"Redis replica attached) and every process on the same machine. `wrk -t{E['THREADS']} "
        f"-c{E['CONNECTIONS']}`, {E['ROUNDS']} interleaved round(s) of {E['SECONDS_PER_ROUND']} s "
        "per configuration, medians; read the ratios, not the absolute figures.")
    out = [
        BEGIN,
        textwrap.fill(facts, width=100, break_on_hyphens=False),
        "",
        "| configuration | webhooks/s | vs Redis 1 replica | p50 ms | p99 ms | journaled / requests"
        " | non-2xx |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in targets:
        m = med[t]
        out.append(f"| {LABELS[t]} | {m['rps']:,.0f} | {m['rps'] / reference:.2f} | "
                   f"{m['p50_ms']:.2f} | {m['p99_ms']:.2f} | "
                   f"{total(t, 'journaled')} / {total(t, 'requests')} | {total(t, 'non_2xx')} |")
    out.append(END)
    return "\n".join(out)


def main():
    path = E["OUT"]
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if BEGIN not in text or END not in text:
        sys.exit(f"{path}: no {BEGIN} ... {END} section to replace")
    start, stop = text.index(BEGIN), text.index(END) + len(END)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text[:start] + section(rows()) + text[stop:])


if __name__ == "__main__":
    main()
