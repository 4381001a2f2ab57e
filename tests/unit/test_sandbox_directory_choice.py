"""Where the sandbox cannot run Samba's AD DC it simulates the directory, and says why."""

from __future__ import annotations

import pytest

from tobitbot import sandbox_stack
from tobitbot.sandbox_stack import SandboxStack, why_no_samba


def test_without_samba_the_reason_is_that_it_is_not_installed(monkeypatch):
    monkeypatch.setattr(sandbox_stack, "has_samba", lambda: False)
    assert "not installed" in why_no_samba()


def test_as_an_ordinary_user_the_reason_is_that_the_dc_needs_root(monkeypatch):
    monkeypatch.setattr(sandbox_stack, "has_samba", lambda: True)
    monkeypatch.setattr(sandbox_stack.os, "geteuid", lambda: 1000)
    assert "needs root" in why_no_samba()
    monkeypatch.setattr(sandbox_stack.os, "geteuid", lambda: 0)
    assert why_no_samba() is None


def test_the_stack_falls_back_to_the_simulated_directory_as_an_ordinary_user(monkeypatch, tmp_path):
    monkeypatch.setattr(sandbox_stack, "has_samba", lambda: True)
    monkeypatch.setattr(sandbox_stack.os, "geteuid", lambda: 1000)
    for step in ("_start_redis", "_start_tobit", "_start_kamailio", "_start_slack"):
        monkeypatch.setattr(SandboxStack, step, lambda self, *keys: None)
    said: list[str] = []
    stack = SandboxStack(tmp_path, say=said.append)
    asked = iter([False] * 4 + [True])   # between the four steps, then right after the directory
    with pytest.raises(InterruptedError):
        stack.start(interrupted=lambda: next(asked))
    assert stack.simulated_directory and stack.samba is None
    assert any("needs root" in line for line in said)
    assert any("Active Directory is SIMULATED" in line for line in said)
    assert "needs root" in stack._ad_summary()[0]
