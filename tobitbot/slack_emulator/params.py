"""Reading Web API parameters the way Slack does, whichever way the client sent them.

Clients send form fields (with blocks and views as JSON strings), a JSON body, or a query
string; all end up as one dict with blocks and views decoded and booleans as bools.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from tobitbot.slack_emulator.model import JSON
from tobitbot.slack_emulator.state import SlackError

JSON_FIELDS = {"blocks", "attachments", "view", "metadata"}
BOOLEAN_FIELDS = {"include_users", "include_disabled", "include_count", "inclusive",
                  "include_locale", "full", "unfurl_links", "unfurl_media", "reply_broadcast",
                  "as_user", "mrkdwn"}


def decode(content_type: str, body: bytes, query: str) -> JSON:
    """The call's parameters: query string first, the body's fields over them."""
    params: JSON = dict(parse_qsl(query, keep_blank_values=True))
    media_type = content_type.split(";")[0].strip().lower()
    if media_type == "application/json" and body:
        try:
            document = json.loads(body)
        except ValueError:
            raise SlackError("invalid_json") from None
        if not isinstance(document, dict):
            raise SlackError("invalid_json")
        params.update(document)
    elif body:
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return {name: _normalize(name, value) for name, value in params.items()}


def _normalize(name: str, value: Any) -> Any:
    if name in JSON_FIELDS and isinstance(value, str):
        try:
            return json.loads(value) if value else None
        except ValueError:
            code = "invalid_blocks" if name == "blocks" else "invalid_arguments"
            raise SlackError(code) from None
    if name in BOOLEAN_FIELDS and isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return value


def required(params: JSON, name: str, error: str = "invalid_arguments") -> Any:
    """The parameter's value, or Slack's error for a missing one."""
    value = params.get(name)
    if value in (None, ""):
        raise SlackError(error)
    return value
