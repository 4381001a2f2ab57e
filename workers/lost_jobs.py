"""The outcome of a job that ended without giving one, so that no request shows "running" forever.

A job's own code publishes its outcome. Two ends skip that code: the work horse dies (the OOM
killer, a segfault, RQ killing it after its timeout: RQ's worker notices at once) or the whole
worker dies (RQ finds the job abandoned when its heartbeat expires). With retries left RQ runs
the job again and the journal resumes it; on the last attempt RQ only files it as failed, so the
worker publishes the outcome the journal shows. Both ends can fire for one job (the worker dies
while filing a dead horse's job), and a horse can die after publishing; the outcome is marked
per RQ job (`RedisPublisher.publish_outcome_once`), so a job is reported once.
"""

from __future__ import annotations

import logging
import os
import signal

from rq.exceptions import AbandonedJobError
from rq.job import Job

from commands.events import JobEvent
from commands.plan import Plan
from workers import runtime
from workers.engine import failure_event, success_event, undone_event
from workers.jobs import RUN_PLAN, UNDO_PLAN, undo_stopped
from workers.journal import RedisJournal
from workers.publisher import RedisPublisher
from workers.steps import load_all

log = logging.getLogger(__name__)

WORKER_LOST = "the worker running this request stopped (killed or crashed)"
HORSE_LOST = "the process running this request died ({how})"
NO_RETRIES = " and no retries are left; what was done is kept"


def report_abandoned(job: Job, exc_type, exc_value, traceback) -> bool:
    """RQ exception handler: a job abandoned on its last attempt fails loudly, not silently.

    RQ also calls it during maintenance (registry cleanup): it must never raise there.
    """
    if exc_type is AbandonedJobError and not job.retries_left:
        report_lost(job, WORKER_LOST)
    return True


def report_horse_killed(job: Job, wait_status: int | None) -> None:
    """The work horse of `job` died on the job's last attempt (the worker calls this)."""
    report_lost(job, HORSE_LOST.format(how=_how(wait_status)))


def _how(wait_status: int | None) -> str:
    """How the horse died: SIGKILL (the OOM killer, or RQ after the job's timeout), SIGSEGV, ..."""
    if wait_status is None:
        return "cause unknown"
    if not os.WIFSIGNALED(wait_status):
        return f"exit status {os.WEXITSTATUS(wait_status)}"
    try:
        return signal.Signals(os.WTERMSIG(wait_status)).name
    except ValueError:
        return f"signal {os.WTERMSIG(wait_status)}"


def report_lost(job: Job, why: str) -> None:
    """Publish the outcome of `job`, which will not run again; log, never raise, if that fails."""
    try:
        if job.func_name not in (RUN_PLAN, UNDO_PLAN):
            return
        load_all()
        client = runtime.current().redis
        request_id, plan = job.args[0], Plan.from_json(job.args[1])
        journal = RedisJournal(client, request_id)
        if job.func_name == RUN_PLAN:
            event = _run_outcome(request_id, plan, journal, why + NO_RETRIES)
        else:
            event = _undo_outcome(request_id, plan, journal, why + NO_RETRIES)
        if RedisPublisher(client, job_id=job.id).publish_outcome_once(event):
            log.warning("job %s ended without an outcome (%s); reported %s", job.id, why, event.kind)
    except Exception:  # an old-format plan, Redis gone: RQ's maintenance and filing must go on
        log.exception("could not report the outcome of job %s (%s)", job.id, why)


def _run_outcome(request_id: str, plan: Plan, journal: RedisJournal, error: str) -> JobEvent:
    done = journal.done_steps()
    pending = [i for i in range(len(plan.steps)) if i not in done]
    if not pending:   # died after its last step was recorded: the work is complete
        return success_event(request_id, plan, journal.runs())
    return failure_event(request_id, plan, done, pending[0], error, journal.runs())


def _undo_outcome(request_id: str, plan: Plan, journal: RedisJournal, error: str) -> JobEvent:
    done = journal.done_steps()
    if done:
        return undo_stopped(request_id, plan, done, error)
    # died after rolling back the last step: the rollback is complete
    undone = sorted(journal.undone_steps(), reverse=True)   # newest first, as the undo ran
    return undone_event(request_id, plan, [plan.steps[i].summary for i in undone])
