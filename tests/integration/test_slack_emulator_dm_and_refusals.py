"""The emulator opens direct-message channels (conversations.open) and refuses a call on request
with Slack's own error code, so the bot's fallbacks can be tested against what real Slack does."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.fixtures.slack import C_SUPPORT, PEOPLE


@pytest.fixture
def client(slack_emulator):
    return WebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url)


def test_conversations_open_gives_the_dm_channel_a_message_reaches(slack_emulator, client):
    opened = client.conversations_open(users=PEOPLE.operator)
    dm = opened["channel"]["id"]
    assert dm == slack_emulator.direct_channel(PEOPLE.operator)
    assert client.conversations_open(users=PEOPLE.operator)["channel"]["id"] == dm  # the same one
    client.chat_postMessage(channel=dm, text="only for you")
    assert [m.text for m in slack_emulator.messages(dm)] == ["only for you"]
    assert client.conversations_open(users=PEOPLE.operator, return_im=True)["channel"]["is_im"]


@pytest.mark.parametrize("users, error", [("", "users_list_not_supplied"), ("U_NOBODY", "user_not_found")])
def test_conversations_open_refuses_like_slack(client, users, error):
    with pytest.raises(SlackApiError) as refused:
        client.conversations_open(users=users)
    assert refused.value.response["error"] == error


def test_a_refusal_asked_for_hits_only_the_matching_call_and_only_as_often_as_asked(slack_emulator,
                                                                                      client):
    slack_emulator.fail("chat.postEphemeral", "user_not_in_channel",
                        match=lambda params: params.get("user") == PEOPLE.operator)
    client.chat_postEphemeral(channel=C_SUPPORT, user=PEOPLE.approver, text="to someone else")
    with pytest.raises(SlackApiError) as refused:
        client.chat_postEphemeral(channel=C_SUPPORT, user=PEOPLE.operator, text="refused")
    assert refused.value.response["error"] == "user_not_in_channel"
    client.chat_postEphemeral(channel=C_SUPPORT, user=PEOPLE.operator, text="once only")

    assert [e.text for e in slack_emulator.ephemerals()] == ["to someone else", "once only"]
    refusal = [c for c in slack_emulator.calls("chat.postEphemeral") if not c.ok]
    assert [(c.params["user"], c.error) for c in refusal] == [(PEOPLE.operator, "user_not_in_channel")]
