"""Slack's platform behaviour against the running bot: a 429 is waited out, and Slack's retries
of a slash command or an event never make a second job."""

from __future__ import annotations


import redis

from tests.fixtures.bot import reset_waiting_for_approval
from tests.fixtures.slack import PEOPLE, finished_in, request_id_of, letters

SUPPORT = "C_SUPPORT"
OPERATOR, APPROVER = PEOPLE.operator, PEOPLE.approver




def _runs(client, message) -> int:
    return int(client.get(f"tobitbot:runs:{request_id_of(message)}") or 0)


def _enqueued(bot_stack, message) -> int:
    from bot.audit import AuditLog

    log = AuditLog(redis.Redis.from_url(bot_stack.env["TOBITBOT_REDIS_URL"]))
    return sum(1 for _, e, _, _ in log.entries() if e["action"] == "enqueued"
               and e.get("request") == request_id_of(message))


def test_a_429_is_waited_out_and_the_message_arrives_after_retry_after(bot_stack):
    slack, name = bot_stack.slack, f"Rita Ratelimit{letters()}"
    before = len(slack.calls("chat.postMessage"))
    slack.rate_limit("chat.postMessage", times=1, retry_after=2)
    slack.slash_command(OPERATOR, SUPPORT, text=f'add-user acme "{name}"')

    request = slack.wait_for(lambda: next((m for m in slack.messages(SUPPORT) if name in m.text), None),
                             timeout=20)
    # The refused call may be any of the bot's posts (the audit mirror posts at the same time):
    # whichever it was, the SDK must send that same message again after Retry-After.
    def resent():
        calls = slack.calls("chat.postMessage")[before:]
        refused = next((c for c in calls if c.status == 429), None)
        again = refused and next((c for c in calls if c.status == 200 and c.at > refused.at
                                  and c.params.get("channel") == refused.params.get("channel")
                                  and c.params.get("text") == refused.params.get("text")), None)
        return again and (refused, again)

    refused, again = slack.wait_for(resent, timeout=20)
    assert again.at - refused.at >= 2          # the SDK slept for Retry-After, then sent it again
    slack.wait_for(lambda: finished_in(slack, SUPPORT, request), timeout=60)


def test_a_retried_slash_command_makes_one_request_and_one_job(bot_stack, redis_client):
    slack, name = bot_stack.slack, f"Rolf Retry{letters()}"
    result = slack.slash_command(OPERATOR, SUPPORT, text=f'add-user acme "{name}"', retry_num=2)
    assert result.status == 200
    assert [d.request_headers.get("X-Slack-Retry-Num") for d in slack.deliveries()[-3:]] == \
        [None, "1", "2"]

    request = slack.wait_for(lambda: next((m for m in slack.messages(SUPPORT) if name in m.text), None),
                             timeout=20)
    slack.wait_for(lambda: finished_in(slack, SUPPORT, request), timeout=60)
    assert [m.ts for m in slack.messages(SUPPORT) if name in m.text] == [request.ts]
    assert _runs(redis_client, request) == 1 and _enqueued(bot_stack, request) == 1


def test_a_duplicated_approval_event_runs_the_job_once(bot_stack, redis_client):
    slack = bot_stack.slack
    sam, message = reset_waiting_for_approval(bot_stack, "Doppelt", SUPPORT)

    first = slack.reaction_added(APPROVER, SUPPORT, message.ts, "white_check_mark")
    again = slack.redeliver(first, retry_num=1)
    assert (first.status, again.status) == (200, 200) and first.event_id == again.event_id
    slack.wait_for(lambda: any(m.text.startswith(":white_check_mark: Done")
                               for m in slack.thread(SUPPORT, message.ts)), timeout=60)
    assert _runs(redis_client, message) == 1 and _enqueued(bot_stack, message) == 1
