"""Approved or retried requests that were never queued, against real Redis and the Slack
emulator: a failure right after the approval closed, or a Retry that fails before queueing, marks
the request not run with a Retry button; a bot that died there leaves it to the notifier's sweep,
which ends it so once. Nothing is left pending_approval or retrying for good."""

from __future__ import annotations

import time

import pytest
import redis
from rq import Queue
from rq.job import Job
from slack_sdk import WebClient

from bot import messages
from bot import notifier as notifier_module
from bot.approvals import Approvals
from bot.deps import BotDeps
from bot.dispatch import Dispatcher
from bot.job_actions import JobActions
from bot.notifier import Notifier
from bot.request_store import NOT_RUN, RETRYING, RequestRecord, new_request_id
from commands.approval import ApprovalState
from commands.plan import Plan, Step
from commands.roles import Role
from tests.fixtures.slack import C_SUPPORT, PEOPLE

OPERATOR, APPROVER = PEOPLE.operator, PEOPLE.approver
COMMAND = "reset-password acme jdoe"
PLAN = Plan(COMMAND, "acme", (Step("ad", "set_password", {"customer": "acme", "user": "jdoe",
                                                          "must_change": True}, "set password"),)).to_json()


class BotDied(BaseException):
    """The process ends at this point (kill -9, as far as Redis and Slack see)."""


class Everyone:
    """Groups and a policy that let anyone approve and retry: the paths under test come after."""

    def identity(self, user):
        return user

    def policy(self):
        return self

    def can_approve(self, who, command, customer, requester):
        return True

    def role_for(self, who, customer):
        return Role.APPROVER

    def decide(self, who, command, customer, channel):
        from types import SimpleNamespace
        return SimpleNamespace(allowed=True, risky=False)


class DyingReader:
    def customer(self, name):
        raise BotDied()


@pytest.fixture
def setup(redis_url, slack_emulator, monkeypatch):
    client = redis.Redis.from_url(redis_url)
    deps = BotDeps(redis=client, reader=DyingReader(), policy=Everyone().policy,
                   queue=Queue("stuck-test", connection=client), secrets=None)
    web = WebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url)
    monkeypatch.setattr(notifier_module, "POSTING_SWEEP_S", 0)   # what is waiting now counts as left
    dispatcher = Dispatcher(deps)
    yield deps, dispatcher, Notifier(deps, web), web
    client.close()


def _awaiting_approval(deps, dispatcher, web) -> RequestRecord:
    ts = web.chat_postMessage(channel=C_SUPPORT, text=COMMAND)["ts"]
    record = RequestRecord(new_request_id(), OPERATOR, C_SUPPORT, COMMAND, "acme",
                           PLAN, message_ts=ts, state="pending_approval")
    deps.requests.save(record)
    dispatcher.approvals.create(ApprovalState(record.request_id, OPERATOR, COMMAND, "reset-password", "acme",
                                              "fp", expires_at=time.time() + 600))
    dispatcher.approvals.link_message(record.request_id, C_SUPPORT, ts)
    return record


def _not_run_notices(slack_emulator, record) -> list:
    return [m for m in slack_emulator.thread(C_SUPPORT, record.message_ts)[1:]
            if "was not run" in m.text and messages.RETRY_ACTION in str(m.blocks)]


def _approve(deps, dispatcher, record, web) -> None:
    Approvals(deps, Everyone(), dispatcher).vote(record.request_id, "approve", APPROVER, web)


def test_an_approval_whose_audit_fails_as_it_closes_is_not_run_with_a_retry(setup, slack_emulator,
                                                                             monkeypatch):
    deps, dispatcher, notifier, web = setup
    record = _awaiting_approval(deps, dispatcher, web)
    record_audit = deps.audit.record

    def fails_for_the_vote(action, **fields):
        if action == "vote_approve":
            raise redis.ConnectionError("Connection reset by peer")
        return record_audit(action, **fields)

    monkeypatch.setattr(deps.audit, "record", fails_for_the_vote)

    _approve(deps, dispatcher, record, web)

    assert dispatcher.approvals.get(record.request_id).status == "approved"
    assert deps.requests.get(record.request_id).state == NOT_RUN
    assert len(_not_run_notices(slack_emulator, record)) == 1
    assert notifier.sweep_not_queued() == 0   # ended already: not told twice


def test_an_approval_whose_bot_died_before_queueing_is_swept_into_not_run_once(setup, slack_emulator):
    deps, dispatcher, notifier, web = setup
    record = _awaiting_approval(deps, dispatcher, web)

    with pytest.raises(BotDied):   # in run_approved's AD read
        _approve(deps, dispatcher, record, web)
    assert deps.requests.get(record.request_id).state == "pending_approval"

    assert notifier.sweep_not_queued() == 1
    assert notifier.sweep_not_queued() == 0

    assert deps.requests.get(record.request_id).state == NOT_RUN
    assert len(_not_run_notices(slack_emulator, record)) == 1


def _not_run(deps, web) -> RequestRecord:
    ts = web.chat_postMessage(channel=C_SUPPORT, text=COMMAND)["ts"]
    record = RequestRecord(new_request_id(), OPERATOR, C_SUPPORT, COMMAND, "acme",
                           PLAN, message_ts=ts, state=NOT_RUN)
    deps.requests.save(record)
    return record


def _retry(deps, dispatcher, record, web) -> None:
    JobActions(deps, Everyone(), dispatcher).on_action(
        lambda: None, {"user": {"id": OPERATOR}}, {"action_id": messages.RETRY_ACTION,
                                                   "value": record.request_id}, web)


def test_a_retry_that_fails_before_queueing_is_not_run_again_and_says_so(setup, slack_emulator, monkeypatch):
    deps, dispatcher, notifier, web = setup
    record = _not_run(deps, web)

    def fails(request_id):
        raise redis.TimeoutError("Timeout reading from socket")

    monkeypatch.setattr(dispatcher.approvals, "get", fails)

    _retry(deps, dispatcher, record, web)

    assert deps.requests.get(record.request_id).state == NOT_RUN
    assert len(_not_run_notices(slack_emulator, record)) == 1
    monkeypatch.undo()
    _retry(deps, dispatcher, record, web)   # and Retry takes it again
    assert Job.exists(record.request_id, connection=deps.redis)


def test_a_retry_whose_bot_died_is_swept_into_not_run_once(setup, slack_emulator, monkeypatch):
    deps, dispatcher, notifier, web = setup
    record = _not_run(deps, web)

    def dies(request_id):
        raise BotDied()

    monkeypatch.setattr(dispatcher.approvals, "get", dies)
    with pytest.raises(BotDied):
        _retry(deps, dispatcher, record, web)
    assert deps.requests.get(record.request_id).state == RETRYING

    assert notifier.sweep_not_queued() == 1
    assert notifier.sweep_not_queued() == 0

    assert deps.requests.get(record.request_id).state == NOT_RUN
    assert len(_not_run_notices(slack_emulator, record)) == 1
