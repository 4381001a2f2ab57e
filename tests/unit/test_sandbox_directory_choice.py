"""Where the sandbox cannot run Samba's AD DC it simulates the directory, and says why: Samba is
not installed, installed without its DC parts (naming the package), not root, or provisioning
failed (with samba-tool's words)."""

from __future__ import annotations

import pytest

from tobitbot import sandbox_stack
from tobitbot.sandbox_stack import SandboxStack, why_no_samba


@pytest.fixture(autouse=True)
def dc_parts_present(monkeypatch):
    """As after scripts/install-system.sh, whatever this machine has."""
    monkeypatch.setattr(sandbox_stack, "samba_file_problems", lambda: [])


def test_without_samba_the_reason_is_that_it_is_not_installed(monkeypatch):
    monkeypatch.setattr(sandbox_stack, "has_samba", lambda: False)
    assert "not installed" in why_no_samba()


def test_as_an_ordinary_user_the_reason_is_that_the_dc_needs_root(monkeypatch):
    monkeypatch.setattr(sandbox_stack, "has_samba", lambda: True)
    monkeypatch.setattr(sandbox_stack.os, "geteuid", lambda: 1000)
    assert "needs root" in why_no_samba()
    monkeypatch.setattr(sandbox_stack.os, "geteuid", lambda: 0)
    assert why_no_samba() is None


def test_without_the_dc_parts_the_reason_names_the_package(monkeypatch):
    monkeypatch.setattr(sandbox_stack, "has_samba", lambda: True)
    monkeypatch.setattr(sandbox_stack.os, "geteuid", lambda: 0)
    monkeypatch.setattr(sandbox_stack, "samba_file_problems", lambda: [
        "the DC's LDB modules are missing (samba_secrets.so in /x): install samba-ad-dc"])
    reason = why_no_samba()
    assert "cannot provision" in reason and "install samba-ad-dc" in reason


def _start_until_the_directory(monkeypatch, stack: SandboxStack) -> None:
    for step in ("_start_redis", "_start_tobit", "_start_kamailio", "_start_slack"):
        monkeypatch.setattr(SandboxStack, step, lambda self, *keys: None)
    asked = iter([False] * 4 + [True])   # between the four steps, then right after the directory
    with pytest.raises(InterruptedError):
        stack.start(interrupted=lambda: next(asked))


def test_a_provisioning_that_fails_falls_back_with_samba_tools_words(monkeypatch, tmp_path):
    monkeypatch.setattr(sandbox_stack, "why_no_samba", lambda: None)
    monkeypatch.setattr(sandbox_stack, "free_loopback_ip", lambda: "127.0.0.9")

    def provision(self):
        raise RuntimeError("samba-tool domain provision failed (255):\nFile [...] not found. "
                           "Please install samba-ad-provision package")

    monkeypatch.setattr(sandbox_stack.SambaDC, "provision", provision)
    said: list[str] = []
    stack = SandboxStack(tmp_path, say=said.append)
    _start_until_the_directory(monkeypatch, stack)
    assert stack.simulated_directory and stack.samba is None
    assert any("Please install samba-ad-provision package" in line for line in said)
    assert any("Active Directory is SIMULATED" in line for line in said)
    assert "could not provision" in stack._ad_summary()[0]


def test_the_stack_falls_back_to_the_simulated_directory_as_an_ordinary_user(monkeypatch, tmp_path):
    monkeypatch.setattr(sandbox_stack, "has_samba", lambda: True)
    monkeypatch.setattr(sandbox_stack.os, "geteuid", lambda: 1000)
    said: list[str] = []
    stack = SandboxStack(tmp_path, say=said.append)
    _start_until_the_directory(monkeypatch, stack)
    assert stack.simulated_directory and stack.samba is None
    assert any("needs root" in line for line in said)
    assert any("Active Directory is SIMULATED" in line for line in said)
    assert "needs root" in stack._ad_summary()[0]
