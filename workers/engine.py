"""Runs a plan step by step: skip what is done, apply, verify, record, publish.

Before the first step the command's rules are checked again on fresh state (workers/admission.py),
so that two requests admitted together cannot both take what only one may have; a refusal
there runs no step. The engine never leaves work half-done without saying so: a final failure publishes which steps
completed and which did not, and whether the completed ones can be undone. Transient backend
errors propagate (as RetryableBackendError) so that RQ runs the job again; the journal makes
that re-run continue where this one stopped.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import Any, Callable, NoReturn, Protocol

from commands import events
from commands.errors import BackendError, PermanentBackendError, UserError
from commands.events import JobEvent
from commands.plan import Plan, Step
from commands.steps import CATALOGUE
from workers.admission import Held
from workers.steps.base import REGISTRY, Backends, StepContext

log = logging.getLogger(__name__)
_REF = re.compile(r"^\$\{([a-z_]+)\}$")
SECRET_PREFIX = "secret:"


class Journal(Protocol):
    def done_steps(self) -> set[int]: ...
    def values(self) -> dict[str, Any]: ...
    def mark_done(self, index: int, values: dict[str, Any]) -> None: ...
    def mark_undone(self, index: int) -> None: ...
    def attempts(self) -> int: ...


class Secrets(Protocol):
    def put(self, request_id: str, name: str, value: str) -> None: ...


class Admission(Protocol):
    def admit(self, request_id: str, plan: Plan) -> Held: ...


Publish = Callable[[JobEvent], None]


class StepFailed(Exception):
    """A step failed for good; carries the final event already published."""

    def __init__(self, event: JobEvent, cause: BaseException):
        super().__init__(event.error)
        self.event = event
        self.cause = cause


class Refused(Exception):
    """The rules, checked again before the first step, forbid the plan; nothing ran. Carries
    the final event already published."""

    def __init__(self, event: JobEvent):
        super().__init__(event.error)
        self.event = event


@dataclass
class Engine:
    backends: Backends
    publish: Publish
    secrets: Secrets
    admission: Admission | None = None   # None: no re-check (unit tests of the steps alone)

    def run(self, request_id: str, plan: Plan, journal: Journal, *, final_attempt: bool) -> JobEvent:
        """Execute the remaining steps; return the final event (SUCCEEDED).

        Raises Refused when the rules, checked again before the first step, forbid the plan now.
        """
        ctx = StepContext(request_id, journal.values())
        total = len(plan.steps)
        attempt = journal.attempts()
        self.publish(JobEvent(request_id, events.STARTED, total=total, attempt=attempt,
                              summary=plan.command))
        held = self._admit(request_id, plan, journal, attempt, final_attempt)
        try:
            for index, step in enumerate(plan.steps):
                if index in journal.done_steps():
                    continue
                try:
                    held.renew()   # a lock that ran out meanwhile no longer keeps others' checks off
                    kind, elapsed = self._run_step(step, ctx)
                except Exception as exc:
                    self._stop(request_id, plan, journal, index, exc, attempt, final_attempt)
                journal.mark_done(index, ctx.values)
                held.step_done(step.key)
                self.publish(JobEvent(request_id, kind, step=index + 1, total=total,
                                      summary=step.summary, elapsed_ms=elapsed, attempt=attempt))
        finally:
            held.release()
        final = success_event(request_id, plan, attempt)
        self.publish(final)
        return final

    def _admit(self, request_id: str, plan: Plan, journal: Journal, attempt: int,
               final_attempt: bool) -> Held:
        """The rules again before the first step; a run resuming done steps was admitted before
        (the consuming step is the first, so there is nothing left to hold)."""
        if self.admission is None or journal.done_steps():
            return Held()
        try:
            return self.admission.admit(request_id, plan)
        except UserError as refusal:
            event = refusal_event(request_id, plan, refusal.text(), attempt)
            self.publish(event)
            raise Refused(event) from refusal
        except Exception as exc:   # state unreadable, lock not had (retryable): as if step 1 failed
            self._stop(request_id, plan, journal, 0, exc, attempt, final_attempt)

    def _stop(self, request_id: str, plan: Plan, journal: Journal, index: int, exc: Exception,
              attempt: int, final_attempt: bool) -> NoReturn:
        """Step `index` failed: retry it (a transient error with attempts left) or fail for good."""
        step = plan.steps[index]
        if isinstance(exc, BackendError):
            if exc.retryable and not final_attempt:
                self.publish(JobEvent(request_id, events.RETRYING, step=index + 1, total=len(plan.steps),
                                      summary=step.summary, error=str(exc), attempt=attempt))
                raise exc
            message = str(exc)
        else:   # a bug or an unmapped library error: say where, keep the trace in the log
            log.exception("step %s of %s crashed", step.key, request_id)
            message = f"internal error in step `{step.key}` ({type(exc).__name__}), reference {request_id}"
        raise StepFailed(self.failure(request_id, plan, journal, index, message, attempt), exc) from exc

    def undo(self, request_id: str, plan: Plan, journal: Journal) -> JobEvent:
        """Roll back the completed steps, newest first, where each can be undone."""
        ctx = StepContext(request_id, journal.values())
        undone = []
        for index in sorted(journal.done_steps(), reverse=True):
            step = plan.steps[index]
            impl = REGISTRY[step.key]
            if impl.undo is None:
                raise PermanentBackendError(step.backend, f"`{step.key}` cannot be undone")
            impl.undo(self.backends, resolve(step.args, ctx.values), ctx)
            journal.mark_undone(index)
            undone.append(step.summary)
        event = undone_event(request_id, plan, undone)
        self.publish(event)
        return event

    def _run_step(self, step: Step, ctx: StepContext) -> tuple[str, int]:
        impl = REGISTRY[step.key]
        spec = CATALOGUE.get(step.key)
        args = resolve(step.args, ctx.values)
        started = time.monotonic()
        if not (spec and spec.reapply) and impl.verify(self.backends, args, ctx):
            outputs = impl.recall(self.backends, args, ctx) if impl.recall else {}
            kind = events.STEP_SKIPPED
        else:
            outputs = impl.apply(self.backends, args, ctx) or {}
            if not impl.verify(self.backends, args, ctx):
                raise PermanentBackendError(step.backend,
                                            f"`{step.key}` reported success but its effect is not there")
            kind = events.STEP_DONE
        for key, value in outputs.items():
            if key.startswith(SECRET_PREFIX):
                name = key[len(SECRET_PREFIX):]
                self.secrets.put(ctx.request_id, name, value)
                self.publish(JobEvent(ctx.request_id, events.SECRET_READY, summary=step.summary,
                                      secret=name, extra={"user": args.get("user")}))
            else:
                ctx.values[key] = value
        return kind, int((time.monotonic() - started) * 1000)

    def failure(self, request_id: str, plan: Plan, journal: Journal, index: int, error: str,
                 attempt: int) -> JobEvent:
        """Publish the final failure at step `index`: the steps done, the steps not run."""
        event = failure_event(request_id, plan, journal.done_steps(), index, error, attempt)
        self.publish(event)
        return event


def success_event(request_id: str, plan: Plan, attempt: int) -> JobEvent:
    """The outcome of a plan whose every step is done."""
    return JobEvent(request_id, events.SUCCEEDED, total=len(plan.steps), attempt=attempt,
                    done=tuple(s.summary for s in plan.steps), summary=plan.command)


def refusal_event(request_id: str, plan: Plan, reason: str, attempt: int) -> JobEvent:
    """The outcome of a plan the rules forbid when its job starts: no step ran."""
    return JobEvent(request_id, events.REFUSED, total=len(plan.steps), summary=plan.command,
                    error=reason, attempt=attempt, pending=tuple(s.summary for s in plan.steps))


def undone_event(request_id: str, plan: Plan, undone: list[str]) -> JobEvent:
    """The outcome of an undo that rolled back every step still in place (`undone`, in order)."""
    return JobEvent(request_id, events.UNDONE, total=len(plan.steps), done=tuple(undone),
                    summary=plan.command)


def failure_event(request_id: str, plan: Plan, done_idx: set[int], index: int, error: str,
                  attempt: int) -> JobEvent:
    """The final failure at step `index`: the steps done, the steps not run, whether undo can help."""
    return JobEvent(request_id, events.FAILED, step=index + 1, total=len(plan.steps),
                    summary=plan.steps[index].summary, error=error, attempt=attempt,
                    **progress(plan, done_idx))


def progress(plan: Plan, done_idx: set[int]) -> dict[str, Any]:
    """What a stopped run or undo leaves: the steps in place, the others, whether Undo can help."""
    return {"done": tuple(plan.steps[i].summary for i in sorted(done_idx)),
            "pending": tuple(s.summary for i, s in enumerate(plan.steps) if i not in done_idx),
            "undoable": bool(done_idx) and all(REGISTRY[plan.steps[i].key].undo for i in done_idx)}


def resolve(args: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Fill "${name}" arguments from earlier steps' outputs."""
    out = {}
    for key, value in args.items():
        match = _REF.match(value) if isinstance(value, str) else None
        if match:
            if match.group(1) not in values:
                raise PermanentBackendError("engine", f"argument {key} needs ${{{match.group(1)}}}, "
                                            "which no earlier step produced")
            value = values[match.group(1)]
        out[key] = value
    return out
