"""How long a SIGKILLed worker's job waits before it runs again: seconds from a live worker to done.

Starts a throwaway Redis and real `tobitbot worker` processes. Each round enqueues a job that
holds its first attempt (as a job waiting on a slow backend), SIGKILLs the worker running it
(its main process only, as the OOM killer does), checks that its horse and scheduler died with
it, starts a fresh worker and times until the job's second attempt is done. The job retries as
the bot's do (Retry with a 1 s interval, the e2e tests' setting), so the retry passes through the
queue's scheduler. Printed, not asserted; the target is < 15 s.

    .venv/bin/python bench/bench_crash_recovery.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# run as a script from anywhere: the repository root holds the packages and tests/
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402
from rq import Queue, Retry, get_current_job  # noqa: E402
from rq.serializers import JSONSerializer  # noqa: E402

from tests.fixtures.worker import alive, children, kill_group, start_worker, wait_until, worker_env  # noqa: E402
from tobitbot.servers.redis import RedisServer  # noqa: E402

TARGET = 15.0
QUEUE = "bench-crash"


def hold_first_attempt(key: str) -> str:
    """The bench's job (run by the worker): the first attempt hangs, a later one finishes."""
    client = get_current_job().connection
    if client.incr(f"{key}:attempts") == 1:
        time.sleep(3600)
    client.set(f"{key}:done", "1")
    return "done"


def one_round(client: redis.Redis, env: dict[str, str], logs: Path, n: int) -> float:
    key = f"bench:{uuid.uuid4().hex[:8]}"
    victim = start_worker(env, logs / f"victim-{n}.log")
    try:
        Queue(QUEUE, connection=client, serializer=JSONSerializer).enqueue(
            "bench.bench_crash_recovery.hold_first_attempt", key, retry=Retry(max=2, interval=[1, 1]))
        wait_until(lambda: client.get(f"{key}:attempts"), 60)
        horses, schedulers = children(victim.pid, same_group=False), children(victim.pid, same_group=True)
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(10)
        wait_until(lambda: not any(alive(pid) for pid in horses | schedulers), 10)
    finally:
        kill_group(victim)
    fresh = start_worker(env, logs / f"fresh-{n}.log")
    started = time.monotonic()
    try:
        wait_until(lambda: client.get(f"{key}:done"), 120, poll=0.05)
        return time.monotonic() - started
    finally:
        kill_group(fresh)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory(prefix="bench-crash-") as data_dir:
        server = RedisServer(Path(data_dir) / "redis").start()
        try:
            client = redis.Redis.from_url(server.url)
            env = worker_env(server.url, QUEUE)
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
            time.sleep(10)   # a Redis younger than a heartbeat lifetime defers abandoned-job checks
            samples = []
            for n in range(rounds):
                samples.append(one_round(client, env, Path(data_dir) / "logs", n))
                print(f"round {n + 1}: done {samples[-1]:5.1f} s after a live worker was there")
            print(f"worker killed -> job done: min={min(samples):.1f} s  median={statistics.median(samples):.1f} s"
                  f"  max={max(samples):.1f} s  (target < {TARGET:.0f} s)")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
