"""How the door reads a body, and which signed bodies it lets through (the e2e tests in
tests/e2e/test_http_door.py run the same door in the real gunicorn)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from bot.http import DoorRequest
from bot.slack_door import malformed, parse_body

FORM = "application/x-www-form-urlencoded"
SLASH = {"command": "/tobit", "text": "help", "user_id": "U1", "channel_id": "C1",
         "channel_name": "support"}
CLICK = {"type": "block_actions", "user": {"id": "U1"}, "actions": [{"action_id": "a"}]}

BODIES = {   # body, what the handlers read, what the door says (None: let through)
    "slash command": (urlencode(SLASH), SLASH, None),
    "'payload' in the text": (urlencode({**SLASH, "text": "help payload"}),
                              {**SLASH, "text": "help payload"}, None),
    "'payload' in a channel name": (urlencode({**SLASH, "channel_name": "payload-team"}),
                                    {**SLASH, "channel_name": "payload-team"}, None),
    "a field named payload_x": (urlencode({**SLASH, "payload_x": "1"}), {**SLASH, "payload_x": "1"}, None),
    "interactive payload": (urlencode({"payload": json.dumps(CLICK)}), CLICK, None),
    "ssl_check": ("ssl_check=1&token=t", {"ssl_check": "1", "token": "t"}, None),
    "ssl_check=0": ("ssl_check=0&token=t", {"ssl_check": "0", "token": "t"},
                    "neither a slash command nor a typed payload"),
    "payload not JSON": ("payload=not-json", None, "body is neither a form nor JSON"),
    "payload a list": ("payload=[1]", [1], "body is not a JSON object"),
    "empty": ("", {}, "neither a slash command nor a typed payload"),
}


@pytest.mark.parametrize("case", BODIES)
def test_the_door_reads_a_body_and_says_what_is_wrong(case):
    body, parsed, problem = BODIES[case]
    if parsed is None:
        with pytest.raises(ValueError):
            parse_body(body, FORM)
    else:
        assert parse_body(body, FORM) == parsed
    assert malformed(body, FORM + "; charset=utf-8") == problem


@pytest.mark.parametrize("case", [c for c in BODIES if BODIES[c][2] is None])
def test_bolt_is_given_the_body_as_the_door_read_it(case):
    body, parsed, _ = BODIES[case]
    request = DoorRequest(body=body, query="", headers={"content-type": FORM})
    assert request.body == parsed and request.raw_body == body
    assert request.context.user_id == (None if case == "ssl_check" else "U1")
    assert request.to_copyable().body == parsed
