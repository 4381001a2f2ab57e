"""Run the simulator in-process on a loopback port, optionally with TLS (tests, sandbox)."""

from __future__ import annotations

import logging
import ssl
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

from tobitbot.tobit_simulator.handler import SimulatorHandler
from tobitbot.tobit_simulator.store import StateStore

log = logging.getLogger("tobitbot.tobit_simulator")
STATE_FILE = "tobit-simulator-state.json"


class SimulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], store: StateStore, token: str):
        super().__init__(address, SimulatorHandler)
        self.store = store
        self.token = token


def build_server(host: str, port: int, state: Path, token: str, cert: Path | None = None,
                 key: Path | None = None) -> SimulatorHTTPServer:
    """A bound, not yet serving simulator; wraps the socket in TLS when given cert and key."""
    if not token:
        raise ValueError("the simulator needs a bearer token")
    server = SimulatorHTTPServer((host, port), StateStore(state), token)
    if cert is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(cert, key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    return server


def banner(server: SimulatorHTTPServer, state: Path) -> str:
    scheme = "https" if isinstance(server.socket, ssl.SSLSocket) else "http"
    host, port = server.server_address[:2]
    return (f"TOBIT SIMULATOR (not a real Tobit server) listening on {scheme}://{host}:{port}/<slug> "
            f"- state {state}")


class TobitSimulator:
    """A simulator on a thread: `TobitSimulator(dir, token).start()`, then `.url_for(slug)`."""

    def __init__(self, data_dir: Path, token: str, port: int = 0, host: str = "127.0.0.1",
                 cert: Path | None = None, key: Path | None = None):
        self.data_dir = Path(data_dir)
        self.token = token
        self.port = port
        self.host = host
        self.cert = cert
        self.key = key
        self._server: SimulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def state_file(self) -> Path:
        return self.data_dir / STATE_FILE

    @property
    def url(self) -> str:
        """The root URL; a customer's base URL is `url_for(slug)`."""
        scheme = "https" if self.cert else "http"
        return f"{scheme}://{self.host}:{self.port}"

    def url_for(self, slug: str) -> str:
        """The base URL of one customer's simulated server (what its tobit_url would be)."""
        return f"{self.url}/{slug}"

    def start(self) -> "TobitSimulator":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._server = build_server(self.host, self.port, self.state_file, self.token,
                                    self.cert, self.key)
        self.port = self._server.server_address[1]
        log.info(banner(self._server, self.state_file))
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="tobit-simulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)
        self._server = self._thread = None
        log.info("TOBIT SIMULATOR stopped")
