"""The HTTP face of the simulator: auth, routing, JSON bodies, problem+json, idempotency."""

from __future__ import annotations

import copy
import hmac
import json
import logging
from http.server import BaseHTTPRequestHandler
from typing import Any

from tobitbot.tobit_simulator import idempotency
from tobitbot.tobit_simulator.problems import Problem, bad_request, not_found, unauthorized
from tobitbot.tobit_simulator.routes import match, split_path
from tobitbot.tobit_simulator.server_model import ServerModel
from tobitbot.tobit_simulator.store import StateStore

log = logging.getLogger("tobitbot.tobit_simulator")
KEY_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-")


class SimulatorHandler(BaseHTTPRequestHandler):
    """One request against one virtual server; `server.store` and `server.token` are set."""

    server_version = "TobitSimulator/1.0"
    protocol_version = "HTTP/1.1"
    # headers and body go out in separate writes; with Nagle each keep-alive answer waits ~40 ms
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._handle("GET")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        raw = self._read_body()
        try:
            self._check_token()
            status, body, replayed = self._dispatch(method, raw)
        except Problem as problem:
            status, body, replayed = problem.status, problem.document(), False
        except Exception:  # a simulator bug must still answer, and loudly in the log
            log.exception("SIMULATOR tobit: internal error on %s %s", method, self.path)
            status, replayed = 500, False
            body = Problem(500, "internal", "Internal error", "simulator bug; see its log").document()
        self._send(status, body, replayed)

    def _dispatch(self, method: str, raw: bytes) -> tuple[int, Any, bool]:
        located = split_path(self.path)
        route, params, path_known = match(method, located[1]) if located else (None, {}, False)
        if route is None:
            if path_known:
                raise Problem(405, "method-not-allowed", "Method not allowed",
                              f"{method} is not allowed on {self.path}")
            raise not_found(f"no such resource: {self.path}")
        slug, segments = located
        body = self._json_body(raw) if method in ("PUT", "POST") else {}
        key = self.headers.get("Idempotency-Key")
        if key is not None and not (1 <= len(key) <= 128 and set(key) <= KEY_CHARS):
            raise bad_request("Idempotency-Key must be 1 to 128 characters of A-Z a-z 0-9 . _ : -")
        if method == "POST" and key is None:
            raise bad_request("POST needs an Idempotency-Key header, so a retry cannot act twice")
        store: StateStore = self.server.store  # type: ignore[attr-defined]
        with store.server(slug, write=route.writes) as state:
            print_ = idempotency.fingerprint(method, segments, raw)
            if key is not None and route.writes:
                stored = idempotency.replay(state, key, print_)
                if stored is not None:
                    return stored[0], stored[1], True
            status, result = route.operation(ServerModel(state), params, body)
            # a copy: the stored answer must not change when the mailbox changes later
            result = copy.deepcopy(result)
            if key is not None and route.writes:
                idempotency.remember(state, key, print_, status, result)
        return status, result, False

    def _check_token(self) -> None:
        header = self.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        expected: str = self.server.token  # type: ignore[attr-defined]
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(),
                                                                 expected.encode()):
            raise unauthorized()

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    @staticmethod
    def _json_body(raw: bytes) -> dict[str, Any]:
        try:
            body = json.loads(raw or b"null")
        except (ValueError, UnicodeDecodeError) as exc:
            raise bad_request(f"the body is not valid JSON: {exc}") from exc
        if not isinstance(body, dict):
            raise bad_request("the body must be a JSON object")
        return body

    def _send(self, status: int, body: Any, replayed: bool) -> None:
        payload = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("X-Tobit-Simulator", "true")
        if status == 401:
            self.send_header("WWW-Authenticate", 'Bearer realm="tobit-provisioning"')
        if replayed:
            self.send_header("Idempotent-Replayed", "true")
        if body is not None:
            kind = "application/problem+json" if status >= 400 else "application/json"
            self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
        log.info("SIMULATOR tobit %s - %s", self.address_string(), format % args)
