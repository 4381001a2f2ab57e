"""The emulator's web page API: what a person sees, and that what they do reaches the app signed.

A stand-in app (a plain HTTP server that checks Slack's signature with slack_sdk's verifier)
records the requests; the page's JSON endpoints are called as the browser calls them.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
import requests
from slack_sdk.signature import SignatureVerifier

from tests.fixtures.slack import C_SUPPORT, PEOPLE
from tobitbot.slack_emulator.web import WebPage

APPROVE = [{"type": "actions", "block_id": "decision", "elements": [
    {"type": "button", "action_id": "approve", "value": "req-1",
     "text": {"type": "plain_text", "text": "Approve"}}]}]


@pytest.fixture
def app_requests(slack_emulator):
    """Requests the app received, as (kind, payload) after checking each signature."""
    received: list[tuple[str, dict]] = []
    verifier = SignatureVerifier(slack_emulator.signing_secret)

    class App(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if not verifier.is_valid_request(body, dict(self.headers)):
                self.send_response(401)
                self.end_headers()
                return
            if self.headers["Content-Type"].startswith("application/json"):
                received.append(("event", json.loads(body)["event"]))
            else:
                form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                received.append(("interaction", json.loads(form["payload"])) if "payload" in form
                                else ("command", form))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), App)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    slack_emulator.set_request_url(f"http://127.0.0.1:{server.server_address[1]}/slack/events")
    WebPage(slack_emulator, title="test").install()
    yield received
    server.shutdown()
    server.server_close()


def _post(emulator, path: str, body: dict) -> dict:
    return requests.post(emulator.url + path, json=body, timeout=10).json()


def _state(emulator, user: str, since: int = -1, wait: float = 0) -> dict:
    return requests.get(f"{emulator.url}/web/state", timeout=30,
                        params={"user": user, "since": since, "wait": wait}).json()


def test_the_page_and_its_assets_are_served(slack_emulator, app_requests):
    for path, kind in (("/", "text/html"), ("/web/page.js", "javascript"),
                       ("/web/page.css", "text/css")):
        answer = requests.get(slack_emulator.url + path, timeout=5)
        assert answer.status_code == 200 and kind in answer.headers["Content-Type"]
    assert requests.get(slack_emulator.url + "/nothing-here", timeout=5).status_code == 404


def test_a_slash_command_from_the_composer_reaches_the_app_signed(slack_emulator, app_requests):
    answer = _post(slack_emulator, "/web/send", {"user": PEOPLE.operator, "channel": C_SUPPORT,
                                                  "text": '/tobit add-user acme "Jane Doe"'})
    assert answer == {"ok": True, "status": 200}
    kind, command = app_requests[-1]
    assert kind == "command" and command["command"] == "/tobit"
    assert command["text"] == 'add-user acme "Jane Doe"' and command["user_id"] == PEOPLE.operator


def test_an_unknown_command_is_answered_by_slack_and_never_sent(slack_emulator, app_requests):
    _post(slack_emulator, "/web/send", {"user": PEOPLE.operator, "channel": C_SUPPORT,
                                        "text": "/deploy prod"})
    assert app_requests == []
    notice = _state(slack_emulator, PEOPLE.operator)["ephemerals"][-1]
    assert "`/deploy` is not a valid command" in notice["text"] and notice["source"] == "slack"


def test_ephemeral_messages_are_shown_to_their_user_only(slack_emulator, app_requests):
    slack_emulator.workspace.conversations.post_ephemeral(C_SUPPORT, PEOPLE.operator,
                                                          "New password: secret", [])
    assert [e["text"] for e in _state(slack_emulator, PEOPLE.operator)["ephemerals"]] == [
        "New password: secret"]
    assert _state(slack_emulator, PEOPLE.approver)["ephemerals"] == []


def test_reactions_and_buttons_reach_the_app_as_events_and_block_actions(slack_emulator,
                                                                          app_requests):
    message = slack_emulator.post_as_user(PEOPLE.operator, C_SUPPORT, "needs approval", APPROVE)
    where = {"user": PEOPLE.approver, "channel": C_SUPPORT, "ts": message.ts}
    _post(slack_emulator, "/web/react", {**where, "name": "white_check_mark", "add": True})
    _post(slack_emulator, "/web/react", {**where, "name": "white_check_mark", "add": False})
    _post(slack_emulator, "/web/click", {**where, "action_id": "approve",
                                         "block_id": "decision"})
    kinds = [(kind, payload["type"]) for kind, payload in app_requests]
    assert kinds == [("event", "reaction_added"), ("event", "reaction_removed"),
                     ("interaction", "block_actions")]
    assert app_requests[2][1]["actions"][0]["value"] == "req-1"
    assert slack_emulator.reactions(C_SUPPORT, message.ts) == {}


def test_refusals_come_back_with_slacks_error_code(slack_emulator, app_requests):
    message = slack_emulator.post_as_user(PEOPLE.operator, C_SUPPORT, "hello")
    where = {"user": PEOPLE.approver, "channel": C_SUPPORT, "ts": message.ts, "name": "eyes"}
    assert _post(slack_emulator, "/web/react", {**where, "add": False}) == {
        "ok": False, "error": "no_reaction"}
    form = requests.post(slack_emulator.url + "/web/send", data={"user": "U_OPERATOR"}, timeout=5)
    assert form.status_code == 415   # a cross-site form post is refused


def test_the_state_long_poll_returns_when_the_workspace_changes(slack_emulator, app_requests):
    version = _state(slack_emulator, PEOPLE.operator)["version"]
    threading.Timer(0.2, slack_emulator.post_as_user,
                    (PEOPLE.operator, C_SUPPORT, "a new message")).start()
    changed = _state(slack_emulator, PEOPLE.operator, since=version, wait=20)
    assert changed["version"] > version
    assert [m["text"] for m in changed["messages"]] == ["a new message"]
