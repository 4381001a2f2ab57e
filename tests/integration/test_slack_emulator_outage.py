"""The emulator's outage: Web API calls answered with an HTTP error until the test ends it, for
every method or some, from now or from the first call a predicate picks."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.fixtures.slack import C_SUPPORT, PEOPLE


@pytest.fixture
def client(slack_emulator):
    return WebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url)   # no retries


def _refused(call) -> tuple[int, str]:
    with pytest.raises(SlackApiError) as refused:
        call()
    return refused.value.response.status_code, refused.value.response["error"]


def test_a_5xx_outage_of_one_method_hits_only_it_until_it_ends(slack_emulator, client):
    ts = client.chat_postMessage(channel=C_SUPPORT, text="before")["ts"]
    slack_emulator.outage(500, methods={"chat.update"})
    for _ in range(3):
        assert _refused(lambda: client.chat_update(channel=C_SUPPORT, ts=ts, text="no")) == \
            (500, "internal_error")
    client.chat_postMessage(channel=C_SUPPORT, text="other methods work")
    slack_emulator.end_outage()
    client.chat_update(channel=C_SUPPORT, ts=ts, text="after")
    assert slack_emulator.message(C_SUPPORT, ts).text == "after"
    assert [c.status for c in slack_emulator.calls("chat.update")] == [500, 500, 500, 200]


def test_a_429_outage_begins_with_the_call_it_waits_for_and_covers_every_method(slack_emulator, client):
    slack_emulator.outage(429, retry_after=7,
                          starts_when=lambda method, params: "secret" in str(params.get("text")))
    client.chat_postMessage(channel=C_SUPPORT, text="not yet")
    with pytest.raises(SlackApiError) as refused:
        client.chat_postEphemeral(channel=C_SUPPORT, user=PEOPLE.operator, text="the secret")
    assert refused.value.response.status_code == 429
    headers = {name.lower(): value for name, value in refused.value.response.headers.items()}
    assert headers["retry-after"] == "7"
    assert _refused(lambda: client.conversations_open(users=PEOPLE.operator)) == (429, "ratelimited")
    assert _refused(lambda: client.chat_postMessage(channel=C_SUPPORT, text="x")) == (429, "ratelimited")
    slack_emulator.end_outage()
    client.chat_postMessage(channel=C_SUPPORT, text="back")
    assert [m.text for m in slack_emulator.messages(C_SUPPORT)] == ["not yet", "back"]
