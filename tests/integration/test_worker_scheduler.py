"""A worker's RQ scheduler dies with its worker, and a dead scheduler's lock does not hold up retries.

Real `tobitbot worker` processes on the real Redis, each test on a queue of its own (the lock is
per queue, `rq:scheduler-lock:<queue>`).
"""

from __future__ import annotations

import os
import signal
import uuid

import pytest
import redis
from rq.scheduler import SCHEDULER_KEY_TEMPLATE

from tests.fixtures.worker import (alive, children, group_members, kill_group, start_worker, wait_until,
                                   worker_env)
from tobitbot.servers.process import stop
from workers.rq_scheduler import SCHEDULER_DEAD_SECONDS, ProvisioningScheduler

pytestmark = pytest.mark.integration


@pytest.fixture
def queue_env(redis_url):
    queue = f"sched-{uuid.uuid4().hex[:8]}"
    return queue, worker_env(redis_url, queue), redis.Redis.from_url(redis_url)


def test_a_worker_killed_alone_takes_its_scheduler_along_and_frees_the_lock(queue_env, tmp_path):
    queue, env, client = queue_env
    lock = f"rq:scheduler-lock:{queue}"
    worker = start_worker(env, tmp_path / "worker.log")
    try:
        [scheduler] = wait_until(lambda: client.exists(lock) and children(worker.pid, same_group=True), 30)
        os.kill(worker.pid, signal.SIGKILL)       # the main process only, as the OOM killer does
        worker.wait(10)
        # it used to run on under init, renewing the lock of a worker that no longer existed
        wait_until(lambda: not alive(scheduler), 10)
        assert group_members(worker.pid) == set()
        wait_until(lambda: not client.exists(lock), 10)   # released as it stopped, not left to expire
    finally:
        kill_group(worker)


def test_the_lock_of_a_scheduler_that_died_holding_it_is_taken_over(queue_env, tmp_path):
    queue, env, client = queue_env
    lock = f"rq:scheduler-lock:{queue}"
    # a scheduler that died without releasing (its machine went down): lock and heartbeat stand still
    client.set(lock, "ghost", ex=600)   # long: within this test only a takeover frees it, not expiry
    client.hset("rq:scheduler:ghost", mapping={"name": "ghost", "last_heartbeat": "2020-01-01T00:00:00Z"})
    worker = start_worker(env, tmp_path / "worker.log")
    try:
        holder = wait_until(lambda: (h := client.get(lock)) not in (None, b"ghost") and h, 45)
        # the new holder is this worker's own scheduler process
        assert children(worker.pid, same_group=True)
        assert client.hget(f"rq:scheduler:{holder.decode()}", "pid") is not None
    finally:
        stop(worker)


def test_a_live_schedulers_lock_is_left_alone_however_long_another_worker_watches_it(queue_env, tmp_path):
    queue, env, client = queue_env
    lock = f"rq:scheduler-lock:{queue}"
    worker = start_worker(env, tmp_path / "worker.log")
    try:
        holder = wait_until(lambda: client.get(lock), 30)
        beats = SCHEDULER_KEY_TEMPLATE % holder.decode()
        watcher = ProvisioningScheduler([queue], connection=client)
        clock = [0.0]
        watcher.clock = lambda: clock[0]
        for _ in range(3):
            assert watcher.release_dead_holders(client) == []
            beat = client.hget(beats, "last_heartbeat")   # read after the watcher's: as new or newer
            wait_until(lambda: client.hget(beats, "last_heartbeat") != beat, 30)   # the holder beats on
            clock[0] += SCHEDULER_DEAD_SECONDS   # while the watcher's clock runs past the limit each time
        assert watcher.release_dead_holders(client) == []
        assert client.get(lock) == holder
    finally:
        stop(worker)
