"""Queueing a request against real Redis, RQ and the Slack emulator: the job, its record and its
status line are written together or not at all, so a Redis that fails as the job is queued
leaves no "Queued" line for a job that does not exist, and the thread says that nothing runs."""

from __future__ import annotations

import pytest
import redis
from rq import Queue
from rq.job import Job
from slack_sdk import WebClient

from bot.deps import BotDeps
from bot.dispatch import RUNS_KEY, Dispatcher
from bot.request_store import NOT_RUN, REQUEST_TTL, RequestRecord, new_request_id
from bot.slack_outbox import Outbox
from tests.fixtures.slack import C_SUPPORT, PEOPLE

NO_PUSH = "tobitbot-test-no-push"   # a Redis user that may do anything but push onto a list


@pytest.fixture
def web(slack_emulator):
    return WebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url)


def _deps(client) -> BotDeps:
    return BotDeps(redis=client, reader=None, policy=lambda: None,
                   queue=Queue("enqueue-test", connection=client), secrets=None)


@pytest.fixture
def admin(redis_url):
    client = redis.Redis.from_url(redis_url)
    yield client
    client.acl_deluser(NO_PUSH)
    client.close()


def _posted(deps, web) -> RequestRecord:
    command = 'add-user acme "Jan Doe"'
    ts = web.chat_postMessage(channel=C_SUPPORT, text=command)["ts"]
    record = RequestRecord(new_request_id(), PEOPLE.operator, C_SUPPORT, command, "acme",
                           {"steps": [{"name": "create_account"}]}, message_ts=ts, state="posted")
    deps.requests.save(record)
    return record


def test_a_redis_that_fails_as_the_job_is_queued_leaves_no_queued_line_and_says_nothing_runs(
        redis_url, admin, web, slack_emulator):
    admin.acl_setuser(NO_PUSH, enabled=True, nopass=True, keys=["~*"], channels=["&*"],
                      commands=["+@all", "-rpush", "-lpush"])
    failing = redis.Redis.from_url(redis_url, username=NO_PUSH, password="any")
    deps = _deps(failing)
    record = _posted(deps, web)

    assert Dispatcher(deps).enqueue(record, web) is False

    Outbox(_deps(admin)).deliver_due(web)
    thread = [m.text for m in slack_emulator.thread(C_SUPPORT, record.message_ts)[1:]]
    assert not any("Queued" in text for text in thread)
    assert len(thread) == 1 and "was not run" in thread[0] and f"<@{PEOPLE.operator}>" in thread[0]
    assert "Redis" in thread[0]
    assert not Job.exists(record.request_id, connection=admin)
    assert _deps(admin).requests.get(record.request_id).state == NOT_RUN
    failing.close()


def test_the_count_of_runs_is_kept_as_long_as_the_request(redis_url, admin, web):
    deps = _deps(admin)
    record = _posted(deps, web)

    assert Dispatcher(deps).enqueue(record, web) is not False

    assert 0 < admin.ttl(RUNS_KEY.format(request_id=record.request_id)) <= REQUEST_TTL
    assert Job.exists(record.request_id, connection=admin)


class _ReplyLost(redis.client.Pipeline):
    """A transaction Redis applies, whose reply the socket then loses (a timeout, a reset)."""

    owner: "_LosesExecReply"

    def execute(self, raise_on_error=True):
        lose = self.owner.lose_next and self.explicit_transaction
        result = super().execute(raise_on_error)
        if lose:
            self.owner.lose_next = False
            raise redis.TimeoutError("Timeout reading from socket")
        return result


class _LosesExecReply(redis.Redis):
    """Loses the reply to its first MULTI/EXEC (the job's), then answers as usual."""

    lose_next = True

    def pipeline(self, transaction=True, shard_hint=None):
        pipe = _ReplyLost(self.connection_pool, self.response_callbacks, transaction, shard_hint)
        pipe.owner = self
        return pipe


class _Anyone:
    """Groups and a policy that let anyone retry: the check under test is the live run's."""

    def identity(self, user):
        return user

    def policy(self):
        return self

    def decide(self, who, command, customer, channel):
        from types import SimpleNamespace
        return SimpleNamespace(allowed=True, risky=False)


def test_a_queued_job_whose_reply_was_lost_is_not_declared_not_run_and_retry_runs_no_second(
        redis_url, admin, web, slack_emulator):
    from bot import messages
    from bot.job_actions import JobActions

    losing = _LosesExecReply.from_url(redis_url)
    deps = _deps(losing)
    deps.policy = _Anyone().policy
    record = _posted(deps, web)
    dispatcher = Dispatcher(deps)

    assert dispatcher.enqueue(record, web) is True
    assert not losing.lose_next   # the reply to the job's transaction was lost indeed

    saved = _deps(admin).requests.get(record.request_id)
    assert saved.state == "queued" and record.state == "queued"
    assert Job.exists(record.request_id, connection=admin)
    Outbox(_deps(admin)).deliver_due(web)
    thread = [m.text for m in slack_emulator.thread(C_SUPPORT, record.message_ts)[1:]]
    assert not any("was not run" in text for text in thread)

    # a Retry clicked on a not-run notice while the first run is queued (the notice of a lost
    # reply that Redis could not settle, or one from before): no second job beside the first
    _deps(admin).requests.update(record.request_id, state=NOT_RUN)
    actions = JobActions(deps, _Anyone(), dispatcher)
    actions.on_action(lambda: None, {"user": {"id": PEOPLE.operator}},
                      {"action_id": messages.RETRY_ACTION, "value": record.request_id}, web)

    assert not Job.exists(f"{record.request_id}-2", connection=admin)
    assert _deps(admin).requests.get(record.request_id).state == NOT_RUN
    said = [e.text for e in slack_emulator.ephemerals(user=PEOPLE.operator, channel=C_SUPPORT)]
    assert any("Not retried" in text and record.request_id in text for text in said)
    losing.close()
