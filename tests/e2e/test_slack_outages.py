"""Slack failing while the bot speaks never loses what was asked for: the state is saved and the
job enqueued first, and what Slack did not take reaches the person once it answers again."""

from __future__ import annotations


import pytest
import redis

from tests.fixtures.bot import reset_waiting_for_approval
from tests.fixtures.slack import PEOPLE, finished_in, request_id_of, letters

SUPPORT = "C_SUPPORT"
OPERATOR, APPROVER = PEOPLE.operator, PEOPLE.approver




@pytest.fixture
def slack(bot_stack):
    yield bot_stack.slack
    bot_stack.slack.end_outage()   # a failed test must not leave Slack down for the next one


def _audit(bot_stack) -> list[dict]:
    from bot.audit import AuditLog

    return [e for _, e, _, _ in AuditLog(redis.Redis.from_url(bot_stack.env["TOBITBOT_REDIS_URL"])).entries()]


def _actions(bot_stack, request_id: str) -> list[str]:
    return [e["action"] for e in _audit(bot_stack) if e.get("request") == request_id]


def _gave_up_on_the_notice(calls) -> bool:
    """Slack refused the notice that the password is lost, and then the bot's next post there
    (the job's outcome): so the bot, with the SDK's own retries, is done trying the notice."""
    refused = [(c.at, str(c.params.get("text"))) for c in calls
               if c.status == 429 and c.params.get("channel") == SUPPORT]
    notices = [at for at, text in refused if "could not be delivered" in text]
    return bool(notices) and any(at > notices[-1] and "could not be delivered" not in text
                                 for at, text in refused)


def test_an_approval_while_chat_update_answers_500_runs_the_job_and_shows_it_once_slack_answers(
        bot_stack, slack, redis_client):
    sam, request = reset_waiting_for_approval(bot_stack, "Update", SUPPORT)
    before = len(slack.calls("chat.update"))

    slack.outage(500, methods={"chat.update"})
    slack.block_action(APPROVER, SUPPORT, request.ts, "tobit_approve")
    slack.wait_for(lambda: any(c.status == 500 and c.params.get("ts") == request.ts
                               for c in slack.calls("chat.update")[before:]), timeout=30)
    slack.end_outage()

    slack.wait_for(lambda: finished_in(slack, SUPPORT, request), timeout=90)
    slack.wait_for(lambda: f"Approved by <@{APPROVER}>" in str(slack.message(SUPPORT, request.ts).blocks),
                   timeout=60)
    assert int(redis_client.get(f"tobitbot:runs:{request_id_of(request)}") or 0) == 1
    assert _actions(bot_stack, request_id_of(request)).count("enqueued") == 1


def test_a_request_slack_would_not_post_is_not_run_and_the_requester_is_told(bot_stack, slack,
                                                                              redis_client):
    name = f"Paula Postfail{letters()}"
    slack.fail("chat.postMessage", "internal_error",
               match=lambda params: params.get("channel") == SUPPORT and name in str(params.get("text")))
    slack.slash_command(OPERATOR, SUPPORT, text=f'add-user acme "{name}"')

    told = slack.wait_for(lambda: next((e for e in slack.ephemerals(user=OPERATOR, channel=SUPPORT)
                                        if name in e.text and "not run" in e.text), None), timeout=30)
    assert "internal_error" in told.text
    allowed = next(e for e in _audit(bot_stack) if e["action"] == "allowed" and name in e.get("text", ""))
    actions = _actions(bot_stack, allowed["request"])
    assert "request_not_posted" in actions and "enqueued" not in actions
    assert not redis_client.exists(f"tobitbot:runs:{allowed['request']}")
    assert not any(name in m.text for m in slack.messages(SUPPORT))


def test_a_password_lost_while_slack_answers_429_to_everything_is_followed_by_a_reset_notice(bot_stack,
                                                                                            slack):
    name = f"Lotte Limit{letters()}"
    slack.outage(429, retry_after=1,   # Slack goes down as the password is being shown
                 starts_when=lambda method, params: "New password" in str(params.get("text")))
    slack.slash_command(OPERATOR, SUPPORT, text=f'add-user acme "{name}"')
    request = slack.wait_for(lambda: next((m for m in slack.messages(SUPPORT) if name in m.text), None),
                             timeout=20)
    # the ephemeral, the direct message and the word that it was lost: all refused, until the bot
    # gave up on them (with the SDK's own retries) and went on to the job's outcome
    slack.wait_for(lambda: _gave_up_on_the_notice(slack.calls()), timeout=120)
    slack.end_outage()

    notice = slack.wait_for(lambda: next((m for m in slack.thread(SUPPORT, request.ts)
                                          if "could not be delivered" in m.text), None), timeout=90)
    assert f"<@{OPERATOR}>" in notice.text and "reset-password acme" in notice.text
    # audited once Slack took it, just after the post (the audit channel's mirror wakes the wait)
    told = slack.wait_for(lambda: "secret_undelivered_told" in _actions(bot_stack, request_id_of(request)),
                          timeout=30)
    actions = _actions(bot_stack, request_id_of(request))
    assert told and actions.index("secret_undelivered") < actions.index("secret_undelivered_told")
