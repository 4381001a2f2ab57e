"""The simulator as its own process: entry point, banner, TLS, state that survives a restart."""

from __future__ import annotations

import datetime
import ipaddress
import sys

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from commands.errors import PermanentBackendError
from tobitbot.servers.process import free_port, spawn, stop, wait_for_port
from tobitbot.tobit_simulator import TobitSimulator
from workers.tobit import TobitHttpClient

TOKEN = "process-test-token"


def self_signed(directory):
    """A certificate for 127.0.0.1 that is its own CA, so it can be the client's ca_file."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tobit-simulator")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(
                ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.fixture
def tls_simulator(tmp_path):
    """`python -m tobitbot.tobit_simulator` serving HTTPS; yields (base URL, CA file, log)."""
    cert, key = self_signed(tmp_path)
    port, log = free_port(), tmp_path / "simulator.log"
    proc = spawn([sys.executable, "-m", "tobitbot.tobit_simulator", "--port", str(port),
                  "--state", str(tmp_path / "state.json"), "--token", TOKEN,
                  "--cert", str(cert), "--key", str(key)], log)
    try:
        wait_for_port("127.0.0.1", port, 10, proc, log)
        yield f"https://127.0.0.1:{port}/acme", str(cert), log
    finally:
        stop(proc)


def test_the_process_serves_tls_and_says_it_is_a_simulator(tls_simulator):
    url, ca_file, log = tls_simulator
    client = TobitHttpClient(url, TOKEN, ca_file=ca_file)
    assert client.health()["simulator"] is True
    client.set_pool(5120)
    assert client.get_pool()["pool_mb"] == 5120
    text = log.read_text()
    assert "TOBIT SIMULATOR (not a real Tobit server) listening on https://127.0.0.1:" in text
    assert all("SIMULATOR" in line for line in text.splitlines() if line.strip())


def test_an_untrusted_certificate_is_a_permanent_error(tls_simulator):
    url, _, _ = tls_simulator
    with pytest.raises(PermanentBackendError, match="TLS"):
        TobitHttpClient(url, TOKEN, retries=0).health()


def test_a_plain_http_request_to_the_tls_port_gets_no_answer(tls_simulator):
    url, _, _ = tls_simulator
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url.replace("https://", "http://") + "/v1/health", timeout=2)


def test_state_survives_a_restart_and_servers_stay_apart(tmp_path):
    first = TobitSimulator(tmp_path, TOKEN).start()
    try:
        acme = TobitHttpClient(first.url_for("acme"), TOKEN)
        acme.set_pool(5120)
        acme.create_mailbox("jdoe", "Jane Doe", "jane@acme.de", idempotency_key="k1")
        acme.add_fax_route("+4930123456", "jdoe")
    finally:
        first.stop()
    again = TobitSimulator(tmp_path, TOKEN).start()
    try:
        acme = TobitHttpClient(again.url_for("acme"), TOKEN)
        other = TobitHttpClient(again.url_for("other"), TOKEN)
        assert acme.get_mailbox("jdoe")["mail"] == "jane@acme.de"
        assert acme.get_fax_route("+4930123456") == {"number": "+4930123456", "user": "jdoe"}
        assert other.get_mailbox("jdoe") is None and other.get_pool()["pool_mb"] == 0
        # the Idempotency-Key record survived too: same key, same answer, no second mailbox
        assert acme.create_mailbox("jdoe", "Jane Doe", "jane@acme.de",
                                   idempotency_key="k1")["user"] == "jdoe"
    finally:
        again.stop()
    assert not list(tmp_path.glob(".tobit-state.*"))  # no temporary file left behind
