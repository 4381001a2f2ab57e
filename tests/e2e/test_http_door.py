"""The real `tobitbot serve` (gunicorn) at its door: what is not a signed, well-formed Slack
request of a sane size is refused before Bolt parses it, with one short log line, no traceback,
and without reading an oversized body into memory.

Only the door is under test, so the AD settings point at no server; the Slack emulator answers
the Web API calls of the requests that do get through.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import select
import socket
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import pytest
from cryptography.fernet import Fernet

from tests.fixtures.slack import populate
from tobitbot.servers.bot import BotProcesses
from tobitbot.slack_emulator import SlackEmulator

SECRET = "door-signing-secret-0123456789"
SLASH = urlencode({"command": "/tobit", "text": "help", "user_id": "U1", "channel_id": "C1",
                   "team_id": "T1", "response_url": "http://127.0.0.1:1/r", "trigger_id": "t"})
FORM = "application/x-www-form-urlencoded"
MALFORMED = {   # (body, content type, timestamp): what anyone on the internet can send
    "payload is not JSON": ("payload=not-json", FORM, None),
    "payload is malformed JSON": ("payload=" + '{"type": "block_actions", ', FORM, None),
    "payload is a JSON list": ("payload=[1, 2]", FORM, None),
    "body is malformed JSON": ('{"type": "event_callback", ', "application/json", None),
    "JSON on the slash endpoint": ('{"command": "/tobit", "text": "help"}', "application/json", None),
    "an event without its event": ('{"type": "event_callback", "event": 1}', "application/json", None),
    "a click without its user": ("payload=" + json.dumps({"type": "block_actions", "actions": []}),
                                 FORM, None),
    "timestamp is not a number": (SLASH, FORM, "12ab"),
}


@pytest.fixture(scope="module")
def serve(redis_server, tmp_path_factory):
    slack = populate(SlackEmulator("xoxb-door", SECRET).start())
    env = {
        "TOBITBOT_SLACK_BOT_TOKEN": "xoxb-door",
        "TOBITBOT_SLACK_SIGNING_SECRET": SECRET,
        "TOBITBOT_SLACK_API_URL": slack.api_url,
        "TOBITBOT_REDIS_URL": redis_server.url,
        "TOBITBOT_AD_URL": "ldaps://127.0.0.1:1",
        "TOBITBOT_AD_USER": "unused",
        "TOBITBOT_AD_PASSWORD": "unused",
        "TOBITBOT_AD_BASE_DN": "DC=unused",
        "TOBITBOT_SECRETS_KEY": Fernet.generate_key().decode(),
    }
    processes = BotProcesses(env, tmp_path_factory.mktemp("door"), workers=0).start()
    slack.set_request_url(processes.request_url)
    yield processes
    processes.stop()
    slack.stop()


def post(serve, body: bytes | str, headers: dict[str, str]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", serve.port, timeout=30)
    try:
        conn.request("POST", "/slack/events", body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def signed(body: str, content_type: str, timestamp: str | None = None) -> dict[str, str]:
    timestamp = timestamp or str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": "v0=" + digest}


def unsigned(content_type: str, timestamp: str | None = None) -> dict[str, str]:
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp or str(int(time.time())),
            "X-Slack-Signature": "v0=" + "0" * 64}


def log_after(serve, offset: int, until: str) -> str:
    """The serve log written since `offset`, once a line containing `until` is in it."""
    path = Path(serve.log_dir) / "serve.log"
    deadline = time.monotonic() + 20
    while True:
        with path.open("rb") as log:
            log.seek(offset)
            text = log.read().decode(errors="replace")
        if until in text or time.monotonic() > deadline:
            return text
        time.sleep(0.05)


def log_size(serve) -> int:
    return (Path(serve.log_dir) / "serve.log").stat().st_size


def health(serve, marker: str) -> None:
    """A request whose access log line marks a point in the log."""
    conn = http.client.HTTPConnection("127.0.0.1", serve.port, timeout=10)
    conn.request("GET", f"/healthz?{marker}")
    conn.getresponse().read()
    conn.close()


@pytest.mark.parametrize("case", MALFORMED)
def test_an_unsigned_malformed_request_is_refused_with_one_short_log_line(serve, case):
    body, content_type, timestamp = MALFORMED[case]
    offset = log_size(serve)
    for _ in range(200):
        status, _ = post(serve, body, unsigned(content_type, timestamp))
        assert status == (400 if timestamp else 401)
    health(serve, "after-" + case.replace(" ", "-"))
    log = log_after(serve, offset, "after-" + case.replace(" ", "-"))
    lines = [line for line in log.splitlines() if "/healthz" not in line]
    assert "Traceback" not in log and "Error" not in log
    assert len(lines) == 200                        # one line per request: the access line
    assert all("refused:" in line for line in lines)
    assert len(log.encode()) < 200 * 250


@pytest.mark.parametrize("case", [c for c in MALFORMED if MALFORMED[c][2] is None])
def test_a_signed_malformed_request_gets_400_not_a_traceback(serve, case):
    body, content_type, _ = MALFORMED[case]
    offset = log_size(serve)
    status, answer = post(serve, body, signed(body, content_type))
    marker = "signed-" + case.replace(" ", "-")
    health(serve, marker)
    assert "Traceback" not in log_after(serve, offset, marker)
    assert status == 400, answer


def test_a_signed_slash_command_still_gets_through(serve):
    status, _ = post(serve, SLASH, signed(SLASH, FORM))
    assert status == 200


def test_slacks_ssl_check_gets_through_when_signed(serve):
    body = urlencode({"ssl_check": "1", "token": "legacy-verification-token"})
    assert post(serve, body, signed(body, FORM))[0] == 200       # Bolt answers it 200
    assert post(serve, body, unsigned(FORM))[0] == 401


@pytest.mark.parametrize("fields", [
    {"text": "help payload"},                      # Bolt's parser took any "payload" for a payload
    {"text": 'add-user acme "Paula payload"'},
    {"channel_name": "payload-team"},
], ids=["text", "a name", "channel name"])
def test_a_form_that_merely_contains_payload_is_a_slash_command(serve, fields):
    body = urlencode({**dict(parse_qsl(SLASH)), **fields})
    status, answer = post(serve, body, signed(body, FORM))
    assert status == 200, answer        # not the door's 400, not Bolt's 404 for an empty body


def test_a_stale_or_forged_request_is_401(serve):
    assert post(serve, SLASH, signed(SLASH, FORM, timestamp="1000000000"))[0] == 401
    assert post(serve, SLASH, unsigned(FORM))[0] == 401
    assert post(serve, SLASH, {"Content-Type": FORM})[0] == 401


def _peak_kb(pid: int) -> int:
    """The worker's peak resident memory (VmHWM): it catches a body held even for a moment."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def _worker_pid(serve) -> int:
    children = Path(f"/proc/{serve.serve.pid}/task/{serve.serve.pid}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def _stream(serve, head: str, size: int, frame=lambda chunk: chunk, end: bytes = b"") -> bytes:
    """Send `head`, then a body of `size` bytes in 64 KB pieces (never built in memory) and
    `end`, until the server answers; the start of its answer."""
    chunk = b"x" * (64 * 1024)
    sock = socket.create_connection(("127.0.0.1", serve.port), timeout=30)
    sock.sendall(head.encode())
    answer, sent = b"", 0
    try:   # stream the body until the server has answered
        while sent < size:
            if select.select([sock], [], [], 0)[0]:
                answer = sock.recv(4096)
                break
            sock.sendall(frame(chunk))
            sent += len(chunk)
        if not answer:
            sock.sendall(end)
            answer = sock.recv(4096)
    except (BrokenPipeError, ConnectionResetError):
        pass
    finally:
        sock.close()
    return answer


def _head(length: str) -> str:
    return (f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: {FORM}\r\n{length}\r\n"
            f"X-Slack-Request-Timestamp: {int(time.time())}\r\nX-Slack-Signature: v0={'0' * 64}\r\n\r\n")


def _chunked(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def test_a_200_mb_body_is_refused_unread_and_the_worker_does_not_grow(serve):
    size = 200 * 1024 * 1024
    post(serve, SLASH, signed(SLASH, FORM))          # the worker has handled a request before
    worker = _worker_pid(serve)
    before = _peak_kb(worker)
    answer = _stream(serve, _head(f"Content-Length: {size}"), size)
    assert _peak_kb(worker) - before < 8 * 1024, f"peak grew by {(_peak_kb(worker) - before) // 1024} MB"
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert post(serve, SLASH, signed(SLASH, FORM))[0] == 200   # the worker serves on


def test_a_chunked_body_without_content_length_is_read_only_up_to_the_bound(serve):
    """No Content-Length to trust: the door reads at most MAX_BODY + 1 bytes, then says 413."""
    size = 200 * 1024 * 1024
    post(serve, SLASH, signed(SLASH, FORM))
    worker = _worker_pid(serve)
    before = _peak_kb(worker)
    answer = _stream(serve, _head("Transfer-Encoding: chunked"), size, frame=_chunked, end=b"0\r\n\r\n")
    assert _peak_kb(worker) - before < 8 * 1024, f"peak grew by {(_peak_kb(worker) - before) // 1024} MB"
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert post(serve, SLASH, signed(SLASH, FORM))[0] == 200


def test_a_small_chunked_signed_body_gets_through(serve):
    headers = signed(SLASH, FORM)
    conn = http.client.HTTPConnection("127.0.0.1", serve.port, timeout=30)
    try:   # an iterable body: http.client sends it chunked, with no Content-Length
        conn.request("POST", "/slack/events", body=iter([SLASH[:20].encode(), SLASH[20:].encode()]),
                     headers=headers, encode_chunked=True)
        response = conn.getresponse()
        assert response.status == 200, response.read()
        assert "Content-Length" not in headers
    finally:
        conn.close()
