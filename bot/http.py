"""Serves the Bolt app over HTTP in production: WSGI under gunicorn (threads, one process).

Bolt's `app.start()` is a development server; this is what `tobitbot serve` runs. In front of
Bolt stands `SlackDoor`, which lets only signed, well-formed requests of a bounded size through,
and Bolt is given the body as the door read it (`DoorRequest`).
"""

from __future__ import annotations

import sys
from typing import Any, Callable

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request.internals import build_context

from bot.slack_door import EVENTS_PATH, REFUSED, SlackDoor, parse_body

# gunicorn's default access line plus why the door refused ("-" for a request it let through)
ACCESS_LOG_FORMAT = ('%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" '
                     f'%({{{REFUSED}}}e)s')


class DoorRequest(BoltRequest):
    """A BoltRequest whose body is parsed by the door's `parse_body`, not Bolt's.

    Bolt's parser turns a form body that merely contains "payload" into {}, so the slash command
    `/tobit help payload` reached no handler (Bolt answered 404, the person saw a Slack error).
    Signature checks still run on the raw body, which is kept as it came.
    """

    def __init__(self, *, body: str, query: Any = None, headers: Any = None,
                 context: dict[str, Any] | None = None):
        super().__init__(body=body, query=query, headers=headers, context=context)
        self.body = parse_body(self.raw_body, (self.content_type or "").strip() or None)
        self.context = build_context(self.context, self.body)

    def to_copyable(self) -> BoltRequest:   # as Bolt's, which would parse the body its way
        return DoorRequest(body=self.raw_body, query=self.query, headers=dict(self.headers),
                           context=self.context.to_copyable())


class DoorHandler(SlackRequestHandler):
    """Bolt's WSGI adapter, building a DoorRequest."""

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        return self.app.dispatch(DoorRequest(body=request.get_body(), query=request.query_string,
                                             headers=request.get_headers()))


def wsgi_app(app: App, signing_secret: str) -> Callable:
    door = SlackDoor(DoorHandler(app, path=EVENTS_PATH), signing_secret)

    def application(environ, start_response):
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok\n"]
        return door(environ, start_response)

    return application


class GunicornServer(BaseApplication):
    """gunicorn with the app built after start-up (`load`), so nothing connects at import."""

    def __init__(self, build: Callable[[], Callable], host: str, port: int, threads: int = 8,
                 on_hangup: Callable[[], bool] | None = None):
        self._build = build
        self._on_hangup = on_hangup
        self._options = {"bind": f"{host}:{port}", "workers": 1, "worker_class": "gthread",
                         "threads": threads, "timeout": 30, "accesslog": "-", "loglevel": "info",
                         "access_log_format": ACCESS_LOG_FORMAT}
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Callable:
        return self._build()

    def run(self) -> None:
        try:
            HangupArbiter(self, self._on_hangup).run()
        except RuntimeError as exc:  # as gunicorn's own run(): a bad bind, say
            print(f"\nError: {exc}\n", file=sys.stderr)
            sys.exit(1)


class HangupArbiter(Arbiter):
    """gunicorn's master; on SIGHUP it first asks `on_hangup` whether new workers are wanted.

    gunicorn answers SIGHUP by forking new workers from the master, which take the master's
    memory: `on_hangup` reloads what the master holds (the policy) and says whether it changed
    anything. When it refuses (a bad policy file) the workers keep running as they are.
    """

    def __init__(self, app: BaseApplication, on_hangup: Callable[[], bool] | None):
        self._on_hangup = on_hangup
        super().__init__(app)

    def handle_hup(self) -> None:
        if self._on_hangup is None or self._on_hangup():
            super().handle_hup()
        else:
            self.log.warning("Hang up refused: the workers keep running as they are")
