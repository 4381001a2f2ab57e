"""Serves the Bolt app over HTTP in production: WSGI under gunicorn (threads, one process).

Bolt's `app.start()` is a development server; this is what `tobitbot serve` runs.
"""

from __future__ import annotations

from typing import Callable

from gunicorn.app.base import BaseApplication
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

    def __init__(self, build: Callable[[], Callable], host: str, port: int, threads: int = 8):
        self._build = build
        self._options = {"bind": f"{host}:{port}", "workers": 1, "worker_class": "gthread",
                         "threads": threads, "timeout": 30, "accesslog": "-", "loglevel": "info"}
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Callable:
        return self._build()
