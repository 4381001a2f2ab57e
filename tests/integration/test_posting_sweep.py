"""Requests a dead bot left posting, against real Redis and the Slack emulator: the notifier's
sweep ends them as not posted (never run) and tells the requester once, and a bot whose post
outlasted the sweep does not run the request after all."""

from __future__ import annotations

import pytest
import redis
from rq import Queue
from slack_sdk import WebClient

from bot import notifier as notifier_module
from bot.deps import BotDeps
from bot.dispatch import NOT_POSTED, POSTING, Dispatcher
from bot.notifier import Notifier
from bot.request_store import RequestRecord, new_request_id
from tests.fixtures.slack import C_SUPPORT, PEOPLE

OPERATOR = PEOPLE.operator
COMMAND = 'add-user acme "Jan Doe"'


class BotDied(BaseException):
    """The process ends inside the Web API call (kill -9 at that moment, as far as Redis sees)."""


@pytest.fixture
def setup(redis_url, slack_emulator, monkeypatch):
    client = redis.Redis.from_url(redis_url)
    deps = BotDeps(redis=client, reader=None, policy=lambda: None,
                   queue=Queue("sweep-test", connection=client), secrets=None)
    web = WebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url)
    monkeypatch.setattr(notifier_module, "POSTING_SWEEP_S", 0)   # what is posting now counts as left
    yield deps, Dispatcher(deps), Notifier(deps, web), web
    client.close()


def _record() -> RequestRecord:
    return RequestRecord(new_request_id(), OPERATOR, C_SUPPORT, COMMAND, "acme", {"steps": []})


def _told(slack_emulator) -> list[str]:
    return [e.text for e in slack_emulator.ephemerals(user=OPERATOR, channel=C_SUPPORT)
            if "stopped while it was posting" in e.text]


def _actions(deps, request_id) -> list[str]:
    return [e["action"] for _, e, _, _ in deps.audit.entries() if e.get("request") == request_id]


def test_a_request_left_posting_by_a_dead_bot_is_ended_and_its_requester_told_once(setup, slack_emulator,
                                                                                   monkeypatch):
    deps, dispatcher, notifier, web = setup
    record = _record()
    dying = WebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url)

    def dies(**args):
        raise BotDied()

    monkeypatch.setattr(dying, "chat_postMessage", dies)
    with pytest.raises(BotDied):
        dispatcher.show(record, COMMAND, [], dying, None)
    assert deps.requests.get(record.request_id).state == POSTING

    assert notifier.sweep_posting() == 1
    assert notifier.sweep_posting() == 0

    assert deps.requests.get(record.request_id).state == NOT_POSTED
    told = _told(slack_emulator)
    assert len(told) == 1 and record.request_id in told[0]
    assert _actions(deps, record.request_id) == ["request_not_posted"]


def test_a_post_that_outlasted_the_sweep_is_not_run(setup, slack_emulator, monkeypatch):
    deps, dispatcher, notifier, web = setup
    record = _record()
    post = web.chat_postMessage

    def answered_after_the_sweep(**args):
        assert notifier.sweep_posting() == 1
        return post(**args)

    monkeypatch.setattr(web, "chat_postMessage", answered_after_the_sweep)

    assert dispatcher.show(record, COMMAND, [], web, None) is False

    assert deps.requests.get(record.request_id).state == NOT_POSTED
    assert len(_told(slack_emulator)) == 1
    assert _actions(deps, record.request_id) == ["request_not_posted"]
