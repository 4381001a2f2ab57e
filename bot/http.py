"""Serves the Bolt app over HTTP in production: WSGI under gunicorn (threads, one process).

Bolt's `app.start()` is a development server; this is what `tobitbot serve` runs. In front of
Bolt stands `SlackDoor`, which lets only signed, well-formed requests of a bounded size through.
"""

from __future__ import annotations

import sys
from typing import Callable

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.slack_door import EVENTS_PATH, REFUSED, SlackDoor

# gunicorn's default access line plus why the door refused ("-" for a request it let through)
ACCESS_LOG_FORMAT = ('%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" '
                     f'%({{{REFUSED}}}e)s')


def wsgi_app(app: App, signing_secret: str) -> Callable:
    door = SlackDoor(SlackRequestHandler(app, path=EVENTS_PATH), signing_secret)

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
