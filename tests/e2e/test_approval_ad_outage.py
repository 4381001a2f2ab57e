"""An approval given while AD cannot be reached is not lost: the approved request is marked not
run, its thread says so with a Retry button, the approver sees the decision, and Retry runs it
once AD is back (its plan checked against AD again first)."""

from __future__ import annotations

import redis

from tests.fixtures.bot import reset_waiting_for_approval
from tests.fixtures.slack import PEOPLE, finished_in, request_id_of

SUPPORT = "C_SUPPORT"
OPERATOR, APPROVER = PEOPLE.operator, PEOPLE.approver


def _actions(bot_stack, request_id: str) -> list[str]:
    from bot.audit import AuditLog

    log = AuditLog(redis.Redis.from_url(bot_stack.env["TOBITBOT_REDIS_URL"]))
    return [e["action"] for _, e, _, _ in log.entries() if e.get("request") == request_id]


def test_an_approval_while_ad_is_down_is_kept_and_retry_runs_it_once_ad_is_back(bot_stack):
    slack, samba = bot_stack.slack, bot_stack.samba
    sam, request = reset_waiting_for_approval(bot_stack, "Down", SUPPORT)
    client = redis.Redis.from_url(bot_stack.env["TOBITBOT_REDIS_URL"])
    request_id = request_id_of(request)

    samba.stop()   # AD goes away between the request and the click
    try:
        slack.block_action(APPROVER, SUPPORT, request.ts, "tobit_approve")
        notice = slack.wait_for(lambda: next((m for m in slack.thread(SUPPORT, request.ts)
                                              if "was not run" in m.text), None), timeout=60)
        slack.wait_for(lambda: f"Approved by <@{APPROVER}>" in str(slack.message(SUPPORT, request.ts).blocks),
                       timeout=30)
    finally:
        samba.start()
    assert "Active Directory" in notice.text and "tobit_retry" in str(notice.blocks)
    assert "request_not_run" in _actions(bot_stack, request_id)
    assert not client.exists(f"tobitbot:runs:{request_id}")

    slack.block_action(OPERATOR, SUPPORT, notice.ts, "tobit_retry")

    slack.wait_for(lambda: finished_in(slack, SUPPORT, request), timeout=90)
    assert int(client.get(f"tobitbot:runs:{request_id}") or 0) == 1
    assert _actions(bot_stack, request_id).count("enqueued") == 1
