"""A browser face for the emulated workspace: a minimal Slack at `/`, for the sandbox.

The page (web_page.html/.js/.css) polls `GET /web/state` (a long poll on the workspace's change
counter) and acts through three POSTs that call the emulator exactly as the tests do: a
composer line starting with `/` becomes a signed slash command, a reaction a signed
`reaction_added`/`reaction_removed` event, a button a signed `block_actions` payload. Plain
messages are posted as the user (the bot subscribes to no message events, so Slack would not
tell it either). The POSTs take JSON only: a browser sends no cross-site JSON without a CORS
preflight, which this server never grants.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import parse_qs

from tobitbot.slack_emulator.http_app import HttpRequest, HttpResponse
from tobitbot.slack_emulator.state import SlackError

if TYPE_CHECKING:
    from tobitbot.slack_emulator.emulator import SlackEmulator

STATIC = {"/": ("web_page.html", "text/html; charset=utf-8"),
          "/web/page.js": ("web_page.js", "text/javascript; charset=utf-8"),
          "/web/page.css": ("web_page.css", "text/css; charset=utf-8")}
LONG_POLL = 20.0
NO_STORE = {"Cache-Control": "no-store"}


class WebPage:
    def __init__(self, emulator: "SlackEmulator", commands: tuple[str, ...] = ("/tobit",),
                 title: str = "Slack emulator", notice: str = "",
                 shortcuts: tuple[tuple[str, str], ...] = ()) -> None:
        """`shortcuts`: the app's global shortcuts as (callback_id, name), for the menu."""
        self._emulator = emulator
        self._ws = emulator.workspace
        self._commands = commands
        self._shortcuts = shortcuts
        self._title = title
        self._notice = notice
        self._actions: dict[str, Callable[[dict], Any]] = {
            "/web/send": self._send, "/web/react": self._react, "/web/click": self._click,
            "/web/home": self._home, "/web/shortcut": self._shortcut,
            "/web/view-click": self._view_click, "/web/submit": self._submit,
            "/web/close": self._close}

    def install(self) -> "WebPage":
        self._emulator.app.add_route("/", self.handle)
        return self

    def handle(self, request: HttpRequest) -> HttpResponse:
        if request.method == "GET" and request.path in STATIC:
            name, content_type = STATIC[request.path]
            body = resources.files(__package__).joinpath(name).read_bytes()
            return HttpResponse(200, body, {"Content-Type": content_type, **NO_STORE})
        if request.method == "GET" and request.path == "/web/state":
            query = {k: v[-1] for k, v in parse_qs(request.query).items()}
            try:
                since, wait = int(query.get("since", -1)), float(query.get("wait", LONG_POLL))
            except ValueError:
                return HttpResponse.json({"ok": False, "error": "invalid_arguments"}, 400)
            return HttpResponse.json(self.state(query.get("user", ""), since, wait), **NO_STORE)
        action = self._actions.get(request.path)
        if action is None:
            return HttpResponse(404, b"not found", {"Content-Type": "text/plain"})
        if request.method != "POST" or not request.headers.get("content-type", "").startswith(
                "application/json"):
            return HttpResponse.json({"ok": False, "error": "json_post_only"}, 415)
        try:
            return HttpResponse.json({"ok": True, **(action(json.loads(request.body)) or {})})
        except (SlackError, ValueError, KeyError, TypeError) as refusal:
            code = refusal.code if isinstance(refusal, SlackError) else str(refusal)
            return HttpResponse.json({"ok": False, "error": code}, 400)

    # ---- what the page shows -------------------------------------------------------------

    def state(self, user_id: str, since: int, wait: float) -> dict:
        """Everything `user_id` sees, once the workspace changed after version `since`."""
        version = self._ws.state.wait_for_change(since, min(max(wait, 0.0), LONG_POLL))
        directory, conversations = self._ws.directory, self._ws.conversations
        groups = directory.usergroups()
        users = [{"id": u.id, "name": u.name, "real_name": u.real_name or u.name,
                  "is_bot": u.is_bot,
                  "groups": [g.handle for g in groups if u.id in g.members]}
                 for u in directory.users() if not u.deleted]
        channels = [{"id": c.id, "name": c.name, "is_im": c.is_im}
                    for c in directory.channels() if not c.is_im or c.user == user_id]
        messages = [{**m.to_slack(), "channel": c["id"]} for c in channels
                    for m in conversations.messages(c["id"], include_thread_replies=True)]
        ephemerals = [{**e.to_slack(), "channel": e.channel, "thread_ts": e.thread_ts,
                       "source": e.source}
                      for e in conversations.ephemerals(user=user_id)] if user_id else []
        bot = self._ws.identity
        views = [v.to_slack(bot.team_id, bot.app_id, bot.bot_id)
                 for v in self._ws.surfaces.views(user=user_id)] if user_id else []
        return {"version": version, "title": self._title, "notice": self._notice,
                "bot_user_id": bot.bot_user_id, "commands": list(self._commands),
                "shortcuts": [{"callback_id": c, "name": n} for c, n in self._shortcuts],
                "users": users, "channels": channels, "messages": messages,
                "ephemerals": ephemerals, "views": views}

    # ---- what a person does ----------------------------------------------------------------

    def _send(self, body: dict) -> dict:
        user, channel, text = body["user"], body["channel"], str(body["text"]).strip()
        if not text:
            raise ValueError("empty message")
        if text.startswith("/"):
            command, _, rest = text.partition(" ")
            if command not in self._commands:
                self._ws.directory.user(user)
                self._ws.conversations.post_ephemeral(
                    self._ws.directory.channel(channel).id, user,
                    f"`{command}` is not a valid command.", [], source="slack")
                return {"status": None}
            result = self._emulator.slash_command(user, channel, command, rest.strip())
            return {"status": result.status}
        message = self._emulator.post_as_user(user, channel, text,
                                              thread_ts=body.get("thread_ts") or None)
        return {"ts": message.ts}

    def _react(self, body: dict) -> dict:
        react = self._emulator.reaction_added if body.get("add", True) else \
            self._emulator.reaction_removed
        result = react(body["user"], body["channel"], body["ts"], body["name"])
        return {"status": result.status}

    def _click(self, body: dict) -> dict:
        result = self._emulator.block_action(body["user"], body["channel"], body["ts"],
                                             body["action_id"], body.get("value"),
                                             body.get("block_id"))
        return {"status": result.status}

    def _home(self, body: dict) -> dict:
        return {"status": self._emulator.app_home_opened(body["user"]).status}

    def _shortcut(self, body: dict) -> dict:
        return {"status": self._emulator.shortcut(body["user"], body["callback_id"]).status}

    def _view_click(self, body: dict) -> dict:
        result = self._emulator.view_action(body["user"], body["view_id"], body["action_id"])
        return {"status": result.status}

    def _submit(self, body: dict) -> dict:
        """Submit a modal; a refusal's field errors come back for the page to show."""
        result = self._emulator.view_submission(body["user"], body["view_id"], body["values"])
        answer = {"status": result.status}
        if result.status == 200 and result.body.strip().startswith("{"):
            ack = json.loads(result.body)
            if ack.get("response_action") == "errors":
                answer["errors"] = ack.get("errors", {})
        return answer

    def _close(self, body: dict) -> dict:
        view = self._ws.surfaces.view(body["view_id"])
        if view.user != body["user"]:
            raise SlackError("not_found")
        self._ws.surfaces.close(view.id)
        return {}
