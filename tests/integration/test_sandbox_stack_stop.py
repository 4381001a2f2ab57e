"""A server that times out while the sandbox starts it is still stopped with the rest."""

from __future__ import annotations

import shutil

import pytest

from tobitbot.sandbox_stack import SandboxStack
from tobitbot.servers import redis as redis_launcher

pytestmark = pytest.mark.integration


def test_a_redis_that_timed_out_while_starting_is_stopped(monkeypatch, tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed: run scripts/install-system.sh")

    def slow(*args, **kwargs):
        raise TimeoutError("nothing listening (as on a slow machine)")

    monkeypatch.setattr(redis_launcher, "wait_for_port", slow)
    stack = SandboxStack(tmp_path)
    with pytest.raises(TimeoutError):
        stack._start_redis()
    proc = stack.redis.proc
    assert proc is not None     # spawned, and known to the stack
    stack.stop()
    assert proc.returncode is not None and stack.redis is None
