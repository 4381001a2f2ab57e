"""A pid file left by a killed Kamailio must not block the next start on the same data dir.

Kamailio refuses to start while the pid in its pid file is alive, and after a kill that pid may
belong to any process by now; only a Kamailio still running on this data dir is a reason to stop.
"""

from __future__ import annotations

import os

import pytest

from tobitbot.servers.kamailio import KamailioServer, kamailio_binary

pytestmark = pytest.mark.integration


@pytest.fixture
def data_dir(tmp_path):
    if kamailio_binary() is None:
        pytest.skip("kamailio is not installed: run scripts/install-system.sh")
    return tmp_path / "kamailio"


def test_a_stale_pid_file_naming_another_live_process_is_cleared(data_dir):
    server = KamailioServer(data_dir)
    server.pid_file.parent.mkdir(parents=True)
    server.pid_file.write_text(f"{os.getpid()}\n")   # reused pid: this test's own process
    server.start()
    try:
        assert server.rpc("core.version")["result"]
        assert int(server.pid_file.read_text()) == server.proc.pid
    finally:
        server.stop()


def test_a_kamailio_still_running_on_the_data_dir_is_named(data_dir):
    first = KamailioServer(data_dir).start()
    try:
        with pytest.raises(RuntimeError, match=rf"pid {first.proc.pid}\) is already running"):
            KamailioServer(data_dir).start()
        assert first.rpc("core.version")["result"]    # and left alone
    finally:
        first.stop()
