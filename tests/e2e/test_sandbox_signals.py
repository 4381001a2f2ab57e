"""The sandbox leaves nothing running however it ends: a closed terminal (SIGHUP), a kill, or a
Ctrl-C during the first run's Samba provisioning, after which the data dir still works."""

from __future__ import annotations

import os
import shutil
import signal
import time

import pytest

from tests.e2e.sandbox_run import SandboxRun, is_running, processes_using
from tobitbot.sandbox_stack import why_no_samba

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _servers():
    if shutil.which("redis-server") is None or why_no_samba() is not None:
        pytest.skip("the sandbox needs redis-server and samba (as root): "
                    "run scripts/install-system.sh")


def _commands(pids) -> set[str]:
    names = set()
    for pid in pids:
        try:
            names.add(open(f"/proc/{pid}/comm").read().strip())
        except OSError:
            continue
    return names


def _gone(pids, seconds: float = 60.0) -> list[int]:
    """Those of `pids` still running once they had `seconds` to stop (a failsafe, not a limit
    under test)."""
    deadline = time.monotonic() + seconds
    while (left := [pid for pid in pids if is_running(pid)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def _kill(pids) -> None:
    """After a failed test: the processes this test's sandbox started, and only those."""
    for pid in pids:
        if is_running(pid):
            os.kill(pid, signal.SIGKILL)


def test_a_closed_terminal_sighup_stops_everything(tmp_path):
    run = SandboxRun(tmp_path / "data").start().wait_ready()
    started = run.descendants()
    try:
        assert {"redis-server", "samba"} <= _commands(started)
        assert set(processes_using(run.data_dir)) >= started - {run.proc.pid}
        run.proc.send_signal(signal.SIGHUP)
        assert run.proc.wait(60) == 0
        assert [pid for pid in started if is_running(pid)] == []
        assert processes_using(run.data_dir) == []
        assert "SIGHUP received, stopping" in run.output() and "sandbox: stopped" in run.output()
    finally:
        run.stop()
        _kill(started)


def test_a_killed_sandbox_takes_its_servers_along(tmp_path):
    run = SandboxRun(tmp_path / "data").start().wait_ready()
    started = run.descendants()
    try:
        assert {"redis-server", "samba"} <= _commands(started)
        run.proc.kill()
        run.proc.wait()
        assert _gone(started) == []
        assert _gone(processes_using(run.data_dir)) == []
    finally:
        _kill(started | set(processes_using(run.data_dir)))


def test_ctrl_c_during_the_first_provisioning_leaves_a_data_dir_that_works(tmp_path):
    data = tmp_path / "data"
    run = SandboxRun(data, terminal=True).start()
    try:
        while "samba-tool" not in _commands(run.descendants()):
            if run.proc.poll() is not None:
                pytest.fail(run.output())
            time.sleep(0.02)
        assert run.ctrl_c() == 130          # the terminal's SIGINT reached the whole group
        assert "could not start" not in run.output()
        assert processes_using(data) == []
    finally:
        run.stop()
    again = SandboxRun(data).start().wait_ready()
    try:
        assert "provisioning" not in again.output()     # the domain was finished, not cut short
    finally:
        again.stop()
