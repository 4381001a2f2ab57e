"""Serve an EmulatorApp over real HTTP on loopback, one thread per request."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from tobitbot.slack_emulator.http_app import EmulatorApp, HttpRequest

MAX_BODY = 10 * 1024 * 1024


class EmulatorHttpServer:
    def __init__(self, app: EmulatorApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = ThreadingHTTPServer((host, port), _handler_for(app))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def start(self) -> None:
        # A short poll interval, so stop() returns at once instead of after half a second.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name=f"slack-emulator:{self.port}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)


def _handler_for(app: EmulatorApp) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "SlackEmulator/1"

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self.send_error(413)
                return
            url = urlsplit(self.path)
            request = HttpRequest(method=self.command, path=url.path, query=url.query,
                                  headers={k.lower(): v for k, v in self.headers.items()},
                                  body=self.rfile.read(length) if length else b"")
            response = app.handle(request)
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # every call is in the call log already; stderr noise hides test output

    return Handler
