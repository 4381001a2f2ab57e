"""The HTTP door before Bolt: only signed, well-formed Slack requests of a bounded size pass.

Bolt parses the body as it builds its request, before it verifies the signature, so anyone on
the internet could make it raise (a traceback per request) or read a body of any size into
memory. `SlackDoor` refuses a body over MAX_BODY unread (413); an unsigned, stale or forged
request with 401; a non-numeric timestamp, or a signed body that is not what Slack sends, with
400. Each reason goes into the request's access log line (environ[REFUSED]), so a refusal logs
one short line. The body is read once and handed on to Bolt, which reads it with `parse_body`
here, as the door did (bot/http.py), not with its own parser.
"""

from __future__ import annotations

import io
import json
import re
import time
from typing import Any, Callable
from urllib.parse import parse_qsl

from slack_sdk.signature import SignatureVerifier

EVENTS_PATH = "/slack/events"
MAX_BODY = 1024 * 1024      # Slack's payloads are a few KB; a large modal stays far below
MAX_SKEW_S = 5 * 60         # Slack's own bound for a request's timestamp (replays)
REFUSED = "tobitbot.refused"
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
# interactive payloads: each names the person who clicked or submitted (body["user"]["id"])
_INTERACTIVE = ("block_actions", "view_submission", "view_closed", "shortcut", "message_action")


class Refused(Exception):
    """A request the door does not let through: its HTTP status and a short reason."""

    def __init__(self, status: str, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


class SlackDoor:
    """WSGI layer before Bolt: size, timestamp and signature are checked before anything parses."""

    def __init__(self, app: Callable, signing_secret: str):
        self.app = app
        self.verifier = SignatureVerifier(signing_secret)

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != EVENTS_PATH:
            return self.app(environ, start_response)
        try:
            body = self.admit(environ)
        except Refused as refused:
            environ[REFUSED] = "refused: " + refused.reason
            text = (refused.reason + "\n").encode()
            start_response(refused.status, [("Content-Type", "text/plain; charset=utf-8"),
                                            ("Content-Length", str(len(text)))])
            return [text]
        environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
        return self.app(environ, start_response)

    def admit(self, environ) -> bytes:
        """The body of a signed, well-formed request of bounded size; raises Refused."""
        length = _content_length(environ)
        if length is not None and length > MAX_BODY:
            raise Refused("413 Content Too Large", f"body of {length} bytes exceeds {MAX_BODY}")
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
        signature = environ.get("HTTP_X_SLACK_SIGNATURE")
        if not timestamp or not signature:
            raise Refused("401 Unauthorized", "not signed")
        if not _TIMESTAMP.fullmatch(timestamp):
            raise Refused("400 Bad Request", "timestamp is not a number")
        if abs(time.time() - int(timestamp)) > MAX_SKEW_S:
            raise Refused("401 Unauthorized", "timestamp too old or in the future")
        # read at most one byte past the bound: a chunked body has no Content-Length to trust
        body = environ["wsgi.input"].read(MAX_BODY + 1 if length is None else length)
        if len(body) > MAX_BODY:
            raise Refused("413 Content Too Large", f"body exceeds {MAX_BODY} bytes")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused("400 Bad Request", "body is not UTF-8") from None
        if not self.verifier.is_valid(text, timestamp, signature):
            raise Refused("401 Unauthorized", "bad signature")
        problem = malformed(text, environ.get("CONTENT_TYPE"))
        if problem:
            raise Refused("400 Bad Request", problem)
        return body


def _content_length(environ) -> int | None:
    value = environ.get("CONTENT_LENGTH") or None
    if value is None:
        return None
    if not value.isascii() or not value.isdigit():
        raise Refused("400 Bad Request", "Content-Length is not a number")
    return int(value)


def parse_body(body: str, content_type: str | None) -> Any:
    """A Slack request body as the handlers read it: JSON, a form's `payload` JSON, or the form.

    Bolt's own parse_body takes any form body that merely contains the word "payload" for an
    interactive payload: the slash command `/tobit help payload`, or a channel named
    payload-team, became {} and was lost. Here only a `payload` field is read as JSON.
    Raises ValueError (json.JSONDecodeError is one) for a body that is neither.
    """
    if not body:
        return {}
    if content_type == "application/json" or body.startswith("{"):   # as Bolt tells JSON
        return json.loads(body)
    form = dict(parse_qsl(body, keep_blank_values=True))
    return json.loads(form["payload"]) if "payload" in form else form


def malformed(body: str, content_type: str | None) -> str | None:
    """What keeps a signed body from being a Slack request the handlers can read, or None.

    Parsed with `parse_body`, as Bolt is given it. A signed body comes from someone who holds
    the secret, but Slack never sends one without these parts, and without them a handler
    would fail with a traceback (a leaked secret or a broken proxy, not Slack).
    """
    try:
        parsed = parse_body(body, (content_type or "").split(";")[0].strip() or None)
    except ValueError:   # json.JSONDecodeError is one
        return "body is neither a form nor JSON"
    if not isinstance(parsed, dict):
        return "body is not a JSON object"
    return _shape_problem(parsed)


def _shape_problem(body: dict[str, Any]) -> str | None:
    if body.get("ssl_check") == "1":   # Slack checking the certificate; Bolt answers it 200
        return None
    if "command" in body:   # a slash command
        if not all(isinstance(body.get(k), str) and body[k] for k in ("user_id", "channel_id")):
            return "slash command without user_id or channel_id"
        return None
    kind = body.get("type")
    if not isinstance(kind, str):
        return "neither a slash command nor a typed payload"
    if kind == "event_callback":
        event = body.get("event")
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            return "event_callback without an event"
    if kind in _INTERACTIVE:
        user = body.get("user")
        if not isinstance(user, dict) or not isinstance(user.get("id"), str):
            return f"{kind} without a user"
        if kind == "block_actions" and not (isinstance(body.get("actions"), list)
                                            and all(isinstance(a, dict) for a in body["actions"])):
            return "block_actions without actions"
    return None


