"""How long `tobitbot audit verify` takes and how much memory it holds: printed, not asserted.

Starts a throwaway redis-server (tobitbot.servers.redis), fills the audit stream with N chained
entries as AuditLog.record writes them (default 1,000,000), then runs, interleaved, the bot's
verify (tobitbot.audit_cli.verify, no witnesses) and a baseline: the least a paged recompute of
the same chain can do (XRANGE 1,000 at a time, one sha256 per entry, nothing kept). Each run is
a process of its own, so its peak RSS is its own. The goal: at most 1.2x the baseline's time,
and memory that does not grow with N (compare the peaks at two sizes with --entries). Wall time
and CPU time are both printed: on a shared machine the CPU ratio is the steadier one.

    .venv/bin/python bench/bench_audit_verify.py [--entries 1000000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# run as a script from anywhere: the repository root holds the packages
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import redis  # noqa: E402

from bot.audit import AUDIT_HEAD, AUDIT_STREAM, PAGE  # noqa: E402
from commands.audit_chain import GENESIS, entry_hash  # noqa: E402
from tobitbot.servers.redis import RedisServer  # noqa: E402

FILL_CHUNK = 10_000


def fill(client: redis.Redis, n: int) -> None:
    prev = GENESIS
    for start in range(0, n, FILL_CHUNK):
        with client.pipeline(transaction=False) as pipe:
            for i in range(start, min(n, start + FILL_CHUNK)):
                entry = {"at": 1_700_000_000 + i / 10, "action": "allowed", "actor": f"U{i % 97:04d}",
                         "groups": ["tobit-operators"], "customer": "acme", "channel": "C_SUPPORT",
                         "command": f'add-user acme "Jane Doe {i}"', "request": f"r-{i:08x}"}
                digest = entry_hash(prev, entry)
                pipe.xadd(AUDIT_STREAM, {"entry": json.dumps(entry, ensure_ascii=False),
                                         "prev": prev, "hash": digest})
                prev = digest
            pipe.set(AUDIT_HEAD, prev)
            pipe.execute()


def bot_verify(client: redis.Redis) -> str:
    from tobitbot import audit_cli

    out = io.StringIO()
    status = audit_cli.verify(client, out)
    return f"status {status}: {out.getvalue().strip()}"


def baseline_verify(client: redis.Redis) -> str:
    """A minimal paged recompute of the same chain, with the bot's hash function inlined."""
    expected, count, broken, start = GENESIS, 0, 0, "-"
    while True:
        page = client.xrange(AUDIT_STREAM, min=start, count=PAGE)
        for _, fields in page:
            prev = fields[b"prev"].decode()
            body = json.dumps(json.loads(fields[b"entry"]), sort_keys=True, ensure_ascii=False,
                              separators=(",", ":"))
            digest = hashlib.sha256((prev + "\n" + body).encode()).hexdigest()
            broken += prev != expected or digest != fields[b"hash"].decode()
            expected, count = digest, count + 1
        if len(page) < PAGE:
            return f"{count} entries, {broken} broken"
        start = "(" + page[-1][0].decode()


def child(which: str, url: str) -> None:
    """One timed run in this process: prints seconds, peak RSS and RSS before (KiB)."""
    client = redis.Redis.from_url(url)
    run = bot_verify if which == "bot" else baseline_verify
    if which == "bot":
        from tobitbot import audit_cli  # noqa: F401  imported before the RSS baseline is taken
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started, cpu_started = time.perf_counter(), time.process_time()
    result = run(client)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": elapsed, "cpu": cpu, "peak_kib": peak, "before_kib": before,
                      "result": result}))


def timed_run(which: str, url: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", which, "--redis-url", url],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000, help="entries in the stream")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each, interleaved")
    parser.add_argument("--child", choices=["bot", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--redis-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.redis_url)
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as data_dir:
        server = RedisServer(Path(data_dir)).start()
        try:
            client = redis.Redis.from_url(server.url)
            started = time.perf_counter()
            fill(client, args.entries)
            print(f"filled {args.entries} entries in {time.perf_counter() - started:.1f} s "
                  f"(redis used {client.info('memory')['used_memory_human']})")
            runs: dict[str, list[dict]] = {"bot": [], "baseline": []}
            for _ in range(args.rounds):
                for which in ("bot", "baseline"):
                    runs[which].append(timed_run(which, server.url))
            for which, samples in runs.items():
                seconds = [s["seconds"] for s in samples]
                print(f"{which:<9} median {statistics.median(seconds):7.2f} s  "
                      f"(min {min(seconds):.2f}, max {max(seconds):.2f}; "
                      f"CPU {statistics.median(s['cpu'] for s in samples):.2f} s)  "
                      f"peak RSS {max(s['peak_kib'] for s in samples) / 1024:6.1f} MiB  "
                      f"(+{max(s['peak_kib'] - s['before_kib'] for s in samples) / 1024:.1f} MiB "
                      f"during verify)  {samples[-1]['result']}")
            ratio_time, ratio_cpu = ((statistics.median(s[key] for s in runs["bot"])
                                      / statistics.median(s[key] for s in runs["baseline"]))
                                     for key in ("seconds", "cpu"))
            ratio_rss = (max(s["peak_kib"] for s in runs["bot"])
                         / max(s["peak_kib"] for s in runs["baseline"]))
            # CPU time is the fairer figure on a shared machine: wall time carries others' load
            print(f"bot / baseline: time {ratio_time:.2f}x, CPU {ratio_cpu:.2f}x (goal <= 1.2x), "
                  f"peak RSS {ratio_rss:.2f}x")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
