"""Serves the Bolt app over HTTP in production: WSGI under gunicorn (threads, one process).

Bolt's `app.start()` is a development server; this is what `tobitbot serve` runs.
"""

from __future__ import annotations

import sys
from typing import Callable

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

EVENTS_PATH = "/slack/events"


def wsgi_app(app: App) -> Callable:
    handler = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ, start_response):
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok\n"]
        return handler(environ, start_response)

    return application


class GunicornServer(BaseApplication):
    """gunicorn with the app built after start-up (`load`), so nothing connects at import."""

    def __init__(self, build: Callable[[], Callable], host: str, port: int, threads: int = 8,
                 on_hangup: Callable[[], bool] | None = None):
        self._build = build
        self._on_hangup = on_hangup
        self._options = {"bind": f"{host}:{port}", "workers": 1, "worker_class": "gthread",
                         "threads": threads, "timeout": 30, "accesslog": "-", "loglevel": "info"}
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
