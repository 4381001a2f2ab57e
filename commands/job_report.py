"""`jobs` and `job ID` as tables: requests and their progress, from what the bot and workers wrote.

Pure: the bot hands in the stored requests (anything with the `RequestView` attributes), the
job's events with the time each was written, and the approval state; out come `Table`s.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol, Sequence

from commands import events
from commands.approval import ApprovalState
from commands.events import JobEvent
from commands.reports import Table


class RequestView(Protocol):
    request_id: str
    requester: str
    channel: str
    command: str
    customer: str | None
    plan: dict[str, Any]
    state: str


@dataclass(frozen=True)
class Listed:
    """A request as the index lists it: when it was asked, and the stored record."""

    asked_at: float
    record: RequestView


def when(epoch: float | None) -> str:
    """A time for a table: UTC, to the second, because support staff work across time zones."""
    if not epoch:
        return "-"
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def jobs_table(listed: Sequence[Listed], title: str) -> Table:
    rows = tuple((item.record.request_id, when(item.asked_at), item.record.customer or "-",
                  _short(item.record.command), item.record.requester, item.record.state)
                 for item in listed)
    return Table(title, ("request", "asked", "customer", "command", "by", "state"), rows)


def job_summary(item: Listed, approval: ApprovalState | None) -> Table:
    record = item.record
    rows = [("command", record.command), ("customer", record.customer or "-"),
            ("requested by", record.requester), ("asked", when(item.asked_at)),
            ("ticket", getattr(record, "ticket", None) or "-"), ("state", record.state)]
    if approval is not None:
        rows += approval_rows(approval)
    return Table(f"Request `{record.request_id}`", ("field", "value"), tuple(rows))


def approval_rows(state: ApprovalState) -> list[tuple[str, str]]:
    needed = f"{len(state.votes)} of {len(state.slots)} ({', '.join(state.slots)})"
    rows = [("approvals", f"{state.status}: {needed}"), ("approval expires", when(state.expires_at))]
    rows += [(f"approved by {role}", f"{user} at {when(at)}") for user, role, at in state.votes]
    if state.decided_by and state.status not in ("approved", "pending"):
        rows.append((f"{state.status} by", f"{state.decided_by} at {when(state.decided_at)}"))
    return rows


def steps_table(plan: dict[str, Any], timeline: Sequence[tuple[float, JobEvent]]) -> Table:
    """Each planned step with what the job did to it, newest attempt winning, and when."""
    summaries = [s["summary"] for s in plan.get("steps", ())]
    status = {i: ("not run", "-") for i in range(1, len(summaries) + 1)}
    for at, event in timeline:
        if event.step is None or event.step not in status:
            if event.kind == events.UNDONE:  # `done` names the steps it rolled back
                status = {i: ("undone", when(at)) if summaries[i - 1] in event.done else s
                          for i, s in status.items()}
            continue
        if event.kind == events.STEP_DONE:
            status[event.step] = (f"done in {event.elapsed_ms} ms", when(at))
        elif event.kind == events.STEP_SKIPPED:
            status[event.step] = ("already in place", when(at))
        elif event.kind == events.RETRYING:
            status[event.step] = (f"retrying: {event.error}", when(at))
        elif event.kind == events.FAILED:
            status[event.step] = (f"failed: {event.error}", when(at))
    done = sum(1 for s, _ in status.values() if s.startswith(("done", "already")))
    rows = tuple((str(i), summary, *status[i]) for i, summary in enumerate(summaries, 1))
    return Table(f"Steps: {done} of {len(summaries)} done", ("#", "step", "result", "at"), rows)


def _short(command: str, limit: int = 60) -> str:
    return command if len(command) <= limit else command[: limit - 1] + "…"
