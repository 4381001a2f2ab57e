"""The emulator made slow or rate-limiting on purpose, by method name or by pattern (`chat.*`)."""

from __future__ import annotations

import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.fixtures.slack import C_SUPPORT, PEOPLE


@pytest.fixture
def client(slack_emulator):
    return WebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url)


def test_a_slow_pattern_delays_its_methods_only_and_ends_when_set_to_zero(slack_emulator, client):
    calls = slack_emulator.workspace.calls
    slack_emulator.slow("chat.*", 0.5)
    started = time.monotonic()
    client.chat_postMessage(channel=C_SUPPORT, text="late")
    assert time.monotonic() - started >= 0.5          # the call waited for the answer
    assert calls.delay_for("chat.update") == 0.5 and calls.delay_for("users.info") == 0
    slack_emulator.slow("chat.*", 0)
    assert calls.delay_for("chat.postMessage") == 0
    client.chat_postMessage(channel=C_SUPPORT, text="prompt")
    assert [m.text for m in slack_emulator.messages(C_SUPPORT)] == ["late", "prompt"]


def test_a_rate_limit_on_a_pattern_is_shared_by_its_methods(slack_emulator, client):
    slack_emulator.rate_limit("chat.*", times=2, retry_after=3)
    for call in (lambda: client.chat_postMessage(channel=C_SUPPORT, text="one"),
                 lambda: client.chat_postEphemeral(channel=C_SUPPORT, user=PEOPLE.operator, text="two")):
        with pytest.raises(SlackApiError) as refused:
            call()
        assert refused.value.response.status_code == 429
    assert client.users_info(user=PEOPLE.operator)["ok"]          # not a chat.* method
    assert client.chat_postMessage(channel=C_SUPPORT, text="three")["ok"]   # the two are spent
    assert [(c.method, c.status) for c in slack_emulator.calls() if c.method.startswith("chat.")] == \
        [("chat.postMessage", 429), ("chat.postEphemeral", 429), ("chat.postMessage", 200)]
