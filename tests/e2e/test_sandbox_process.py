"""`tobitbot sandbox` as a person runs it: Ctrl-C stops every process it started."""

from __future__ import annotations

import json
import shutil
import socket
import time
import urllib.request
from urllib.parse import urlsplit

import pytest

from tests.e2e.sandbox_run import SandboxRun, is_running, processes_using
from tobitbot.sandbox_stack import why_no_samba

pytestmark = pytest.mark.e2e


@pytest.fixture
def sandbox(tmp_path):
    if shutil.which("redis-server") is None or why_no_samba() is not None:
        pytest.skip("the sandbox needs redis-server and samba (as root): "
                    "run scripts/install-system.sh")
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
    assert processes_using(sandbox.data_dir) == []
    assert not _answers(sandbox.web_url) and not _answers(sandbox.bot_url)
    assert "sandbox: stopped" in sandbox.output()


def test_ctrl_c_while_starting_stops_what_was_started_so_far(tmp_path):
    if shutil.which("redis-server") is None or why_no_samba() is not None:
        pytest.skip("the sandbox needs redis-server and samba (as root): "
                    "run scripts/install-system.sh")
    run = SandboxRun(tmp_path / "data").start()
    try:
        while "provisioning a Samba AD domain" not in run.output():   # Redis, Kamailio are up
            if run.proc.poll() is not None:
                pytest.fail(run.output())
            time.sleep(0.05)
        assert processes_using(run.data_dir) != []
        assert run.interrupt() == 130
        assert processes_using(run.data_dir) == []
        assert "tobitbot sandbox is running" not in run.output()
    finally:
        run.stop()


def test_data_dir_keeps_the_domain_and_the_slack_history_between_runs(sandbox, tmp_path):
    _send(sandbox, "U_OPERATOR", "remember me")
    assert sandbox.interrupt() == 0
    data = tmp_path / "data"
    assert (data / "samba" / "private" / "sam.ldb").exists()
    again = SandboxRun(data).start().wait_ready()
    try:
        assert "provisioning a Samba AD domain" not in again.output()
        assert (data / "ad-admin.txt").read_text().count("password = ") == 1
        assert "remember me" in [m["text"] for m in _state(again, "U_OPERATOR")["messages"]]
    finally:
        again.stop()


def _state(run: SandboxRun, user: str) -> dict:
    with urllib.request.urlopen(f"{run.web_url}web/state?user={user}&wait=5", timeout=10) as answer:
        return json.load(answer)


def _send(run: SandboxRun, user: str, text: str) -> None:
    """What the composer does: slash commands and plain messages alike."""
    body = json.dumps({"user": user, "channel": "C_SUPPORT", "text": text}).encode()
    urllib.request.urlopen(urllib.request.Request(
        run.web_url + "web/send", body, {"Content-Type": "application/json"}), timeout=10)


def test_without_samba_the_sandbox_says_so_and_works_on_a_simulated_directory(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("the sandbox needs redis-server: run scripts/install-system.sh")
    run = SandboxRun(tmp_path / "data", options=("--simulated-directory",)).start()
    try:
        run.wait_ready()
        assert "Active Directory is SIMULATED" in run.output()
        commands = {open(f"/proc/{pid}/comm").read().strip() for pid in run.descendants()}
        assert "samba" not in commands
        _send(run, "U_OPERATOR", '/tobit add-user acme "Jane Doe"')
        deadline = time.monotonic() + 60
        while not any(m["text"].startswith(":white_check_mark: Done")
                      for m in _state(run, "U_OPERATOR")["messages"]):
            if time.monotonic() > deadline:
                pytest.fail("add-user did not finish:\n" + run.output())
            time.sleep(0.2)
        stored = json.loads((tmp_path / "data" / "directory-simulator.json").read_text())
        assert stored["acme"]["users"]["jdoe"]["enabled"] is True
        assert any("New password for `jdoe`" in e["text"]
                   for e in _state(run, "U_OPERATOR")["ephemerals"])
    finally:
        run.stop()
