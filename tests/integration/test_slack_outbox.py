"""The outbox against real Redis and the Slack emulator: a call Slack cannot take now is kept and
delivered once it answers, a newer call under the same key replaces the older one, one refused
for good is audited and dropped, and a notice for one person falls back to a direct message."""

from __future__ import annotations

import pytest
import redis
from rq import Queue
from slack_sdk import WebClient

from bot import slack_outbox
from bot.deps import BotDeps
from bot.request_store import RequestRecord, new_request_id
from bot.secret_inbox import SecretInbox
from bot.slack_outbox import TELL, Outbox, SlackCall, about
from tests.fixtures.slack import C_SUPPORT, PEOPLE

OPERATOR = PEOPLE.operator


@pytest.fixture
def setup(redis_url, slack_emulator, monkeypatch):
    from cryptography.fernet import Fernet

    client = redis.Redis.from_url(redis_url)
    deps = BotDeps(redis=client, reader=None, policy=lambda: None, queue=Queue(connection=client),
                   secrets=SecretInbox(client, Fernet.generate_key().decode()))
    monkeypatch.setattr(slack_outbox, "MAX_DELAY_S", 0)    # the next try is due at once
    web = WebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url)   # no 429 retries
    yield deps, Outbox(deps), web
    slack_emulator.end_outage()
    client.close()


def _record(deps, web) -> RequestRecord:
    ts = web.chat_postMessage(channel=C_SUPPORT, text="add-user acme \"Jan Doe\"")["ts"]
    record = RequestRecord(new_request_id(), OPERATOR, C_SUPPORT, "add-user acme \"Jan Doe\"", "acme",
                           {"steps": []}, message_ts=ts)
    deps.requests.save(record)
    return record


def _actions(deps, request_id) -> list[str]:
    return [e["action"] for _, e, _, _ in deps.audit.entries() if e.get("request") == request_id]


def _status_post(record, text: str) -> SlackCall:
    return SlackCall("chat_postMessage", {"channel": C_SUPPORT, "thread_ts": record.message_ts, "text": text},
                     "status", about(record), ts_field="status_ts", delivered_action="status_posted")


def test_a_call_slack_cannot_take_now_is_kept_and_delivered_once_it_answers(setup, slack_emulator):
    deps, outbox, web = setup
    record = _record(deps, web)
    slack_emulator.outage(429, retry_after=0)   # Retry-After is waited out: none, so due at once

    assert outbox.send(web, _status_post(record, "Queued"), key="status:" + record.request_id) is None
    assert outbox.deliver_due(web) == 0               # still refused: kept, not dropped
    assert outbox.is_kept("status:" + record.request_id)
    slack_emulator.end_outage()
    assert outbox.deliver_due(web) == 1

    line = slack_emulator.thread(C_SUPPORT, record.message_ts)[1]
    assert line.text == "Queued" and deps.requests.get(record.request_id).status_ts == line.ts
    assert not outbox.is_kept("status:" + record.request_id)
    assert _actions(deps, record.request_id) == ["status_posted"]     # once, not per try
    assert outbox.deliver_due(web) == 0


def test_a_newer_update_of_a_message_replaces_the_one_slack_has_not_taken(setup, slack_emulator):
    deps, outbox, web = setup
    record = _record(deps, web)
    slack_emulator.outage(500, methods={"chat.update"})
    for text in ("1 of 2 approvals", "Approved"):
        update = SlackCall("chat_update", {"channel": C_SUPPORT, "ts": record.message_ts, "text": text},
                           "approval", about(record))
        outbox.send(web, update, key=f"update:{C_SUPPORT}:{record.message_ts}")
    slack_emulator.end_outage()
    outbox.deliver_due(web)

    assert slack_emulator.message(C_SUPPORT, record.message_ts).text == "Approved"
    assert [c.params["text"] for c in slack_emulator.calls("chat.update") if c.ok] == ["Approved"]


def test_a_call_refused_for_good_is_audited_and_dropped(setup, slack_emulator):
    deps, outbox, web = setup
    record = _record(deps, web)
    slack_emulator.fail("chat.postMessage", "is_archived")

    assert outbox.send(web, _status_post(record, "Queued")) is None

    assert outbox.deliver_due(web) == 0 and not deps.redis.hlen(slack_outbox.CALLS_KEY)
    assert _actions(deps, record.request_id) == ["notify_failed"]


def test_a_notice_for_one_person_goes_by_direct_message_where_the_ephemeral_is_refused(setup,
                                                                                      slack_emulator):
    deps, outbox, web = setup
    record = _record(deps, web)
    slack_emulator.fail("chat.postEphemeral", "user_not_in_channel")

    outbox.send(web, SlackCall(TELL, {"channel": C_SUPPORT, "user": OPERATOR, "text": "Nothing was done"},
                               "request_not_posted", about(record)))

    dm = slack_emulator.messages(slack_emulator.direct_channel(OPERATOR))
    assert len(dm) == 1 and "Nothing was done" in dm[0].text and f"<#{C_SUPPORT}>" in dm[0].text


def test_a_post_revised_while_slack_takes_it_is_posted_once_and_then_shows_the_newer_text(setup,
                                                                                          slack_emulator,
                                                                                          monkeypatch):
    deps, outbox, web = setup
    record = _record(deps, web)
    key = "status:" + record.request_id
    post = web.chat_postMessage

    def revised_meanwhile(**args):   # the notifier revises the line while Slack is posting it
        answer = post(**args)
        assert outbox.revise(key, text="Done")
        return answer

    monkeypatch.setattr(web, "chat_postMessage", revised_meanwhile)
    outbox.send(web, _status_post(record, "Queued"), key=key)
    outbox.deliver_due(web)

    replies = slack_emulator.thread(C_SUPPORT, record.message_ts)[1:]
    assert [m.text for m in replies] == ["Done"]                      # one line, updated
    assert deps.requests.get(record.request_id).status_ts == replies[0].ts
    assert not outbox.is_kept(key)
