"""The notifier against real Redis and the Slack emulator: a one-time password survives an
ephemeral that Slack refuses, and an event that cannot be posted is audited once and
acknowledged instead of blocking the events behind it."""

from __future__ import annotations

import pytest
import redis
from cryptography.fernet import Fernet
from rq import Queue
from slack_sdk import WebClient

from bot.deps import BotDeps
from bot.notifier import GROUP, Notifier, ensure_group
from bot.request_store import RequestRecord, new_request_id
from bot.secret_inbox import SecretInbox
from commands import events
from commands.events import OUTCOMES_STREAM, SECRET_KEY, JobEvent
from tests.fixtures.slack import C_SUPPORT, PEOPLE

OPERATOR = PEOPLE.operator
PASSWORD = "Xq7!one-time-Secret"


@pytest.fixture
def setup(redis_url, slack_emulator):
    client = redis.Redis.from_url(redis_url)
    key = Fernet.generate_key().decode()
    deps = BotDeps(redis=client, reader=None, policy=lambda: None, queue=Queue(connection=client),
                   secrets=SecretInbox(client, key))
    ensure_group(client)
    web = WebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url)
    yield deps, Notifier(deps, web), Fernet(key.encode()), web
    client.close()


def _request(deps, web, text="add-user acme \"Jan Doe\"") -> RequestRecord:
    ts = web.chat_postMessage(channel=C_SUPPORT, text=text)["ts"]
    record = RequestRecord(new_request_id(), OPERATOR, C_SUPPORT, text, "acme", {"steps": []},
                           message_ts=ts)
    deps.requests.save(record)
    return record


def _publish(deps, event: JobEvent) -> None:
    deps.redis.xadd(OUTCOMES_STREAM, {"event": event.to_json()})


def _password_ready(deps, fernet, record) -> JobEvent:
    deps.redis.set(SECRET_KEY.format(request_id=record.request_id, name="password"),
                   fernet.encrypt(PASSWORD.encode()))
    return JobEvent(record.request_id, events.SECRET_READY, secret="password", extra={"user": "jdoe"})


def _actions(deps, request_id) -> list[str]:
    return [e["action"] for _, e, _, _ in deps.audit.entries() if e.get("request") == request_id]


def _pending(deps) -> int:
    return deps.redis.xpending(OUTCOMES_STREAM, GROUP)["pending"]


def _is_ephemeral_to(user):
    return lambda params: params.get("user") == user


def test_a_refused_ephemeral_sends_the_password_as_a_direct_message(setup, slack_emulator):
    deps, notifier, fernet, web = setup
    record = _request(deps, web)
    _publish(deps, _password_ready(deps, fernet, record))
    slack_emulator.fail("chat.postEphemeral", "user_not_in_channel", match=_is_ephemeral_to(OPERATOR))

    assert notifier.poll(block_ms=100) == 1

    dm = slack_emulator.messages(slack_emulator.direct_channel(OPERATOR))
    assert len(dm) == 1 and PASSWORD in dm[0].text and "`jdoe`" in dm[0].text
    assert f"<#{C_SUPPORT}>" in dm[0].text
    public = [m.text for m in slack_emulator.messages(C_SUPPORT, include_thread_replies=True)]
    assert all(PASSWORD not in text and "could not be delivered" not in text for text in public)
    assert _pending(deps) == 0
    assert "notify_failed" not in _actions(deps, record.request_id)


def test_when_the_direct_message_fails_too_the_thread_says_to_reset_the_password(setup, slack_emulator):
    deps, notifier, fernet, web = setup
    record = _request(deps, web)
    _publish(deps, _password_ready(deps, fernet, record))
    slack_emulator.fail("chat.postEphemeral", "user_not_in_channel", match=_is_ephemeral_to(OPERATOR))
    slack_emulator.fail("conversations.open", "cannot_dm_bot")

    notifier.poll(block_ms=100)

    replies = slack_emulator.thread(C_SUPPORT, record.message_ts)[1:]
    assert len(replies) == 1
    assert "could not be delivered" in replies[0].text and f"<@{OPERATOR}>" in replies[0].text
    assert "`reset-password acme jdoe`" in replies[0].text and PASSWORD not in replies[0].text
    # and the audit says that the requester was told (the notice is kept until Slack takes it)
    assert _actions(deps, record.request_id) == ["job_secret_ready", "secret_undelivered",
                                                 "secret_undelivered_told"]
    assert _pending(deps) == 0


def test_an_event_that_cannot_be_posted_is_audited_once_and_the_next_one_still_posted(setup,
                                                                                      slack_emulator):
    deps, notifier, _, web = setup
    broken, fine = _request(deps, web, "reset-password acme one"), _request(deps, web, "reset-password acme two")
    done = dict(kind=events.SUCCEEDED, total=1, summary="Password reset", done=("Reset the password",))
    _publish(deps, JobEvent(broken.request_id, **done))
    _publish(deps, JobEvent(fine.request_id, **done))
    slack_emulator.fail("chat.postMessage", "is_archived",
                        match=lambda params: params.get("thread_ts") == broken.message_ts)

    assert notifier.poll(block_ms=100) == 2

    assert len(slack_emulator.thread(C_SUPPORT, fine.message_ts)) == 2      # the outcome arrived
    assert len(slack_emulator.thread(C_SUPPORT, broken.message_ts)) == 1
    assert _pending(deps) == 0          # acknowledged: no other bot process claims it again
    assert _actions(deps, broken.request_id) == ["job_succeeded", "notify_failed"]
    failed = next(e for _, e, _, _ in deps.audit.entries() if e["action"] == "notify_failed")
    assert (failed["event"], failed["error"]) == (events.SUCCEEDED, "is_archived")
    assert notifier.poll(block_ms=100) == 0
    assert _actions(deps, broken.request_id) == ["job_succeeded", "notify_failed"]


def test_an_outcome_slack_could_not_take_now_keeps_its_state_and_is_posted_later(setup, slack_emulator,
                                                                               monkeypatch):
    deps, notifier, _, web = setup
    record = _request(deps, web, "reset-password acme three")
    record.state = "running"
    deps.requests.save(record)
    _publish(deps, JobEvent(record.request_id, events.FAILED, step=1, total=1, summary="Reset",
                            error="AD refused", pending=("Reset the password",)))
    slack_emulator.fail("chat.postMessage", "ratelimited",
                        match=lambda params: params.get("thread_ts") == record.message_ts)

    notifier.poll(block_ms=100)

    # the request knows its outcome at once (Retry takes a failed one), the reply waits
    assert deps.requests.get(record.request_id).state == events.FAILED
    assert len(slack_emulator.thread(C_SUPPORT, record.message_ts)) == 1
    assert _pending(deps) == 1 and "notify_failed" not in _actions(deps, record.request_id)

    monkeypatch.setattr("bot.notifier.CLAIM_IDLE_MS", 0)    # a minute later, claimed again
    assert notifier.poll(block_ms=100) == 1
    replies = slack_emulator.thread(C_SUPPORT, record.message_ts)[1:]
    assert len(replies) == 1 and replies[0].text.startswith(":x: Failed at step 1 of 1")
    assert _pending(deps) == 0
    assert _actions(deps, record.request_id) == ["job_failed"]      # audited once, not per try


def test_a_password_whose_ephemeral_hits_a_network_error_goes_by_direct_message(setup, slack_emulator,
                                                                               monkeypatch):
    import urllib.error

    deps, notifier, fernet, web = setup
    record = _request(deps, web)
    _publish(deps, _password_ready(deps, fernet, record))

    def down(**_):
        raise urllib.error.URLError("connection reset")

    monkeypatch.setattr(notifier.client, "chat_postEphemeral", down)
    notifier.poll(block_ms=100)

    dm = slack_emulator.messages(slack_emulator.direct_channel(OPERATOR))
    assert len(dm) == 1 and PASSWORD in dm[0].text
    assert "stays in your Slack history" in dm[0].text and "Only you can see this" not in dm[0].text
    assert _pending(deps) == 0
