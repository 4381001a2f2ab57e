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


@pytest.fixture
def queued(redis_url):
    """A run_plan job on real Redis whose first step is done, and the job's event stream."""
    from rq import Queue
    from rq.serializers import JSONSerializer

    from commands.plan import Plan, Step
    from workers import runtime
    from workers.journal import RedisJournal
    from workers.runtime import Runtime
    from workers.steps.base import Backends

    client = redis.Redis.from_url(redis_url)
    runtime.install(lambda: Runtime(client, Backends(None, None, None), secrets=None))
    plan = Plan("add-user acme Ada", "acme", (
        Step("ad", "create_user", {}, "create AD account"), Step("ad", "enable_user", {}, "enable it")))
    RedisJournal(client, "r-abandoned").attempts()
    RedisJournal(client, "r-abandoned").mark_done(0, {})

    def make(retries: int):
        from rq import Retry

        queue = Queue("provisioning", connection=client, serializer=JSONSerializer)
        return queue.enqueue("workers.jobs.run_plan", "r-abandoned", plan.to_json(), job_id="r-abandoned",
                             retry=Retry(max=retries) if retries else None)

    yield make, client
    runtime.install(None)


def _events(client):
    from commands.events import JOB_STREAM, JobEvent

    return [JobEvent.from_json(f[b"event"]) for _, f in client.xrange(JOB_STREAM.format(request_id="r-abandoned"))]


def test_a_job_abandoned_on_its_last_attempt_fails_loudly_with_its_steps(queued, worker):
    from rq.exceptions import AbandonedJobError

    make, client = queued
    job = make(retries=0)
    assert worker._exc_handlers, "the worker reports abandoned jobs"
    for handler in worker._exc_handlers:
        handler(job, AbandonedJobError, AbandonedJobError(), None)
    [failed] = _events(client)
    assert (failed.kind, failed.step, failed.done, failed.pending) == (
        "failed", 2, ("create AD account",), ("enable it",))
    assert "worker running this request stopped" in failed.error and failed.undoable


def test_a_job_abandoned_with_retries_left_is_left_to_rq_to_requeue(queued, worker):
    from rq.exceptions import AbandonedJobError

    make, client = queued
    job = make(retries=2)
    for handler in worker._exc_handlers:
        handler(job, AbandonedJobError, AbandonedJobError(), None)
    assert _events(client) == []
