"""The one-time password reaches its requester even when Slack refuses the ephemeral (they are
not in the channel: the add-user modal posts in the support channel for anyone)."""

from __future__ import annotations

import re
import uuid

from tests.fixtures.slack import PEOPLE

OPERATOR = PEOPLE.operator
SUPPORT = "C_SUPPORT"
PASSWORD = re.compile(r"New password for `([^`]+)`: `([^`]+)`")


def test_a_refused_ephemeral_password_arrives_as_a_direct_message(bot_stack):
    slack = bot_stack.slack
    name = "Nina Nichtimkanal" + "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:6])
    slack.fail("chat.postEphemeral", "user_not_in_channel",
               match=lambda params: params.get("user") == OPERATOR and "New password" in str(params))
    slack.slash_command(OPERATOR, SUPPORT, text=f'add-user acme "{name}"')

    request = slack.wait_for(lambda: next((m for m in slack.messages(SUPPORT) if name in m.text), None),
                             timeout=10)
    dm = slack.direct_channel(OPERATOR)
    notice = slack.wait_for(lambda: next((m for m in slack.messages(dm) if PASSWORD.search(m.text)
                                          and f"<#{SUPPORT}>" in m.text), None), timeout=60)
    password = PASSWORD.search(notice.text).group(2)
    refused = [c for c in slack.calls("chat.postEphemeral") if c.error == "user_not_in_channel"]
    assert len(refused) == 1
    thread = [m.text for m in slack.thread(SUPPORT, request.ts)]
    assert all(password not in text and "could not be delivered" not in text for text in thread)
