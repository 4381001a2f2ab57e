"""TobitHttpClient against a scripted stub server: retries, timeouts, and error mapping."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from commands.errors import NotFound, PermanentBackendError, RetryableBackendError
from tobitbot.servers.process import free_port
from workers.tobit import TobitHttpClient, TobitServers


class Script:
    """Answers to give, in order (the last one repeats), and the requests seen."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.seen: list[tuple[str, str, dict]] = []


@pytest.fixture
def stub():
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            script.seen.append((self.command, self.path, dict(self.headers)))
            status, body, delay = (script.answers.pop(0) if len(script.answers) > 1
                                   else script.answers[0])
            time.sleep(delay)
            payload = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            kind = "application/problem+json" if status >= 400 else "application/json"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_PUT = do_POST = do_DELETE = _answer

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    script.url = f"http://127.0.0.1:{server.server_address[1]}/acme"
    yield script
    server.shutdown()
    server.server_close()


def problem(status, detail, rule=None):
    body = {"type": "urn:x", "title": "t", "status": status, "detail": detail}
    return (status, {**body, "rule": rule} if rule else body, 0)


def client(url, **options):
    return TobitHttpClient(url, "stub-token", backoff=0.01, **options)


def test_busy_answers_are_retried_with_the_same_idempotency_key(stub):
    stub.answers = [problem(503, "busy"), problem(502, "gateway"),
                    (201, {"archive_id": "a1", "user": "u", "mode": "export"}, 0)]
    assert client(stub.url).archive_mailbox("u", "export", idempotency_key="key-1")["archive_id"] == "a1"
    assert [s[2]["Idempotency-Key"] for s in stub.seen] == ["key-1"] * 3
    assert all(s[2]["Authorization"] == "Bearer stub-token" for s in stub.seen)


def test_busy_for_good_is_retryable(stub):
    stub.answers = [problem(503, "maintenance running")]
    with pytest.raises(RetryableBackendError, match="HTTP 503.*maintenance running"):
        client(stub.url, retries=2).get_pool()
    assert len(stub.seen) == 3


def test_a_refusal_is_permanent_with_the_problems_detail_and_rule(stub):
    stub.answers = [problem(409, "archive or export it first", "R19")]
    with pytest.raises(PermanentBackendError, match=r"HTTP 409.*archive or export it first \(R19\)"):
        client(stub.url).delete_mailbox("u")
    assert len(stub.seen) == 1  # a refusal is not retried


def test_missing_is_none_on_reads_and_done_on_deletes(stub):
    stub.answers = [problem(404, "no mailbox")]
    tobit = client(stub.url)
    assert tobit.get_mailbox("u") is None
    assert tobit.get_fax_route("+4930123") is None
    tobit.delete_mailbox("u")
    tobit.remove_fax_route("+4930123")
    with pytest.raises(PermanentBackendError, match="HTTP 404"):
        tobit.set_signature("u", "x")


def test_paths_keep_the_plus_of_e164_and_escape_names(stub):
    stub.answers = [(200, {"number": "+4930123", "user": "u"}, 0)]
    tobit = client(stub.url)
    tobit.get_fax_route("+4930123")
    tobit.get_mailbox("a/b")
    assert [s[1] for s in stub.seen] == ["/acme/v1/fax-routes/+4930123", "/acme/v1/mailboxes/a%2Fb"]


def test_a_slow_server_times_out_as_retryable(stub):
    stub.answers = [(200, {"pool_mb": 1, "used_mb": 0}, 1.0)]
    with pytest.raises(RetryableBackendError, match="Timeout|ConnectionError"):
        client(stub.url, timeout=0.2, retries=0).get_pool()


def test_nobody_listening_is_retryable():
    with pytest.raises(RetryableBackendError):
        client(f"http://127.0.0.1:{free_port()}", retries=1).health()


def test_an_answer_that_is_not_json_is_permanent(stub):
    stub.answers = [(200, None, 0)]
    with pytest.raises(PermanentBackendError, match="without JSON"):
        client(stub.url).get_pool()


def test_servers_resolve_each_customer_and_keep_the_token_out_of_sight():
    urls = {"acme": "http://127.0.0.1:1/acme/", "beta": "http://127.0.0.1:1/beta"}
    servers = TobitServers("secret-token", urls.get)
    acme = servers.for_customer("acme")
    assert acme.base_url == "http://127.0.0.1:1/acme"
    assert servers.for_customer("acme") is acme
    assert servers.for_customer("beta") is not acme
    assert "secret-token" not in repr(acme) + repr(servers)
    with pytest.raises(NotFound, match="tobit_url"):
        servers.for_customer("gamma")
