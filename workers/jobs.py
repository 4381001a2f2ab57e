"""RQ job functions: plain functions with JSON arguments (the queue uses RQ's JSONSerializer).

The bot enqueues them by name ("workers.jobs.run_plan") so that it never imports workers.
"""

from __future__ import annotations

import logging

from rq import get_current_job

from commands import events
from commands.errors import BackendError
from commands.events import JobEvent
from commands.plan import Plan
from workers import runtime
from workers.admission import Admission
from workers.engine import Engine, Refused, StepFailed, progress
from workers.journal import RedisJournal
from workers.publisher import RedisPublisher
from workers.steps import load_all

log = logging.getLogger(__name__)


def _engine() -> tuple[Engine, runtime.Runtime]:
    load_all()
    rt = runtime.current()
    job = get_current_job()
    # the outcome is marked with the RQ job's id, so the worker never reports this job again
    publisher = RedisPublisher(rt.redis, job_id=job.id if job else None)
    return Engine(rt.backends, publisher, rt.secrets, Admission(rt.redis, rt.backends)), rt


def _is_final_attempt() -> bool:
    job = get_current_job()
    return job is None or not job.retries_left


RUN_PLAN = "workers.jobs.run_plan"
UNDO_PLAN = "workers.jobs.undo_plan"


def run_plan(request_id: str, plan: dict) -> dict:
    """Execute a plan; re-running it continues where an earlier run stopped."""
    engine, rt = _engine()
    try:
        event = engine.run(request_id, Plan.from_json(plan), RedisJournal(rt.redis, request_id),
                           final_attempt=_is_final_attempt())
    except StepFailed as failed:
        # final: already published with the steps done and pending; RQ must not retry it
        return {"status": "failed", "error": failed.event.error}
    except Refused as refused:   # final too: the rules forbid it now, and retrying cannot change that
        return {"status": "refused", "error": refused.event.error}
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
        engine.publish(undo_stopped(request_id, plan_, journal.done_steps(), str(exc)))
        return {"status": "failed", "error": str(exc)}
    return {"status": event.kind, "undone": list(event.done)}


def undo_stopped(request_id: str, plan: Plan, done: set[int], error: str) -> JobEvent:
    """The outcome of an undo that could not finish: the steps still done, the steps not."""
    # step None: no plan step failed; Undo may be pressed again once the cause is fixed
    return JobEvent(request_id, events.FAILED, total=len(plan.steps), summary="undo",
                    error=f"undo stopped: {error}", **progress(plan, done))

