"""A provider's team through the whole bot: scoped grants, a channel bound to a customer, tickets,
2-of-2 approvals from different roles, and break-glass with a second admin's review.

The policy is tests/e2e/policy.e2e.toml (the example plus the people and rules below)."""

from __future__ import annotations

import threading
import uuid

import pytest
import redis

from bot.audit import AuditLog
from tests.fixtures.slack import PEOPLE, request_id_of

SUPPORT, AUDIT, ACME_SHARED = "C_SUPPORT", "C_AUDIT", "C_ACME_SHARED"
OPERATOR, APPROVER, APPROVER2, ADMIN = (PEOPLE.operator, PEOPLE.approver, PEOPLE.second_approver,
                                        PEOPLE.admin)
ACME_OPERATOR, GLOBEX_APPROVER, APPROVER3, ADMIN2 = (
    "U_ACME_OPERATOR", "U_GLOBEX_APPROVER", "U_APPROVER3", "U_ADMIN2")
TICKET_PATTERN = "^SUP-[0-9]+$"


@pytest.fixture(scope="module")
def slack(bot_stack):
    """The demo workspace plus the people the e2e policy grants by user id, and acme's channel."""
    emulator = bot_stack.slack
    for user_id, name in ((ACME_OPERATOR, "otto.acme"), (GLOBEX_APPROVER, "greta.globex"),
                          (APPROVER3, "carl.approver"), (ADMIN2, "dora.admin")):
        emulator.add_user(user_id, name, f"{name}@tobit-service.example")
    emulator.add_channel(ACME_SHARED, "acme-shared")
    return emulator


@pytest.fixture
def user(bot_stack):
    """A fresh account in acme, made directly in AD (reset-password only touches AD)."""
    given = "Tina" + uuid.uuid4().hex[:6]
    made = bot_stack.directory.create_user("acme", given_name=given, surname="Team",
                                           display_name=f"{given} Team", email=None, solo=False,
                                           marker="test-" + given)
    return made["sam"]


def _redis(bot_stack) -> redis.Redis:
    return redis.Redis.from_url(bot_stack.env["TOBITBOT_REDIS_URL"])


def _runs(bot_stack, request_id: str) -> int:
    return int(_redis(bot_stack).get(f"tobitbot:runs:{request_id}") or 0)


def _audit(bot_stack, request_id: str) -> list[dict]:
    return [e for _, e, _, _ in AuditLog(_redis(bot_stack)).entries() if e.get("request") == request_id]


def _posted(slack, channel, *needles):
    """The top-level message that contains every needle, once the bot has posted it."""
    return slack.wait_for(lambda: next((m for m in slack.messages(channel)
                                        if all(n in m.text for n in needles)), None), timeout=15)


def _linked(bot_stack, channel, message):
    """Wait until the bot linked the message to its request (it does so right after posting)."""
    bot_stack.slack.wait_for(lambda: _redis(bot_stack).exists(f"tobitbot:approval:msg:{channel}:{message.ts}"))
    return message


def _replied(slack, channel, ts, needle):
    return slack.wait_for(lambda: any(needle in m.text for m in slack.thread(channel, ts)), timeout=15)


def _done(slack, channel, ts):
    return slack.wait_for(lambda: next((m for m in slack.thread(channel, ts)
                                        if m.text.startswith(":white_check_mark: Done")), None), timeout=60)


def _refused(slack, who, channel, text):
    """Run a command that must be refused: the refusal, and that nothing was posted."""
    seen, before = len(slack.ephemerals(user=who)), len(slack.messages(channel))
    slack.slash_command(who, channel, text=text)
    refusal = slack.wait_for(lambda: next((e for e in slack.ephemerals(user=who)[seen:]
                                           if ":no_entry:" in e.text), None), timeout=15)
    assert len(slack.messages(channel)) == before
    return refusal.text


# ---- 2-of-2 ---------------------------------------------------------------------------------

@pytest.fixture
def fresh_customer(bot_stack):
    """A customer of this test's own: cancelling one of its bookings touches no other test."""
    from tobitbot.demo_customer import seed_customer
    from workers.tobit import TobitHttpClient

    slug = "team" + uuid.uuid4().hex[:6]
    url = bot_stack.tobit_url_for(slug)
    seed_customer(bot_stack.directory, TobitHttpClient(url, bot_stack.env["TOBITBOT_TOBIT_TOKEN"]), slug,
                  display_name=f"Team {slug} GmbH", tobit_url=url, domain=f"{slug}.example")
    return slug


def test_two_of_two_one_approver_and_one_admin_run_the_job_once(bot_stack, slack, fresh_customer):
    command = f"cancel {fresh_customer} fax-shared"   # approvals = 2, approver_roles = ["admin"]
    slack.slash_command(APPROVER, SUPPORT, text=command)
    request = _linked(bot_stack, SUPPORT, _posted(slack, SUPPORT, command, "needs approval"))
    rid = request_id_of(request)

    slack.reaction_added(APPROVER, SUPPORT, request.ts, "white_check_mark")        # the requester
    _replied(slack, SUPPORT, request.ts, "cannot approve or reject your own")
    slack.reaction_added(APPROVER2, SUPPORT, request.ts, "white_check_mark")
    slack.wait_for(lambda: f"1 of 2 approvals: <@{APPROVER2}>" in str(slack.message(SUPPORT, request.ts).blocks))
    slack.block_action(APPROVER2, SUPPORT, request.ts, "tobit_approve")          # the same person, by button
    _replied(slack, SUPPORT, request.ts, "your approval is already counted")
    slack.reaction_added(APPROVER3, SUPPORT, request.ts, "white_check_mark")       # an approver, not an admin
    _replied(slack, SUPPORT, request.ts, "must come from an admin")
    assert _runs(bot_stack, rid) == 0
    assert "1 of 2 approvals" in str(slack.message(SUPPORT, request.ts).blocks)

    go = threading.Barrier(2)

    def react(who):
        go.wait()
        slack.reaction_added(who, SUPPORT, request.ts, "white_check_mark")

    threads = [threading.Thread(target=react, args=(w,)) for w in (ADMIN, ADMIN2)]   # both the last one
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    _done(slack, SUPPORT, request.ts)
    decided = str(slack.message(SUPPORT, request.ts).blocks)
    assert "Approved by" in decided and "2 of 2 approvals" in decided
    assert _runs(bot_stack, rid) == 1
    assert "book:fax-shared" not in bot_stack.directory.get_contract(fresh_customer)
    counted = [e for e in _audit(bot_stack, rid) if e["action"] == "vote_approve"]
    assert sorted(e["outcome"] for e in counted) == sorted(
        ["self", "counted", "duplicate", "other_role", "approved", "closed"])


# ---- scope and channels ---------------------------------------------------------------------

def test_an_operator_for_acme_only_is_refused_on_globex_naming_the_scope(bot_stack, slack):
    text = _refused(slack, ACME_OPERATOR, SUPPORT, 'add-user globex "Gina Scopefremd"')
    assert "no role for globex" in text
    assert not [e for _, e, _, _ in AuditLog(_redis(bot_stack)).entries()
                if e["action"] == "enqueued" and "Gina Scopefremd" in e.get("command", "")]


def test_an_approver_out_of_scope_is_ignored(bot_stack, slack, user):
    command = f"reset-password acme {user}"
    slack.slash_command(ACME_OPERATOR, SUPPORT, text=command)                     # in scope: acme
    request = _linked(bot_stack, SUPPORT, _posted(slack, SUPPORT, command, "needs approval"))
    slack.reaction_added(GLOBEX_APPROVER, SUPPORT, request.ts, "white_check_mark")
    _replied(slack, SUPPORT, request.ts, "your reaction was ignored")
    assert _runs(bot_stack, request_id_of(request)) == 0
    assert "needs approval" in slack.message(SUPPORT, request.ts).text


def test_a_channel_bound_to_acme_refuses_globex(bot_stack, slack):
    text = _refused(slack, OPERATOR, ACME_SHARED, 'add-user globex "Gustav Gebunden"')
    assert f"<#{ACME_SHARED}> is only for acme, not globex" in text
    seen = len(slack.ephemerals(user=OPERATOR))
    slack.slash_command(OPERATOR, ACME_SHARED, text="licences acme")               # acme's report: fine
    slack.wait_for(lambda: any("tobit-addon" in str(e.blocks) for e in slack.ephemerals(user=OPERATOR)[seen:]))


# ---- tickets --------------------------------------------------------------------------------

@pytest.mark.parametrize("text, words", [   # what to type (the policy's example), not the regex
    ('set-legal-info acme seat=Hamburg', ["needs a support ticket", "`ticket=SUP-1234`"]),
    ('set-legal-info acme seat=Hamburg ticket=JIRA-12', ["`JIRA-12` is not a ticket id", "`ticket=SUP-1234`"]),
    # Slack sends what was typed escaped; echoed back it must not become a live ping or link
    ('set-legal-info acme seat=Hamburg ticket=&lt;!channel&gt;', ["`&lt;!channel&gt;` is not a ticket id"]),
    ('set-legal-info acme seat=Hamburg ticket=&lt;https://evil.example|click&gt;',
     ["`&lt;https://evil.example|click&gt;` is not a ticket id"]),
])
def test_a_missing_or_malformed_ticket_is_refused_saying_what_to_type(bot_stack, slack, text, words):
    refusal = _refused(slack, OPERATOR, SUPPORT, text)
    assert all(w in refusal for w in words), refusal
    assert TICKET_PATTERN not in refusal and "<!channel>" not in refusal and "<https://evil" not in refusal


HOSTILE = "CEO &lt;!channel&gt; &lt;https://evil.example|click&gt; R&amp;D"   # as Slack sends it


@pytest.mark.parametrize("text", [
    f'--break-glass reason="{HOSTILE}" reset-password acme jdoe',   # refused: the operator is no admin
    f'add-user acme "{HOSTILE}"',                                   # refused by R5: not a person
], ids=["break-glass reason", "R5 full name"])
def test_words_typed_into_a_refusal_are_shown_as_typed_not_as_a_ping_or_link(bot_stack, slack, text):
    refusal = _refused(slack, OPERATOR, SUPPORT, text)
    assert "<!channel>" not in refusal and "<https://evil" not in refusal, refusal
    assert "&lt;!channel&gt; &lt;https://evil.example|click&gt; R&amp;D" in refusal, refusal
    assert "&amp;amp;" not in refusal


def test_the_ticket_is_in_every_message_and_every_audit_entry_of_the_request(bot_stack, slack, user):
    command = f"reset-password acme {user}"
    slack.slash_command(OPERATOR, SUPPORT, text=f"{command} ticket=SUP-4242")
    request = _linked(bot_stack, SUPPORT, _posted(slack, SUPPORT, command, "needs approval"))
    assert "SUP-4242" in request.text and "SUP-4242" in str(request.blocks)
    rid = request_id_of(request)
    slack.reaction_added(APPROVER, SUPPORT, request.ts, "white_check_mark")
    _done(slack, SUPPORT, request.ts)
    slack.wait_for(lambda: any(m.text.startswith(":white_check_mark: Finished")  # the status message
                               for m in slack.thread(SUPPORT, request.ts)), timeout=15)
    assert "SUP-4242" in str(slack.message(SUPPORT, request.ts).blocks)           # approved, still shown
    thread = [m for m in slack.thread(SUPPORT, request.ts) if m.ts != request.ts]
    assert thread and all("SUP-4242" in m.text + str(m.blocks) for m in thread)

    entries = slack.wait_for(lambda: (lambda es: es if "job_succeeded" in {e["action"] for e in es} else None)(
        _audit(bot_stack, rid)), timeout=15)
    actions = {e["action"] for e in entries}
    assert {"allowed", "approval_requested", "vote_approve", "enqueued", "job_started",
            "job_succeeded"} <= actions
    assert [e["action"] for e in entries if e.get("ticket") != "SUP-4242"] == []


# ---- break-glass ----------------------------------------------------------------------------

def test_break_glass_runs_at_once_is_marked_and_reviewed_by_a_second_admin(bot_stack, slack, user):
    reason = "customer CEO locked out"
    command = f"reset-password acme {user}"
    refusal = _refused(slack, OPERATOR, SUPPORT, f'--break-glass reason="{reason}" {command}')
    assert "needs role admin for acme; you are operator" in refusal and reason in refusal

    slack.slash_command(ADMIN, SUPPORT, text=f'--break-glass reason="{reason}" {command} ticket=SUP-911')
    request = _posted(slack, SUPPORT, "BREAK-GLASS", command)
    assert reason in request.text and f"<@{ADMIN}>" in request.text and "SUP-911" in str(request.blocks)
    rid = request_id_of(request)
    _done(slack, SUPPORT, request.ts)                                              # no approval needed
    assert _runs(bot_stack, rid) == 1
    assert any(f"New password for `{user}`" in e.text for e in slack.ephemerals(user=ADMIN))

    review = _linked(bot_stack, SUPPORT, _posted(slack, SUPPORT, "Break-glass review needed", command))
    slack.reaction_added(ADMIN, SUPPORT, review.ts, "white_check_mark")            # the requester
    _replied(slack, SUPPORT, review.ts, "a second admin must review it")
    slack.reaction_added(APPROVER, SUPPORT, review.ts, "white_check_mark")         # not an admin
    _replied(slack, SUPPORT, review.ts, "reviewed by a second admin")
    assert "Reviewed by" not in str(slack.message(SUPPORT, review.ts).blocks)
    slack.block_action(ADMIN2, SUPPORT, review.ts, "tobit_break_glass_ack")
    slack.wait_for(lambda: f"Reviewed by <@{ADMIN2}>" in str(slack.message(SUPPORT, review.ts).blocks))
    assert _runs(bot_stack, rid) == 1

    entries = _audit(bot_stack, rid)
    glass = [e for e in entries if e["action"] == "break_glass"]
    assert [(e["actor"], e["customer"], e["command"], e["reason"], e["ticket"]) for e in glass] == [
        (ADMIN, "acme", command, reason, "SUP-911")]
    assert [e["actor"] for e in entries if e["action"] == "break_glass_reviewed"] == [ADMIN2]
    slack.wait_for(lambda: any("BREAK-GLASS" in m.text and reason in m.text and f"<@{ADMIN}>" in m.text
                               for m in slack.messages(AUDIT)), timeout=15)
