"""`jobs`, `job` and `audit` on a real Redis: the request index, the job's event stream and the
audit stream, read back as the tables a person may see."""

from __future__ import annotations

import pytest
import redis

from bot.audit_query import AuditQuery
from bot.deps import BotDeps
from bot.job_reports import JobReports
from bot.request_store import RequestRecord
from commands import events
from commands.errors import NotFound
from commands.events import JobEvent
from commands.model import ListJobs, ShowAudit
from commands.policy import Identity, load_policy_text
from workers.publisher import RedisPublisher

POLICY = load_policy_text('''
[[grants]]
role = "operator"
users = ["U_ACME"]
customers = ["acme"]

[[grants]]
role = "admin"
users = ["U_ADMIN"]
customers = ["*"]

[commands.audit]
min_role = "operator"

[[channels]]
id = "C_SUPPORT"
customers = ["*"]
''')
PLAN = {"command": "x", "steps": [{"summary": "create AD account"}, {"summary": "create mailbox"}]}


class Groups:
    def identity(self, user):
        return Identity(user)


class Client:
    def chat_getPermalink(self, channel, message_ts):
        return {"permalink": f"https://slack.example/archives/{channel}/p{message_ts.replace('.', '')}"}


@pytest.fixture
def deps(redis_url):
    return BotDeps(redis=redis.Redis.from_url(redis_url), reader=None, policy=lambda: POLICY,
                   queue=None, secrets=None)


def save(deps, rid, customer, requester, **kw):
    record = RequestRecord(rid, requester, "C_SUPPORT", f"add-user {customer} \"A B\"", customer,
                           PLAN, message_ts="1700000000.000100", **kw)
    deps.requests.save(record)
    return record


def cells(messages):
    return "\n".join(b["text"]["text"] for _, blocks in messages for b in blocks if "text" in b)


def test_jobs_lists_newest_first_only_visible_customers_and_mine(deps):
    save(deps, "r-000000000a", "acme", "U_ACME")
    save(deps, "r-000000000b", "globex", "U_ADMIN")
    save(deps, "r-000000000c", "acme", "U_ADMIN")
    deps.requests.save(deps.requests.get("r-000000000a"))   # a later save keeps its place
    reports = JobReports(deps, Groups())
    assert [i.record.request_id for i in reports.recent("U_ADMIN", "C_SUPPORT")] == \
        ["r-000000000c", "r-000000000b", "r-000000000a"]
    assert [i.record.request_id for i in reports.recent("U_ACME", "C_SUPPORT")] == \
        ["r-000000000c", "r-000000000a"]
    assert [i.record.request_id for i in reports.recent("U_ADMIN", "C_SUPPORT", customer="acme",
                                                        mine=True)] == ["r-000000000c"]
    text = cells(reports.list_jobs(ListJobs(limit=1), "U_ACME", "C_SUPPORT"))
    assert "r-000000000c" in text and "r-000000000a" not in text and "1 shown" in text


def test_job_shows_steps_from_the_event_stream_and_hides_other_customers(deps):
    save(deps, "r-00000000aa", "acme", "U_ACME", state="failed")
    publish = RedisPublisher(deps.redis)
    publish(JobEvent("r-00000000aa", events.STEP_DONE, step=1, total=2, elapsed_ms=42))
    publish(JobEvent("r-00000000aa", events.FAILED, step=2, total=2, error="mailbox refused"))
    text = cells(JobReports(deps, Groups()).show_job("r-00000000aa", "U_ACME", "C_SUPPORT", Client()))
    assert "Steps: 1 of 2 done" in text and "done in 42 ms" in text and "failed: mailbox refused" in text
    assert "<https://slack.example/archives/C_SUPPORT/p1700000000000100|open the thread>" in text
    save(deps, "r-00000000bb", "globex", "U_ADMIN")
    with pytest.raises(NotFound):
        JobReports(deps, Groups()).show_job("r-00000000bb", "U_ACME", "C_SUPPORT", Client())


def test_audit_filters_by_ticket_through_the_request_store_and_lists_break_glass(deps):
    save(deps, "r-0000000t01", "acme", "U_ACME")
    record = deps.requests.get("r-0000000t01")
    record.ticket = "SUP-77"                # as the ticket side stores it
    deps.requests.save(record)
    log = deps.audit
    log.record("allowed", actor="U_ACME", customer="acme", request="r-0000000t01", ticket="SUP-77")
    log.record("job_step_done", actor="worker", customer="acme", request="r-0000000t01", step=1)
    log.record("allowed", actor="U_ADMIN", customer="globex", request="r-0000000g01")
    log.record("break_glass", actor="U_ADMIN", request="r-0000000b01", customer="globex",
               command="reset-password globex jdoe", reason="CEO locked out", ticket="SUP-78")
    log.record("break_glass_reviewed", actor="U_ADMIN2", request="r-0000000b01")
    query = AuditQuery(deps, Groups())
    by_ticket = cells(query.messages(ShowAudit(ticket="SUP-77"), "U_ADMIN", "C_SUPPORT"))
    assert by_ticket.count("r-0000000t01") == 2 and "globex" not in by_ticket
    scoped = cells(query.messages(ShowAudit(since=3600), "U_ACME", "C_SUPPORT"))
    assert "r-0000000t01" in scoped and "globex" not in scoped
    glass = cells(query.messages(ShowAudit(break_glass=True), "U_ADMIN", "C_SUPPORT"))
    assert "CEO locked out" in glass and "acknowledged by <@U_ADMIN2>" in glass
    assert "r-0000000b01" not in cells(query.messages(ShowAudit(break_glass=True), "U_ACME",
                                                      "C_SUPPORT"))


def test_audit_shows_a_refused_command_as_typed_without_a_ping(deps):
    """A refusal's reason quotes what was typed as it is, the text is kept as Slack sent it
    (escaped), a refused ticket as typed: the table shows all three as typed, once escaped."""
    deps.audit.record("refused", actor="U_NORA", customer="acme", request="r-0000000p01",
                      text="remove-user acme jdoe ticket=&lt;!channel&gt; R&amp;D",
                      reason="`<!channel> R&D` is not a ticket id", ticket="<!channel> R&D")
    text = cells(AuditQuery(deps, Groups()).messages(ShowAudit(since=3600), "U_ADMIN", "C_SUPPORT"))
    assert "<!channel>" not in text, text
    assert "&lt;!channel&gt; R&amp;D" in text and "&amp;amp;" not in text and "&amp;lt;" not in text


def test_the_break_glass_table_shows_a_typed_reason_without_a_ping(deps):
    """Its `by` and `review` cells mention people on purpose; the reason, command and ticket
    are what someone typed (kept decoded), so they are escaped, once."""
    deps.audit.record("break_glass", actor="U_ADMIN", request="r-0000000b02", customer="globex",
                      command="reset-password globex jdoe", reason="<!channel> R&D locked out",
                      ticket="<https://evil.example|SUP-1>")
    deps.audit.record("break_glass_reviewed", actor="U_ADMIN2", request="r-0000000b02")
    glass = cells(AuditQuery(deps, Groups()).messages(ShowAudit(break_glass=True), "U_ADMIN",
                                                      "C_SUPPORT"))
    assert "<!channel>" not in glass and "<https://evil.example" not in glass, glass
    assert "&lt;!channel&gt; R&amp;D locked out" in glass and "&amp;amp;" not in glass
    assert "<@U_ADMIN>" in glass and "acknowledged by <@U_ADMIN2>" in glass
