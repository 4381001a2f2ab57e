"""Anyone's words in the bot's messages cannot ping a channel or a person, or smuggle a link.

A name, a ticket or a break-glass reason reaches the lexer unescaped (`&lt;!channel&gt;` ->
`<!channel>`); posted back as mrkdwn unescaped, Slack would read it as `@channel`.
"""

from __future__ import annotations

import json

import pytest

from bot import messages
from bot.audit_mirror import audit_line
from bot.request_store import RequestRecord
from commands.events import FAILED, SUCCEEDED, JobEvent

PINGS = ["<!channel>", "<!here>", "<!everyone>", "<@U_BOSS>", "<https://evil.example|Tobit login>"]


def _shown(*parts) -> str:
    return json.dumps(parts, ensure_ascii=False)


@pytest.mark.parametrize("ping", PINGS)
def test_request_and_review_messages_escape_the_command_ticket_and_reason(ping):
    command = f'add-user acme "{ping} Doe"'
    record = RequestRecord("r-1", "U_ADA", "C_SUPPORT", command, "acme", {}, ticket=f"x`{ping}",
                           break_glass_reason=f"CEO {ping}")
    shown = _shown(messages.request_message("U_ADA", command, "plan", "r-1", ticket=record.ticket,
                                            break_glass_reason=record.break_glass_reason),
                   messages.break_glass_review(record), messages.status_queued(3, record.ticket))
    assert ping not in shown
    assert ping.replace("<", "&lt;").replace(">", "&gt;") in shown   # shown as typed
    assert "<@U_ADA>" in shown                                      # the bot's own mention stays


@pytest.mark.parametrize("ping", PINGS)
def test_job_outcomes_escape_step_summaries_and_errors(ping):
    failed = JobEvent("r-1", FAILED, step=2, total=3, summary=f"create mailbox for {ping}",
                      error=f"refused: {ping}", done=(f"create AD account {ping}",),
                      pending=(f"set signature {ping}",), undoable=True)
    done = JobEvent("r-1", SUCCEEDED, total=3, summary=f'add-user acme "{ping}"')
    shown = _shown(messages.final_blocks(failed, ticket="SUP-1"), messages.final_text(done))
    assert ping not in shown


@pytest.mark.parametrize("ping", PINGS)
def test_the_audit_channel_mirrors_a_refused_command_without_pinging(ping):
    slack_text = "reset-password acme jdoe ticket=" + ping.replace("<", "&lt;").replace(">", "&gt;")
    line = audit_line({"action": "refused", "actor": "U_NORA", "text": slack_text,
                       "ticket": ping, "reason": f"no role {ping}", "at": 0})
    assert ping not in line and "<@U_NORA>" in line
    assert line.count(ping.replace("<", "&lt;").replace(">", "&gt;")) == 3
