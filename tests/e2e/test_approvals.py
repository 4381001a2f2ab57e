"""Four eyes through the whole bot: risky commands wait for a second person's approval."""

from __future__ import annotations

import json
import threading
import uuid

import pytest

from tests.fixtures.slack import PEOPLE, request_id_of

SUPPORT = "C_SUPPORT"
OPERATOR, APPROVER, APPROVER2, NOBODY = (PEOPLE.operator, PEOPLE.approver, PEOPLE.second_approver,
                                         PEOPLE.nobody)


def _texts(slack, ts):
    return [m.text for m in slack.thread(SUPPORT, ts)]


def _has_actions(message) -> bool:
    return any(b.get("type") == "actions" for b in (message.blocks or []))


@pytest.fixture
def user(bot_stack):
    """A fresh account in acme, made directly in AD (the commands under test only touch AD)."""
    given = "Vera" + uuid.uuid4().hex[:6]
    made = bot_stack.directory.create_user("acme", given_name=given, surname="Vier", display_name=f"{given} Vier",
                                           email=None, solo=False, marker="test-" + given)
    return made["sam"]


def _ask(bot_stack, command):
    import redis

    slack = bot_stack.slack
    slack.slash_command(OPERATOR, SUPPORT, text=command)
    message = slack.wait_for(lambda: next((m for m in slack.messages(SUPPORT)
                                           if command in m.text and "needs approval" in m.text), None), timeout=10)
    # the bot links the message to its request right after posting it; a person is never faster
    client = redis.Redis.from_url(bot_stack.env["TOBITBOT_REDIS_URL"])
    slack.wait_for(lambda: client.exists(f"tobitbot:approval:msg:{SUPPORT}:{message.ts}"))
    return message


def _runs(bot_stack, message) -> int:
    """How many times the request was enqueued (the dispatcher counts every run)."""
    import redis

    client = redis.Redis.from_url(bot_stack.env["TOBITBOT_REDIS_URL"])
    return int(client.get(f"tobitbot:runs:{request_id_of(message)}") or 0)


def test_risky_command_waits_and_runs_after_a_second_persons_approval(bot_stack, user):
    slack = bot_stack.slack
    request = _ask(bot_stack, f"reset-password acme {user}")
    assert _has_actions(request) and "Expires" in str(request.blocks)
    assert _runs(bot_stack, request) == 0  # nothing runs before the approval

    slack.reaction_added(OPERATOR, SUPPORT, request.ts, "white_check_mark")      # own request
    slack.wait_for(lambda: any("cannot approve or reject your own" in t for t in _texts(slack, request.ts)))
    slack.reaction_added(NOBODY, SUPPORT, request.ts, "white_check_mark")        # no role
    slack.wait_for(lambda: any("your reaction was ignored" in t for t in _texts(slack, request.ts)))
    slack.reaction_added(APPROVER, SUPPORT, request.ts, "thumbsup")              # another emoji
    assert _runs(bot_stack, request) == 0

    slack.reaction_added(APPROVER, SUPPORT, request.ts, "white_check_mark")
    slack.wait_for(lambda: any(t.startswith(":white_check_mark: Done") for t in _texts(slack, request.ts)),
                   timeout=60)
    updated = slack.message(SUPPORT, request.ts)
    assert not _has_actions(updated) and f"Approved by <@{APPROVER}>" in str(updated.blocks)
    assert any(f"New password for `{user}`" in e.text for e in slack.ephemerals(user=OPERATOR))
    assert _runs(bot_stack, request) == 1


def test_duplicated_and_simultaneous_approvals_run_the_job_once(bot_stack, user):
    slack = bot_stack.slack
    request = _ask(bot_stack, f"reset-password acme {user}")
    first = slack.reaction_added(APPROVER, SUPPORT, request.ts, "white_check_mark")
    slack.redeliver(first, retry_num=1)                                         # Slack retries the event
    go = threading.Barrier(2)

    def react(who):
        go.wait()
        slack.reaction_added(who, SUPPORT, request.ts, "white_check_mark")

    threads = [threading.Thread(target=react, args=(w,)) for w in (APPROVER2, PEOPLE.admin)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    slack.wait_for(lambda: any(t.startswith(":white_check_mark: Done") for t in _texts(slack, request.ts)),
                   timeout=60)
    assert _runs(bot_stack, request) == 1


def test_reject_by_button_and_withdraw_by_the_requester(bot_stack, user):
    slack = bot_stack.slack
    rejected = _ask(bot_stack, f"reset-password acme {user}")
    slack.block_action(APPROVER, SUPPORT, rejected.ts, "tobit_reject")
    slack.wait_for(lambda: f"Rejected by <@{APPROVER}>" in str(slack.message(SUPPORT, rejected.ts).blocks))
    slack.reaction_added(APPROVER2, SUPPORT, rejected.ts, "white_check_mark")   # too late: closed
    slack.wait_for(lambda: any("already rejected" in t for t in _texts(slack, rejected.ts)))

    withdrawn = _ask(bot_stack, f"reset-password acme {user}")
    slack.block_action(APPROVER, SUPPORT, withdrawn.ts, "tobit_withdraw")      # not the requester
    slack.wait_for(lambda: any("only the requester can withdraw" in t for t in _texts(slack, withdrawn.ts)))
    slack.block_action(OPERATOR, SUPPORT, withdrawn.ts, "tobit_withdraw")
    slack.wait_for(lambda: "Withdrawn by" in str(slack.message(SUPPORT, withdrawn.ts).blocks))
    assert _runs(bot_stack, rejected) == 0 and _runs(bot_stack, withdrawn) == 0


def test_an_expired_request_cannot_be_approved(bot_stack, user):
    import redis

    slack = bot_stack.slack
    request = _ask(bot_stack, f"reset-password acme {user}")
    rid = request_id_of(request)
    client = redis.Redis.from_url(bot_stack.env["TOBITBOT_REDIS_URL"])
    state = json.loads(bot_stack.slack.wait_for(lambda: client.get(f"tobitbot:approval:{rid}")))
    state["expires_at"] = 0  # four hours pass
    client.set(f"tobitbot:approval:{rid}", json.dumps(state))
    slack.reaction_added(APPROVER, SUPPORT, request.ts, "white_check_mark")
    slack.wait_for(lambda: any("this request expired" in t for t in _texts(slack, request.ts)))
    slack.wait_for(lambda: "Expired" in str(slack.message(SUPPORT, request.ts).blocks))
    assert _runs(bot_stack, request) == 0


def test_plan_that_no_longer_holds_is_not_run(bot_stack, user):
    slack = bot_stack.slack
    request = _ask(bot_stack, f"reset-password acme {user}")
    bot_stack.directory.delete_user("acme", user)  # the account goes away while the request waits
    slack.reaction_added(APPROVER, SUPPORT, request.ts, "white_check_mark")
    slack.wait_for(lambda: any("plan no longer holds" in t for t in _texts(slack, request.ts)))
    assert _runs(bot_stack, request) == 0
