"""RQ job functions: plain functions with JSON arguments (the queue uses RQ's JSONSerializer).

The bot enqueues them by name ("workers.jobs.run_plan") so that it never imports workers.
"""

from __future__ import annotations

import logging

from rq import get_current_job
from rq.exceptions import AbandonedJobError
from rq.job import Job

from commands import events
from commands.errors import BackendError
from commands.events import JobEvent
from commands.plan import Plan
from workers import runtime
from workers.engine import Engine, StepFailed
from workers.journal import RedisJournal
from workers.publisher import RedisPublisher
from workers.steps import load_all

log = logging.getLogger(__name__)


def _engine() -> tuple[Engine, runtime.Runtime]:
    load_all()
    rt = runtime.current()
    return Engine(rt.backends, RedisPublisher(rt.redis), rt.secrets), rt


def _is_final_attempt() -> bool:
    job = get_current_job()
    return job is None or not job.retries_left


RUN_PLAN = "workers.jobs.run_plan"


def run_plan(request_id: str, plan: dict) -> dict:
    """Execute a plan; re-running it continues where an earlier run stopped."""
    engine, rt = _engine()
    try:
        event = engine.run(request_id, Plan.from_json(plan), RedisJournal(rt.redis, request_id),
                           final_attempt=_is_final_attempt())
    except StepFailed as failed:
        # final: already published with the steps done and pending; RQ must not retry it
        return {"status": "failed", "error": failed.event.error}
    return {"status": event.kind}


def undo_plan(request_id: str, plan: dict) -> dict:
    """Roll back the completed steps of a failed request, newest first."""
    engine, rt = _engine()
    plan_ = Plan.from_json(plan)
    journal = RedisJournal(rt.redis, request_id)
    try:
        event = engine.undo(request_id, plan_, journal)
    except BackendError as exc:
        if exc.retryable and not _is_final_attempt():
            raise
        done = journal.done_steps()
        engine.publish(JobEvent(
            request_id, events.FAILED, total=len(plan_.steps), summary="undo", error=f"undo stopped: {exc}",
            done=tuple(plan_.steps[i].summary for i in sorted(done)),
            pending=tuple(s.summary for i, s in enumerate(plan_.steps) if i not in done)))
        return {"status": "failed", "error": str(exc)}
    return {"status": event.kind, "undone": list(event.done)}


ABANDONED = ("the worker running this request stopped (killed or crashed) and no retries are left; "
             "what was done is kept")


def report_abandoned(job: Job, exc_type, exc_value, traceback) -> bool:
    """RQ exception handler: a job abandoned on its last attempt fails loudly, not silently.

    RQ requeues an abandoned job while it has retries left (the journal then resumes it); on the
    last attempt it only files it as failed, and the request would wait for an outcome forever.
    """
    if exc_type is not AbandonedJobError or job.retries_left or job.func_name != RUN_PLAN:
        return True
    request_id, plan = job.args[0], Plan.from_json(job.args[1])
    engine, rt = _engine()
    journal = RedisJournal(rt.redis, request_id)
    done = journal.done_steps()
    index = next((i for i in range(len(plan.steps)) if i not in done), len(plan.steps) - 1)
    engine.failure(request_id, plan, journal, index, ABANDONED, attempt=journal.runs())
    return True
