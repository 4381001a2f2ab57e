"""The provisioning worker's timing: a crashed job is noticed in seconds, not minutes."""

from __future__ import annotations

import pytest
import redis
from rq.job import Job

from workers.rq_worker import HEARTBEAT_GRACE_SECONDS, MAINTENANCE_SECONDS, ProvisioningWorker


pytestmark = pytest.mark.integration


@pytest.fixture
def worker(redis_url):
    return ProvisioningWorker(["provisioning"], connection=redis.Redis.from_url(redis_url))


def test_an_idle_worker_wakes_up_for_maintenance_on_time(worker):
    # RQ looks for abandoned jobs only between two blocking pops of the queue
    assert worker.dequeue_timeout <= MAINTENANCE_SECONDS


def test_a_job_counts_as_abandoned_a_few_heartbeats_after_its_worker_died(worker):
    ttl = worker.get_heartbeat_ttl(Job("j", connection=worker.connection))
    assert ttl == worker.job_monitoring_interval + HEARTBEAT_GRACE_SECONDS <= 20
