"""A slow or rate-limiting Slack never costs a command its answer, and nothing runs twice.

Slack waits three seconds for the bot's answer to a slash command. The bot's Web API calls
(3 s each here, or sleeping out a 429's Retry-After) must not stand between a command and its
answer: every command of a burst is answered in time and runs once. And the same command typed
again while the first is still open is answered with the first request, not run again.
"""

from __future__ import annotations

import json
import re
import threading

import pytest
import redis

from tests.fixtures.slack import PEOPLE, finished_in, request_id_of, letters
from tobitbot.demo_customer import seed_customer

SUPPORT = "C_SUPPORT"
OPERATOR = PEOPLE.operator
BURST = 30



@pytest.fixture
def slow_slack(bot_stack):
    """Every chat.* call answered 3 s late, and the first three of them with 429 Retry-After 2:
    the SDK sleeps that out and tries again (three times), so no post is lost to it."""
    slack = bot_stack.slack
    slack.slow("chat.*", 3)
    slack.rate_limit("chat.*", times=3, retry_after=2)
    yield slack
    slack.slow("chat.*", 0)
    slack.rate_limit("chat.*", times=0)


@pytest.fixture
def burst_customer(bot_stack, tobit_simulator):
    """A customer of its own with licences for the whole burst: the shared ones stay free."""
    from workers.tobit import TobitHttpClient

    slug = "burst" + letters()
    seed_customer(bot_stack.directory, TobitHttpClient(tobit_simulator.url_for(slug), tobit_simulator.token),
                  slug, display_name=slug.title() + " GmbH", tobit_url=tobit_simulator.url_for(slug),
                  domain=f"{slug}.example", licences=BURST + 5)
    return slug


def _enqueued(bot_stack, request_id: str) -> int:
    from bot.audit import AuditLog

    log = AuditLog(redis.Redis.from_url(bot_stack.env["TOBITBOT_REDIS_URL"]))
    return sum(1 for _, e, _, _ in log.entries() if e["action"] == "enqueued"
               and e.get("request") == request_id)


def _answer(result) -> str:
    """The text of the bot's own answer (the ack): JSON, or plain text, as Slack reads it."""
    if (result.header("Content-Type") or "").startswith("application/json"):
        return json.loads(result.body).get("text", "")
    return result.body


def _requests_for(slack, name: str) -> list:
    return [m for m in slack.messages(SUPPORT) if name in m.text]


def test_a_burst_of_commands_with_slack_slow_and_rate_limiting_is_answered_in_time_and_runs_once(
        bot_stack, slow_slack, burst_customer):
    slack, tag = slow_slack, letters()
    names = [f"Berta Burst{tag}{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(BURST)]
    results: dict[str, object] = {}

    def send(name: str) -> None:
        results[name] = slack.slash_command(OPERATOR, SUPPORT, text=f'add-user {burst_customer} "{name}"')

    senders = [threading.Thread(target=send, args=(name,)) for name in names]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    slack.slow("chat.*", 0)   # the answers are in; now let the backlog drain

    # every command answered by the bot itself (not Slack's 404 "didn't respond" or a timeout)
    assert {name: (r.status, r.error) for name, r in results.items()} == \
        {name: (200, None) for name in names}
    assert not [e for e in slack.ephemerals(user=OPERATOR) if "failed with the error" in e.text
                and tag in e.text]

    requests = {name: slack.wait_for(lambda name=name: _requests_for(slack, name) or None, timeout=120)
                for name in names}
    for name in names:
        slack.wait_for(lambda name=name: finished_in(slack, SUPPORT, requests[name][0]), timeout=300)
    assert {name: len(_requests_for(slack, name)) for name in names} == {name: 1 for name in names}
    assert {name: _enqueued(bot_stack, request_id_of(requests[name][0])) for name in names} == \
        {name: 1 for name in names}
    accounts = [u.display_name for u in bot_stack.directory.customer(burst_customer).users]
    assert sorted(accounts) == sorted(names)   # one account per person, none twice


def test_the_same_command_again_while_the_first_is_open_is_answered_with_the_first(
        bot_stack, slow_slack, burst_customer):
    slack, name = slow_slack, f"Wanda Wieder{letters()}"
    first = slack.slash_command(OPERATOR, SUPPORT, text=f'add-user {burst_customer} "{name}"')
    # typed again, spaced differently: the same command
    again = slack.slash_command(OPERATOR, SUPPORT, text=f'add-user   {burst_customer}  "{name}" ')
    slack.slow("chat.*", 0)
    assert first.status == 200 and again.status == 200

    answer = _answer(again)
    assert "ago" in answer and "Nothing new was started" in answer
    earlier = re.search(r"`(r-[0-9a-f]+)`", answer).group(1)

    request = slack.wait_for(lambda: _requests_for(slack, name) or None, timeout=60)[0]
    assert request_id_of(request) == earlier
    slack.wait_for(lambda: finished_in(slack, SUPPORT, request), timeout=120)
    assert len(_requests_for(slack, name)) == 1 and _enqueued(bot_stack, earlier) == 1
    accounts = [u for u in bot_stack.directory.customer(burst_customer).users if u.display_name == name]
    assert len(accounts) == 1
