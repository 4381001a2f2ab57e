"""`tobitbot sandbox` as a person runs it: Ctrl-C stops every process it started."""

from __future__ import annotations

import shutil
import socket
import urllib.request
from urllib.parse import urlsplit

import pytest

from tests.e2e.sandbox_run import SandboxRun, is_running
from tobitbot.sandbox_stack import has_samba

pytestmark = pytest.mark.e2e


@pytest.fixture
def sandbox(tmp_path):
    if shutil.which("redis-server") is None or not has_samba():
        pytest.skip("the sandbox needs redis-server and samba: run scripts/install-system.sh")
    run = SandboxRun(tmp_path / "data").start().wait_ready()
    yield run
    run.stop()


def _answers(url: str) -> bool:
    address = urlsplit(url)
    try:
        with socket.create_connection((address.hostname, address.port), timeout=1):
            return True
    except OSError:
        return False


def test_ctrl_c_stops_every_process_the_sandbox_started(sandbox):
    with urllib.request.urlopen(sandbox.bot_url + "/healthz", timeout=5) as answer:
        assert answer.status == 200
    with urllib.request.urlopen(sandbox.web_url, timeout=5) as answer:
        assert b"<title>" in answer.read()
    started = sandbox.descendants()
    commands = {open(f"/proc/{pid}/comm").read().strip() for pid in started if is_running(pid)}
    # the real servers and the bot's own processes, not just one of them
    assert {"redis-server", "samba", "kamailio"} <= commands or not shutil.which("kamailio")
    assert len(started) >= 5

    assert sandbox.interrupt() == 0

    assert [pid for pid in started if is_running(pid)] == []
    assert not _answers(sandbox.web_url) and not _answers(sandbox.bot_url)
    assert "sandbox: stopped" in sandbox.output()


def test_data_dir_keeps_the_domain_and_the_demo_customer_between_runs(sandbox, tmp_path):
    assert sandbox.interrupt() == 0
    data = tmp_path / "data"
    assert (data / "samba" / "private" / "sam.ldb").exists()
    again = SandboxRun(data).start().wait_ready()
    try:
        assert "provisioning a Samba AD domain" not in again.output()
        assert (data / "ad-admin.txt").read_text().count("password = ") == 1
    finally:
        again.stop()
