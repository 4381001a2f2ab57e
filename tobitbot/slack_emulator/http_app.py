"""The emulator's HTTP face, free of sockets: a request value in, a response value out.

Routes are prefixes, so a browser page can be added later with `add_route("/", ...)` without
touching the Web API or response_url handling.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Callable

from tobitbot.slack_emulator.methods_chat import METHODS as CHAT_METHODS
from tobitbot.slack_emulator.methods_workspace import METHODS as WORKSPACE_METHODS
from tobitbot.slack_emulator.outage import Outages
from tobitbot.slack_emulator.params import decode
from tobitbot.slack_emulator.response_urls import ResponseUrls
from tobitbot.slack_emulator.state import SlackError
from tobitbot.slack_emulator.workspace import Workspace

METHODS = {**CHAT_METHODS, **WORKSPACE_METHODS}


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]  # names in lower case
    body: bytes


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, document: object, status: int = 200, **headers: str) -> "HttpResponse":
        return cls(status, json.dumps(document).encode(),
                   {"Content-Type": "application/json; charset=utf-8", **headers})


Route = Callable[[HttpRequest], HttpResponse]


class EmulatorApp:
    def __init__(self, ws: Workspace, bot_token: str, response_urls: ResponseUrls) -> None:
        self._ws = ws
        self._bot_token = bot_token
        self._response_urls = response_urls
        self.outages = Outages(ws.state)
        self._routes: list[tuple[str, Route]] = [("/api/", self.web_api),
                                                 (ResponseUrls.PATH, self.response_url)]

    def add_route(self, prefix: str, route: Route) -> None:
        """Serve paths under `prefix`; the longest matching prefix wins."""
        self._routes.append((prefix, route))

    def handle(self, request: HttpRequest) -> HttpResponse:
        matches = [(prefix, route) for prefix, route in self._routes
                   if request.path.startswith(prefix)]
        if not matches:
            return HttpResponse(404, b"not found", {"Content-Type": "text/plain"})
        return max(matches, key=lambda match: len(match[0]))[1](request)

    def web_api(self, request: HttpRequest) -> HttpResponse:
        method = request.path.removeprefix("/api/")
        try:
            params = decode(request.headers.get("content-type", ""), request.body, request.query)
        except SlackError as refusal:
            return self._answer(method, {}, 200, {"ok": False, "error": refusal.code})
        token = _bearer(request.headers.get("authorization", "")) or params.pop("token", None)
        params.pop("token", None)
        if not token:
            return self._answer(method, params, 200, {"ok": False, "error": "not_authed"})
        if token != self._bot_token:
            return self._answer(method, params, 200, {"ok": False, "error": "invalid_auth"})
        delay = self._ws.calls.delay_for(method)
        if delay:   # a slow Slack: the caller waits, as it would on the network
            time.sleep(delay)
        outage = self.outages.refusal(method, params)
        if outage is not None:
            return self._answer(method, params, outage[0], outage[1], outage[2])
        retry_after = self._ws.calls.take_rate_limit(method)
        if retry_after is not None:
            return self._answer(method, params, 429, {"ok": False, "error": "ratelimited"},
                                {"Retry-After": str(retry_after)})
        error = self._ws.calls.take_failure(method, params)
        if error is not None:
            return self._answer(method, params, 200, {"ok": False, "error": error})
        handler = METHODS.get(method)
        if handler is None:
            return self._answer(method, params, 200, {"ok": False, "error": "unknown_method"})
        try:
            answer = {"ok": True, **handler(self._ws, params)}
        except SlackError as refusal:
            answer = {"ok": False, "error": refusal.code}
        return self._answer(method, params, 200, answer)

    def _answer(self, method: str, params: dict, status: int, answer: dict,
                headers: dict[str, str] | None = None) -> HttpResponse:
        self._ws.calls.record(method, params, status, answer["ok"], answer.get("error"))
        return HttpResponse.json(answer, status, **(headers or {}))

    def response_url(self, request: HttpRequest) -> HttpResponse:
        token = request.path.removeprefix(ResponseUrls.PATH)
        if request.method != "POST":
            return HttpResponse(405, b"method not allowed", {"Content-Type": "text/plain"})
        try:
            payload = json.loads(request.body or b"{}")
            if not isinstance(payload, dict):
                raise ValueError("not an object")
        except ValueError:
            self._ws.calls.record("response_url", {}, 400, False, "invalid_payload")
            return HttpResponse.json({"ok": False, "error": "invalid_payload"}, 400)
        try:
            self._response_urls.respond(token, payload)
        except SlackError as refusal:
            status = 404 if refusal.code in ("no_service", "used_url") else 400
            self._ws.calls.record("response_url", payload, status, False, refusal.code)
            return HttpResponse.json({"ok": False, "error": refusal.code}, status)
        self._ws.calls.record("response_url", payload, 200, True)
        return HttpResponse.json({"ok": True})


def _bearer(authorization: str) -> str | None:
    scheme, _, credentials = authorization.partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" and credentials.strip() else None
