"""The servers' launcher: a server outlives neither a Ctrl-C at the terminal nor a killed sandbox.

A server leads a session of its own (the terminal's SIGINT reaches only the launcher, which stops
it in order), and the kernel sends it SIGTERM once the process that started it is gone.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tests.e2e.sandbox_run import ROOT, is_running

pytestmark = pytest.mark.integration

LAUNCHER = """
import sys, time
from pathlib import Path
from tobitbot.servers.process import spawn
server = spawn(["sleep", "600"], Path(sys.argv[1]))
print(server.pid, flush=True)
time.sleep(600)
"""


def _wait_until_gone(pid: int, deadline_s: float = 30.0) -> bool:
    deadline = time.monotonic() + deadline_s
    while is_running(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_server_is_stopped_when_the_process_that_started_it_is_killed(tmp_path):
    launcher = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(tmp_path / "server.log")],
                                stdout=subprocess.PIPE, text=True, cwd=ROOT)
    server = int(launcher.stdout.readline())
    try:
        assert is_running(server) and os.getsid(server) == server   # a session of its own
        launcher.kill()
        launcher.wait()
        assert _wait_until_gone(server), "the server outlived its killed launcher"
    finally:
        if is_running(server):
            os.kill(server, 9)
        launcher.stdout.close()
