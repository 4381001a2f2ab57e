"""The RQ worker the provisioning queue runs on: crashes are noticed in seconds, not minutes.

RQ finds an abandoned job (its worker was SIGKILLed, or the machine died) when the job's
heartbeat entry expires and some worker cleans the registries; with Retry left on the job it is
requeued, and the engine's journal lets the new run finish the remaining steps exactly once.
RQ's defaults make that take 10+ minutes (heartbeat + 60 s, maintenance every 10 min); a
support engineer waiting on a half-made account should not wait that long.

RQ runs each job in a forked work horse in a process group of its own, so a SIGKILL of the
worker alone (`kill -9`, the OOM killer) would leave the horse running unwatched: its job's
heartbeat stops, the job is requeued, and two runs of one plan would race. The horse therefore
dies with its worker (Linux's parent-death signal), and the requeued run is the only one.

A job that ends on its last attempt without giving an outcome (its horse killed, its worker
gone) is reported by the worker from the job's journal (workers/lost_jobs.py).
"""

from __future__ import annotations

import ctypes
import os
import signal

from rq import Worker
from rq.job import Job
from rq.queue import Queue

HEARTBEAT_SECONDS = 5        # the work horse's monitor refreshes the job's entry this often
HEARTBEAT_GRACE_SECONDS = 10  # missed heartbeats tolerated before a job counts as abandoned
MAINTENANCE_SECONDS = 10      # how often one of the workers looks for abandoned jobs
_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Have the kernel SIGKILL this process when `parent_pid` (our parent) dies (Linux only)."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return  # not Linux: an orphaned horse finishes its job; the journal still guards re-runs
    prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the worker died between fork() and prctl()
        os._exit(1)


class ProvisioningWorker(Worker):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("job_monitoring_interval", HEARTBEAT_SECONDS)
        kwargs.setdefault("maintenance_interval", MAINTENANCE_SECONDS)
        super().__init__(*args, **kwargs)
        from workers.lost_jobs import report_abandoned  # it imports the steps; only a worker needs them

        self.push_exc_handler(report_abandoned)

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
        self._worker_pid = os.getpid()
        super().fork_work_horse(job, queue)

    def main_work_horse(self, job: Job, queue: Queue) -> None:
        die_with_parent(self._worker_pid)
        super().main_work_horse(job, queue)
