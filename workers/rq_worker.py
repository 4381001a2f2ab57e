"""The RQ worker the provisioning queue runs on: crashes are noticed in seconds, Redis outages ridden out.

RQ finds an abandoned job (its worker was SIGKILLed, or the machine died) when the job's
heartbeat entry expires and some worker cleans the registries; with Retry left on the job it is
requeued, and the engine's journal lets the new run finish the remaining steps exactly once.
RQ's defaults make that take 10+ minutes (heartbeat + 60 s, maintenance every 10 min); a
support engineer waiting on a half-made account should not wait that long. Here a job counts as
abandoned 10 s after its last heartbeat and every worker looks every 3 s, so a killed worker's
job runs again about 10 to 15 s later (bench/bench_crash_recovery.py prints the figures). The
retry waits on the queue's scheduler (workers/rq_scheduler.py), which no longer lingers.

RQ runs each job in a forked work horse in a process group of its own, so a SIGKILL of the
worker alone (`kill -9`, the OOM killer) would leave the horse running unwatched: its job's
heartbeat stops, the job is requeued, and two runs of one plan would race. The horse therefore
dies with its worker (Linux's parent-death signal), and the requeued run is the only one; so
does the worker's scheduler.

Redis going away (a restart, a failover) must not end a worker: RQ's horse monitor and work loop
quit on the first ConnectionError, which killed the horse with them and left its request
"running". The worker's Redis client retries each command for a while (tobitbot/wiring.py), so a
restart of a few seconds passes unnoticed by horse and worker alike; past that, the worker waits
for Redis with backoff wherever it talks to it, keeps watching its horse, and files the horse's
end once Redis is back. A horse whose job could not reach Redis exits with an error and is filed
as a killed horse: retried (the journal resumes it) or reported from the journal.

Heartbeats cannot be written while Redis is down, so right after Redis (re)started every running
job's entry may look expired. No worker judges a job abandoned until Redis has been up for one
heartbeat lifetime, which gives live workers the time to write theirs again.

A job that ends on its last attempt without giving an outcome (its horse killed, its worker
gone) is reported by the worker from the job's journal (workers/lost_jobs.py).
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from typing import TypeVar

import redis
from rq import Worker, worker_registration
from rq.defaults import DEFAULT_LOGGING_DATE_FORMAT, DEFAULT_LOGGING_FORMAT
from rq.exceptions import StopRequested
from rq.job import Job
from rq.queue import Queue
from rq.registry import clean_registries
from rq.utils import now
from rq.worker import WorkerStatus

from workers.cleaning_lock import cleaning_lock
from workers.parent_death import death_signal_setter
from workers.rq_scheduler import ProvisioningScheduler

HEARTBEAT_SECONDS = 3         # the work horse's monitor refreshes the job's entry this often
HEARTBEAT_GRACE_SECONDS = 7   # missed heartbeats tolerated before a job counts as abandoned
MAINTENANCE_SECONDS = 3       # how often each worker looks for abandoned jobs and dead schedulers
MAINTENANCE_LOCK_SECONDS = 30  # past its last renewal; RQ's 899 s lock of a killed cleaner stalled recovery
REDIS_WAIT_FIRST_SECONDS = 0.5
REDIS_WAIT_MAX_SECONDS = 5
REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
T = TypeVar("T")


class ProvisioningWorker(Worker):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("job_monitoring_interval", HEARTBEAT_SECONDS)
        kwargs.setdefault("maintenance_interval", MAINTENANCE_SECONDS)
        super().__init__(*args, **kwargs)
        from workers.lost_jobs import report_abandoned  # it imports the steps; only a worker needs them

        self.push_exc_handler(report_abandoned)
        self._horse_end: tuple | None = None
        self._die_with_worker: Callable[[], None] | None = None
        # Redis must have been up this long before a job counts as abandoned (see the docstring)
        self.redis_settle_seconds = HEARTBEAT_SECONDS + HEARTBEAT_GRACE_SECONDS

    # -- Redis outages -------------------------------------------------------------------------

    def until_redis_answers(self, call: Callable[[], T], doing: str, *, idle: bool = False) -> T:
        """`call()`, again and again with backoff while Redis is unreachable.

        `idle`: no job is at stake, so a stop request (SIGTERM) ends the wait.
        """
        wait = REDIS_WAIT_FIRST_SECONDS
        while True:
            try:
                return call()
            except REDIS_DOWN as exc:
                if idle and self._stop_requested:
                    raise StopRequested() from exc
                self.log.warning("Worker %s: Redis unreachable while %s (%s); again in %.1f s",
                                 self.name, doing, exc, wait)
                time.sleep(wait)
                wait = min(wait * 2, REDIS_WAIT_MAX_SECONDS)

    def execute_job(self, job: Job, queue: Queue) -> None:
        self._horse_end = None
        self.until_redis_answers(lambda: self.prepare_execution(job), f"starting job {job.id}")
        self.fork_work_horse(job, queue)
        # files the horse's end; run again after a Redis error, it sees the same end (wait_for_horse)
        self.until_redis_answers(lambda: self.monitor_work_horse(job, queue), f"filing job {job.id}")
        self.until_redis_answers(lambda: self.set_state(WorkerStatus.IDLE), "going idle")

    def wait_for_horse(self):
        if self._horse_end is None:
            self._horse_end = super().wait_for_horse()   # the horse can be reaped only once
        return self._horse_end

    def maintain_heartbeats(self, job: Job) -> None:
        try:
            super().maintain_heartbeats(job)
        except REDIS_DOWN as exc:   # the horse runs on; the next tick tries again
            self.log.warning("Worker %s: no heartbeat for job %s, Redis unreachable (%s)",
                             self.name, job.id, exc)

    def heartbeat(self, timeout: int | None = None, pipeline=None) -> None:
        if pipeline is not None:    # only queues commands
            return super().heartbeat(timeout, pipeline)
        try:
            super().heartbeat(timeout)
        except REDIS_DOWN as exc:   # the next heartbeat tries again
            self.log.warning("Worker %s: no worker heartbeat, Redis unreachable (%s)", self.name, exc)

    def dequeue_job_and_maintain_ttl(self, timeout, max_idle_time=None):
        # RQ waits out a ConnectionError there itself, but quits the worker on a TimeoutError
        return self.until_redis_answers(
            lambda: super(ProvisioningWorker, self).dequeue_job_and_maintain_ttl(timeout, max_idle_time),
            "waiting for a job", idle=True)

    def check_for_suspension(self, burst: bool) -> None:
        self.until_redis_answers(lambda: super(ProvisioningWorker, self).check_for_suspension(burst),
                                 "checking for suspension", idle=True)

    # -- maintenance: abandoned jobs and dead schedulers ------------------------------------------

    def run_maintenance_tasks(self) -> None:
        try:
            if self.scheduler is not None and not self._scheduler_running():
                if self.scheduler.release_dead_holders(self.connection):
                    self.scheduler.acquire_locks(auto_start=True)
            super().run_maintenance_tasks()
        except REDIS_DOWN as exc:   # the loop comes round again
            self.log.warning("Worker %s: maintenance skipped, Redis unreachable (%s)", self.name, exc)

    def _scheduler_running(self) -> bool:
        process = self.scheduler._process
        return process is not None and process.is_alive()

    def clean_registries(self) -> None:
        """RQ 2.12's, with a lock that outlives a killed cleaner by seconds (workers/cleaning_lock.py), and
        not right after a Redis restart. tests/unit/test_rq_copies.py says when RQ's has changed."""
        uptime = int(self.connection.info("server")["uptime_in_seconds"])
        if uptime < self.redis_settle_seconds:
            self.log.info("Worker %s: Redis up for %d s only; abandoned jobs are looked for later",
                          self.name, uptime)
            return
        for queue in self.queues:
            with cleaning_lock(self.connection, queue.registry_cleaning_key, self.name,
                               MAINTENANCE_LOCK_SECONDS) as held:
                if held:
                    clean_registries(queue, self._exc_handlers)
                    worker_registration.clean_worker_registry(queue)
                    queue.intermediate_queue.cleanup(self, queue)
        self.last_cleaned_at = now()

    def _start_scheduler(self, burst: bool = False, logging_level: str | None = "INFO",
                         date_format: str = DEFAULT_LOGGING_DATE_FORMAT,
                         log_format: str = DEFAULT_LOGGING_FORMAT) -> None:
        """RQ 2.12's, with a scheduler that dies with this worker (workers/rq_scheduler.py).

        tests/unit/test_rq_copies.py says when RQ's has changed."""
        self.scheduler = ProvisioningScheduler(
            self.queues, connection=self.connection, serializer=self.serializer,
            logging_level=logging_level if logging_level is not None else self.log.level,
            date_format=date_format, log_format=log_format)
        self.scheduler.acquire_locks()
        if not self.scheduler.acquired_locks:
            return
        if burst:
            try:
                self.scheduler.register_birth()
                self.scheduler.enqueue_scheduled_jobs()
            finally:
                self.scheduler.release_locks()
                self.scheduler.register_death()
        else:
            self.scheduler.start()

    # -- the work horse ----------------------------------------------------------------------------

    def handle_work_horse_killed(self, job: Job, retpid, ret_val, rusage) -> None:
        """The horse died mid-job; RQ files the job next (handle_job_failure), no handler runs.

        With retries left RQ runs it again; otherwise the request would never hear of it.
        """
        super().handle_work_horse_killed(job, retpid, ret_val, rusage)
        if not job.should_retry:
            from workers.lost_jobs import report_horse_killed

            report_horse_killed(job, ret_val)

    @property
    def dequeue_timeout(self) -> int:
        # an idle worker blocks in BLPOP this long and looks for abandoned jobs only in between;
        # RQ's default (worker_ttl - 15 s, about 7 min) would make MAINTENANCE_SECONDS a dead letter
        return min(super().dequeue_timeout, self.maintenance_interval)

    def get_heartbeat_ttl(self, job: Job) -> int:
        return self.job_monitoring_interval + HEARTBEAT_GRACE_SECONDS

    def fork_work_horse(self, job: Job, queue: Queue) -> None:
        self._die_with_worker = death_signal_setter(signal.SIGKILL)
        super().fork_work_horse(job, queue)

    def main_work_horse(self, job: Job, queue: Queue) -> None:
        if self._die_with_worker is not None:
            self._die_with_worker()
        super().main_work_horse(job, queue)
