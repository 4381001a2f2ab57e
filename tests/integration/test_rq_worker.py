"""The provisioning worker: a crashed job is noticed in seconds, not minutes, and a job that dies
on its last attempt gives its request an outcome, exactly once."""

from __future__ import annotations

import logging
import os
import signal

import pytest
import redis
from rq.exceptions import AbandonedJobError
from rq.job import Job

from commands.plan import Plan, Step
from workers.journal import RedisJournal
from workers.rq_worker import HEARTBEAT_GRACE_SECONDS, MAINTENANCE_SECONDS, ProvisioningWorker

pytestmark = pytest.mark.integration
RUN_PLAN, UNDO_PLAN = "workers.jobs.run_plan", "workers.jobs.undo_plan"   # as the bot enqueues them
# a queue of its own: the end-to-end stack's real workers listen on "provisioning" in this Redis
QUEUE = "provisioning-rq-worker-test"
ADA = {"customer": "acme", "user": "ada"}
PLAN = Plan("add-user acme Ada", "acme", (
    Step("ad", "create_user", {"customer": "acme", "given_name": "Ada", "surname": "L", "display_name": "Ada L",
                               "email": None, "solo": False}, "create AD account"),
    Step("ad", "enable_user", ADA, "enable it")))


@pytest.fixture
def worker(redis_url):
    from rq.serializers import JSONSerializer

    return ProvisioningWorker([QUEUE], connection=redis.Redis.from_url(redis_url),
                              serializer=JSONSerializer)


def test_an_idle_worker_wakes_up_for_maintenance_on_time(worker):
    # RQ looks for abandoned jobs only between two blocking pops of the queue
    assert worker.dequeue_timeout <= MAINTENANCE_SECONDS


def test_a_job_counts_as_abandoned_a_few_heartbeats_after_its_worker_died(worker):
    ttl = worker.get_heartbeat_ttl(Job("j", connection=worker.connection))
    assert ttl == worker.job_monitoring_interval + HEARTBEAT_GRACE_SECONDS <= 20


class HorseKiller:
    """A directory whose every call SIGKILLs the work horse making it, as the OOM killer would."""

    def __init__(self, test_pid: int):
        self._test_pid = test_pid

    def __getattr__(self, name):
        def call(*args, **kwargs):
            assert os.getpid() != self._test_pid, "only a forked work horse calls the directory"
            os.kill(os.getpid(), signal.SIGKILL)

        return call


@pytest.fixture
def queued(redis_url):
    """A job on real Redis whose first step is done (a directory call kills its horse), and Redis."""
    from rq import Queue
    from rq.serializers import JSONSerializer

    from workers import runtime
    from workers.runtime import Runtime
    from workers.steps.base import Backends

    client = redis.Redis.from_url(redis_url)
    killer = HorseKiller(os.getpid())
    runtime.install(lambda: Runtime(client, Backends(killer, None, None), secrets=None))
    RedisJournal(client, "r-abandoned").attempts()
    RedisJournal(client, "r-abandoned").mark_done(0, {})

    def make(retries: int, func: str = RUN_PLAN, plan: Plan = PLAN):
        from rq import Retry

        queue = Queue(QUEUE, connection=client, serializer=JSONSerializer)
        return queue.enqueue(func, "r-abandoned", plan.to_json(), job_id="r-abandoned",
                             retry=Retry(max=retries) if retries else None)

    yield make, client
    runtime.install(None)


def _events(client):
    from commands.events import JOB_STREAM, JobEvent

    return [JobEvent.from_json(f[b"event"]) for _, f in client.xrange(JOB_STREAM.format(request_id="r-abandoned"))]


def test_a_job_abandoned_on_its_last_attempt_fails_loudly_with_its_steps(queued, worker):
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
    make, client = queued
    job = make(retries=2)
    for handler in worker._exc_handlers:
        handler(job, AbandonedJobError, AbandonedJobError(), None)
    assert _events(client) == []


def _kinds(client):
    return [e.kind for e in _events(client)]


def test_a_horse_killed_on_its_last_attempt_reports_the_failure_with_its_steps(queued, worker):
    make, client = queued
    job = make(retries=1)
    worker.work(burst=True)             # the horse dies twice: on its first try and on its retry
    assert job.get_status(refresh=True) == "failed"
    assert _kinds(client) == ["started", "started", "failed"]
    failed = _events(client)[-1]
    assert (failed.step, failed.total, failed.done, failed.pending, failed.attempt) == (
        2, 2, ("create AD account",), ("enable it",), 3)
    assert "died (SIGKILL)" in failed.error and "no retries are left" in failed.error and failed.undoable


def test_a_horse_killed_on_its_last_attempt_is_reported_once_even_if_also_found_abandoned(queued, worker):
    make, client = queued
    job = make(retries=0)
    worker.work(burst=True)
    # the worker died before RQ filed the job: the next maintenance finds it abandoned as well
    for handler in worker._exc_handlers:
        handler(Job.fetch(job.id, connection=client, serializer=job.serializer),
                AbandonedJobError, AbandonedJobError(), None)
    assert _kinds(client) == ["started", "failed"]


def test_a_horse_that_dies_after_publishing_its_outcome_is_not_reported_again(queued, worker):
    make, client = queued
    broken = Plan(PLAN.command, "acme", (PLAN.steps[0], Step("ad", "enable_user", {}, "enable it")))
    job = make(retries=0, plan=broken)
    worker.work(burst=True)             # the step has no arguments: the engine reports it, the job ends
    assert _kinds(client) == ["started", "failed"]
    # had its horse died just after that, before RQ filed the job as finished:
    worker.handle_work_horse_killed(job, 4242, signal.SIGKILL, None)
    assert _kinds(client) == ["started", "failed"]
    assert "internal error in step `ad.enable_user`" in _events(client)[-1].error


def test_an_undo_whose_horse_is_killed_on_its_last_attempt_reports_the_undo_stopped(queued, worker):
    make, client = queued
    job = make(retries=1, func=UNDO_PLAN)
    worker.work(burst=True)
    assert job.get_status(refresh=True) == "failed"
    [failed] = _events(client)
    assert (failed.kind, failed.summary, failed.done, failed.pending) == (
        "failed", "undo", ("create AD account",), ("enable it",))
    assert failed.error.startswith("undo stopped: the process running this request died (SIGKILL)")


def test_an_undo_abandoned_on_its_last_attempt_reports_what_is_still_done(queued, worker):
    make, client = queued
    job = make(retries=0, func=UNDO_PLAN)
    for handler in worker._exc_handlers:
        handler(job, AbandonedJobError, AbandonedJobError(), None)
    [failed] = _events(client)
    assert (failed.kind, failed.summary, failed.done, failed.pending) == (
        "failed", "undo", ("create AD account",), ("enable it",))
    assert "undo stopped: the worker running this request stopped" in failed.error


def test_an_undo_abandoned_after_its_last_rollback_reports_it_undone(queued, worker):
    make, client = queued
    RedisJournal(client, "r-abandoned").mark_undone(0)
    job = make(retries=0, func=UNDO_PLAN)
    for handler in worker._exc_handlers:
        handler(job, AbandonedJobError, AbandonedJobError(), None)
    [undone] = _events(client)
    assert (undone.kind, undone.done) == ("undone", ("create AD account",))


def test_a_job_abandoned_after_its_last_step_reports_success_not_failure(queued, worker):
    make, client = queued
    RedisJournal(client, "r-abandoned").mark_done(1, {})
    job = make(retries=0)
    for handler in worker._exc_handlers:
        handler(job, AbandonedJobError, AbandonedJobError(), None)
    [succeeded] = _events(client)
    assert (succeeded.kind, succeeded.total, succeeded.done) == (
        "succeeded", 2, ("create AD account", "enable it"))


def test_a_job_that_cannot_be_reported_does_not_stop_maintenance(queued, worker, caplog):
    from rq.registry import StartedJobRegistry

    make, client = queued
    job = make(retries=0)
    old = PLAN.to_json()
    del old["checks"]                                   # a plan written by an older version
    job.args = ("r-abandoned", old)
    job.save()
    started = StartedJobRegistry(QUEUE, connection=client, serializer=job.serializer)
    client.zadd(started.key, {f"{job.id}:e1": 1})       # its heartbeat expired long ago
    worker.redis_settle_seconds = 0                     # this test's Redis may have just started
    with caplog.at_level(logging.ERROR, logger="workers.lost_jobs"):
        worker.run_maintenance_tasks()
    assert job.get_status(refresh=True) == "failed"     # RQ filed it; the cleanup went on
    assert started.get_job_ids() == [] and _events(client) == []
    assert "could not report the outcome of job r-abandoned" in caplog.text


def test_the_journal_forgets_a_rollback_once_the_step_is_done_again(redis_url):
    journal = RedisJournal(redis.Redis.from_url(redis_url), "r-undone")
    journal.mark_done(0, {})
    journal.mark_done(1, {})
    journal.mark_undone(1)
    assert (journal.done_steps(), journal.undone_steps()) == ({0}, {1})
    journal.mark_done(1, {})            # retried after the undo: nothing is rolled back any more
    assert (journal.done_steps(), journal.undone_steps()) == ({0, 1}, set())
