"""`jobs` and `job ID` tables from requests, events and approvals."""

from __future__ import annotations

from dataclasses import dataclass, field

from commands import events
from commands.approval import ApprovalState
from commands.events import JobEvent
from commands.job_report import Listed, job_summary, jobs_table, steps_table

PLAN = {"steps": [{"summary": "create AD account"}, {"summary": "create mailbox"},
                  {"summary": "set signature"}]}


@dataclass
class Record:
    request_id: str = "r-0123456789"
    requester: str = "U_OP"
    channel: str = "C_SUPPORT"
    command: str = 'add-user acme "Jane Doe"'
    customer: str | None = "acme"
    plan: dict = field(default_factory=lambda: PLAN)
    state: str = "failed"
    ticket: str | None = "SUP-1"


def ev(kind, step=None, **kw):
    return JobEvent("r-0123456789", kind, step=step, total=3, **kw)


def test_steps_show_done_retried_failed_and_not_run_with_times():
    timeline = [(1000.0, ev(events.STARTED)), (1001.0, ev(events.STEP_DONE, 1, elapsed_ms=120)),
                (1002.0, ev(events.RETRYING, 2, error="timeout")),
                (1003.0, ev(events.FAILED, 2, error="mailbox refused"))]
    table = steps_table(PLAN, timeline)
    assert table.title == "Steps: 1 of 3 done"
    assert [row[2] for row in table.rows] == ["done in 120 ms", "failed: mailbox refused", "not run"]
    assert table.rows[0][3] == "1970-01-01 00:16:41 UTC" and table.rows[2][3] == "-"


def test_a_retry_run_overwrites_the_failure_and_undo_marks_done_steps():
    timeline = [(1.0, ev(events.FAILED, 2, error="x")), (2.0, ev(events.STEP_SKIPPED, 1)),
                (3.0, ev(events.STEP_DONE, 2, elapsed_ms=5)), (4.0, ev(events.STEP_DONE, 3, elapsed_ms=7))]
    assert steps_table(PLAN, timeline).title == "Steps: 3 of 3 done"
    undone = steps_table(PLAN, timeline + [(5.0, ev(events.UNDONE, done=("create mailbox",
                                                                          "set signature")))])
    assert [row[2] for row in undone.rows] == ["already in place", "undone", "undone"]


def test_summary_has_ticket_and_every_approval():
    state = ApprovalState("r-0123456789", "U_OP", "cancel acme cti", "cancel", "acme", "f", 2e9,
                          slots=("approver", "admin"), status="approved",
                          votes=(("U_A", "approver", 1e9), ("U_B", "admin", 1e9 + 5)), decided_by="U_B")
    rows = dict(job_summary(Listed(1e9, Record()), state).rows)
    assert rows["ticket"] == "SUP-1" and rows["requested by"] == "U_OP"
    assert rows["approvals"] == "approved: 2 of 2 (approver, admin)"
    assert rows["approved by admin"].startswith("U_B at 2001-09-09")


def test_jobs_table_cuts_long_commands():
    table = jobs_table([Listed(0, Record(command="set-legal-info acme " + "x" * 100))], "t")
    assert len(table.rows[0][3]) == 60 and table.rows[0][1] == "-"
