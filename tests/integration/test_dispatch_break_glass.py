"""Break-glass dispatch against real Redis, RQ and the Slack emulator: the run starts even when
Slack refuses the review message, and the review message is findable from the record before a
second admin can react to it."""

from __future__ import annotations

import pytest
import redis
from rq import Queue
from rq.job import Job
from slack_sdk import WebClient

from bot.deps import BotDeps
from bot.dispatch import Dispatcher
from bot.request_store import RequestRecord, new_request_id
from commands.parser import parse
from commands.planner import plan as make_plan
from tests.fixtures.slack import C_SUPPORT, PEOPLE
from tests.unit.builders import customer, user

REVIEW = "Break-glass review needed"


@pytest.fixture
def setup(redis_url, slack_emulator):
    client = redis.Redis.from_url(redis_url)
    deps = BotDeps(redis=client, reader=None, policy=lambda: None,
                   queue=Queue("break-glass-test", connection=client), secrets=None)
    web = WebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url)
    yield deps, Dispatcher(deps), web
    client.close()


def _break_glass_request():
    plan = make_plan(parse("reset-password acme jmueller"), customer(users=(user(),)), risky=True,
                     fax_server_uri="sip:fax@127.0.0.1:5080")
    record = RequestRecord(new_request_id(), PEOPLE.admin, C_SUPPORT, plan.command, "acme",
                           plan.to_json(), break_glass_reason="CEO locked out")
    return record, plan


def _actions(deps, request_id) -> list[str]:
    return [e["action"] for _, e, _, _ in deps.audit.entries() if e.get("request") == request_id]


def test_the_run_starts_though_slack_refuses_the_review_message(setup, slack_emulator):
    deps, dispatcher, web = setup
    record, plan = _break_glass_request()
    slack_emulator.fail("chat.postMessage", "msg_too_long",
                        match=lambda params: REVIEW in (params.get("text") or ""))

    dispatcher.break_glass(record, plan, web)

    job = Job.fetch(record.request_id, connection=deps.redis)
    assert job.get_status() == "queued" and job.id in deps.queue.job_ids
    saved = deps.requests.get(record.request_id)
    assert saved.state == "queued" and saved.review_ts == "" and saved.status_ts
    assert _actions(deps, record.request_id) == ["break_glass", "break_glass_review_failed", "enqueued"]
    failed = next(e for _, e, _, _ in deps.audit.entries() if e["action"] == "break_glass_review_failed")
    assert failed["error"] == "msg_too_long"


def test_the_record_knows_the_review_message_before_it_can_be_reacted_to(setup, slack_emulator):
    deps, dispatcher, web = setup
    record, plan = _break_glass_request()
    seen_at_link = []
    link = dispatcher.approvals.link_message

    def spy(request_id, channel, ts):
        seen_at_link.append((ts, deps.requests.get(request_id).review_ts))
        link(request_id, channel, ts)

    dispatcher.approvals.link_message = spy
    dispatcher.break_glass(record, plan, web)

    review = next(m for m in slack_emulator.messages(C_SUPPORT) if REVIEW in m.text)
    assert seen_at_link == [(review.ts, review.ts)]
    assert dispatcher.approvals.request_for_message(C_SUPPORT, review.ts) == record.request_id
    assert deps.requests.get(record.request_id).review_ts == review.ts
    assert Job.fetch(record.request_id, connection=deps.redis).id in deps.queue.job_ids
    assert _actions(deps, record.request_id) == ["break_glass", "enqueued"]
