"""The outbox's races against real Redis and the Slack emulator: a status line never goes back
to an older text, a 429 is not slept out inside a try (which could outlive the try's lease and
let another process post the same call), and a try that outlived its lease changes nothing."""

from __future__ import annotations

import threading
import time

import pytest
import redis
from rq import Queue
from slack_sdk import WebClient

from bot import slack_outbox
from bot.app import slack_client
from bot.deps import BotDeps
from bot.notifier import Notifier
from bot.request_store import RequestRecord, new_request_id
from bot.slack_outbox import Outbox, SlackCall, about
from tests.fixtures.slack import C_SUPPORT, PEOPLE


@pytest.fixture
def setup(redis_url, slack_emulator, monkeypatch):
    client = redis.Redis.from_url(redis_url)
    deps = BotDeps(redis=client, reader=None, policy=lambda: None, queue=Queue(connection=client),
                   secrets=None)
    monkeypatch.setattr(slack_outbox, "MAX_DELAY_S", 0)    # a passing failure is due again at once
    web = WebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url)
    yield deps, Outbox(deps), web
    slack_emulator.end_outage()
    client.close()


def _record(deps, web) -> RequestRecord:
    ts = web.chat_postMessage(channel=C_SUPPORT, text="add-user acme \"Jan Doe\"")["ts"]
    record = RequestRecord(new_request_id(), PEOPLE.operator, C_SUPPORT, "add-user acme \"Jan Doe\"",
                           "acme", {"steps": []}, message_ts=ts)
    deps.requests.save(record)
    return record


def _post(record, text: str) -> SlackCall:
    return SlackCall("chat_postMessage", {"channel": C_SUPPORT, "thread_ts": record.message_ts, "text": text},
                     "status", about(record), ts_field="status_ts")


def _posts(slack_emulator) -> list:
    return [c for c in slack_emulator.calls("chat.postMessage") if c.params.get("text") == "Hello"]


def test_a_revision_of_the_status_post_never_follows_a_newer_update_of_the_line(setup, slack_emulator,
                                                                                monkeypatch):
    deps, outbox, web = setup
    record = _record(deps, web)
    key = "status:" + record.request_id
    notifier = Notifier(deps, web)
    post, update = web.chat_postMessage, deps.requests.update

    def step_1_while_posted(**args):   # event 1 revises the kept post while Slack posts it
        answer = post(**args)
        assert outbox.revise(key, text="step 1")
        return answer

    def step_2_once_the_ts_is_saved(request_id, **changes):   # event 2 reads the saved ts
        saved = update(request_id, **changes)
        if changes.get("status_ts"):
            monkeypatch.setattr(deps.requests, "update", update)
            notifier.update_status(deps.requests.get(request_id), "step 2")
        return saved

    monkeypatch.setattr(web, "chat_postMessage", step_1_while_posted)
    monkeypatch.setattr(deps.requests, "update", step_2_once_the_ts_is_saved)
    outbox.send(web, _post(record, "Queued"), key=key)
    outbox.deliver_due(web)

    line = slack_emulator.thread(C_SUPPORT, record.message_ts)[1]
    assert line.text == "step 2"
    assert [c.params["text"] for c in slack_emulator.calls("chat.update") if c.ok] == ["step 2"]


def test_a_429_is_not_slept_out_in_the_try_but_scheduled_after_retry_after(setup, slack_emulator):
    deps, outbox, _ = setup
    retrying = slack_client(slack_emulator.bot_token, slack_emulator.api_url)   # as the app's handlers
    record = _record(deps, WebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url))
    slack_emulator.outage(429, retry_after=5)
    before = time.time()

    assert outbox.send(retrying, _post(record, "Hello"), key="hello") is None

    assert len(_posts(slack_emulator)) == 1                          # one try, no SDK retries
    assert deps.redis.zscore(slack_outbox.DUE_KEY, "hello") >= before + 5
    assert outbox.is_kept("hello")


def test_the_backlog_stops_at_the_first_rate_limit(setup, slack_emulator):
    deps, outbox, web = setup
    record = _record(deps, web)
    for n in range(3):
        outbox.keep(f"hello:{n}", _post(record, "Hello"))
    slack_emulator.outage(429, retry_after=1)

    assert outbox.deliver_due(web) == 0

    assert len(_posts(slack_emulator)) == 1
    assert all(outbox.is_kept(f"hello:{n}") for n in range(3))


def test_a_try_that_outlived_its_lease_leaves_the_call_to_the_try_holding_it_now(setup, slack_emulator,
                                                                                monkeypatch):
    deps, first, web = setup
    second, third = Outbox(deps), Outbox(deps)
    record = _record(deps, web)
    first.keep("hello", _post(record, "Hello"))
    post = web.chat_postMessage
    second_sending, second_may_end = threading.Event(), threading.Event()

    def second_try(**args):
        second_sending.set()
        assert second_may_end.wait(30)
        return post(**args)

    second_web = WebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url)
    monkeypatch.setattr(second_web, "chat_postMessage", second_try)
    behind = threading.Thread(target=second.deliver, args=(second_web, "hello"))

    def first_try_times_out(**args):   # the first try hangs past its lease; a second one claims
        deps.redis.zadd(slack_outbox.DUE_KEY, {"hello": 0})
        behind.start()
        assert second_sending.wait(30)
        raise TimeoutError("the first try timed out")

    monkeypatch.setattr(web, "chat_postMessage", first_try_times_out)
    assert first.deliver(web, "hello") is None
    monkeypatch.setattr(web, "chat_postMessage", post)

    assert third.deliver(web, "hello") is None      # the second try still holds it
    second_may_end.set()
    behind.join()
    assert len(_posts(slack_emulator)) == 1 and not first.is_kept("hello")
