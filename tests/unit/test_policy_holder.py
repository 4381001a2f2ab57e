"""PolicyHolder: a good file is swapped in whole, a bad one is refused and the old one stays."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from commands.errors import ConfigError
from commands.policy import Identity
from tobitbot.policy_holder import PolicyHolder, reload_on_sighup

POLICY = """
[[grants]]
role = "operator"
groups = ["S_OPERATORS"]
customers = ["*"]

[commands.add-user]
min_role = "operator"

[[channels]]
id = "C_SUPPORT"
customers = ["*"]
"""
OPERATOR = Identity("U_OLGA", {"S_OPERATORS"})


class Recorder:
    """Stands in for AuditLog.record; `wait` blocks until an entry arrives."""

    def __init__(self):
        self.entries: list[dict] = []
        self.arrived = threading.Semaphore(0)

    def __call__(self, action, **fields):
        self.entries.append({"action": action, **fields})
        self.arrived.release()

    def wait(self) -> dict:
        assert self.arrived.acquire(timeout=30), "no audit entry arrived"
        return self.entries[-1]


def _allowed(holder: PolicyHolder) -> bool:
    return holder.current().decide(OPERATOR, "add-user", "acme", "C_SUPPORT").allowed


@pytest.fixture
def setup(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text(POLICY)
    record = Recorder()
    return path, record, PolicyHolder.load(path, record)


def test_a_good_file_takes_effect_and_is_audited_with_what_changed(setup):
    path, record, holder = setup
    assert _allowed(holder)
    path.write_text(POLICY.replace('"*"]\n\n[commands', '"globex"]\n\n[commands', 1))
    assert holder.reload() is True
    assert not _allowed(holder)
    entry = record.entries[-1]
    assert entry["action"] == "policy_reloaded" and entry["source"] == str(path)
    assert "members of S_OPERATORS loses add-user on any other customer" in entry["detail"]
    assert entry["changes"] >= 1


@pytest.mark.parametrize("bad, where", [
    ('[[grants]]\nrole = "boss"\ngroups = ["S_X"]\ncustomers = ["*"]\n', ":2: unknown role"),
    ("[[grants]\n", ":1: not valid TOML"),
])
def test_a_bad_file_is_refused_and_the_old_policy_stays(setup, bad, where, caplog):
    path, record, holder = setup
    before = holder.current()
    path.write_text(bad)
    assert holder.reload() is False
    assert holder.current() is before and _allowed(holder)
    entry = record.entries[-1]
    assert entry["action"] == "policy_reload_refused" and where in entry["error"]
    assert any("POLICY RELOAD REFUSED" in r.message and where in r.message
               for r in caplog.records)


def test_a_missing_file_is_refused_too(setup):
    path, record, holder = setup
    path.unlink()
    assert holder.reload() is False and _allowed(holder)
    assert "not found" in record.entries[-1]["error"]


def test_at_start_up_a_bad_file_is_fatal(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text('[commands.frob]\nmin_role = "admin"\n')
    with pytest.raises(ConfigError, match=r"policy.toml:1: unknown command 'frob'"):
        PolicyHolder.load(path, Recorder())


def test_sighup_reloads_in_this_process(setup):
    path, record, holder = setup
    previous = signal.getsignal(signal.SIGHUP)
    try:
        reload_on_sighup(holder)
        path.write_text(POLICY.replace('"operator"', '"viewer"', 1))
        os.kill(os.getpid(), signal.SIGHUP)
        assert record.wait()["action"] == "policy_reloaded"
        assert not _allowed(holder)
        path.write_text("not toml at all = = =")
        os.kill(os.getpid(), signal.SIGHUP)
        assert record.wait()["action"] == "policy_reload_refused"
        assert holder.current().role_for(OPERATOR, "acme").label == "viewer"
    finally:
        signal.signal(signal.SIGHUP, previous)
