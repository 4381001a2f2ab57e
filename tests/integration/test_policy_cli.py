"""`tobitbot policy check` and `tobitbot policy replay` as an operator runs them: real processes,
a real Redis, and audit entries written by AuditLog the way the slash command writes them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from bot.audit import AuditLog
from tests.unit.test_policy_replay import ALICE_BOTH, HEAD, OPERATORS

ROOT = Path(__file__).resolve().parents[2]

IN_USE = HEAD + OPERATORS + ALICE_BOTH   # operators everywhere, Alice on acme and globex
# Alice keeps acme only; operators may no longer remove users; Nina gets globex.
NEW = (IN_USE.replace('customers = ["acme", "globex"]', 'customers = ["acme"]')
       .replace('[commands.remove-user]\nmin_role = "operator"',
                '[commands.remove-user]\nmin_role = "approver"')
       + '\n[[grants]]\nrole = "operator"\nusers = ["U_NINA"]\ncustomers = ["globex"]\n')


def tobitbot(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TOBITBOT_")}
    return subprocess.run([sys.executable, "-m", "tobitbot.cli", *args], cwd=ROOT,
                          env={**clean, **(env or {})}, capture_output=True, text=True,
                          timeout=60)


@pytest.fixture
def files(tmp_path):
    (tmp_path / "in-use.toml").write_text(IN_USE)
    (tmp_path / "new.toml").write_text(NEW)
    return tmp_path


@pytest.fixture
def audit(redis_url):
    """A morning's requests, recorded as bot/slash.py records them."""
    log = AuditLog(redis.Redis.from_url(redis_url))
    ops = ["S_OPERATORS"]
    log.record("allowed", actor="U_BOB", groups=ops, channel="C_SUPPORT",
               text='add-user acme "Jane Doe"', command_name="add-user", customer="acme",
               command='add-user acme "Jane Doe"', risky=False, checks=["R8", "R12"])
    log.record("allowed", actor="U_BOB", groups=ops, channel="C_SUPPORT",
               text="remove-user acme jdoe mail=archive ticket=SUP-7", command_name="remove-user",
               customer="acme", command="remove-user acme jdoe mail=archive", risky=True,
               checks=[])
    log.record("allowed", actor="U_ALICE", groups=[], channel="C_SUPPORT",
               text='add-user globex "Max Muster"', command_name="add-user", customer="globex",
               command='add-user globex "Max Muster"', risky=False, checks=[])
    log.record("refused", actor="U_NINA", groups=["S_SALES"], channel="C_SUPPORT",
               text='add-user globex "Eva Lang"', command_name="add-user", customer="globex",
               reason="You have no role for globex.")
    log.record("refused", actor="U_BOB", groups=ops, channel="C_SUPPORT",
               text='add-user acme "Fax Zentrale"', command_name="add-user", customer="acme",
               reason="No shared logins.", rule="R5")
    log.record("refused", actor="U_BOB", channel="C_SUPPORT", text="add-usr acme",
               reason="Unknown command `add-usr`.")              # never reached the policy
    log.record("job_succeeded", actor="worker", request="r-1", detail="done")
    return redis_url


def test_check_names_who_gains_and_loses_what_on_which_customer(files, audit):
    run = tobitbot("policy", "check", str(files / "new.toml"), "--redis-url", audit,
                   env={"TOBITBOT_POLICY_FILE": str(files / "in-use.toml")})
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert f"compared with {files / 'in-use.toml'}" in out
    # by group and named user, from the files
    assert "members of S_OPERATORS loses remove-user on acme, globex, any other customer" in out
    assert "U_ALICE loses add-user on globex" in out
    assert "U_NINA gains add-user on globex" in out
    # by person, with the groups the audit log recorded for them
    assert "people seen in the audit log (3," in out
    assert "U_BOB loses remove-user on acme, globex, any other customer" in out
    assert "members of S_APPROVERS" not in out
    assert "remove-user: min_role operator" in out and "-> min_role approver" in out


def test_check_of_the_same_policy_says_nothing_changes(files, audit):
    run = tobitbot("policy", "check", str(files / "in-use.toml"), "--against",
                   str(files / "in-use.toml"), "--redis-url", audit)
    assert run.returncode == 0, run.stderr
    assert "no change in who may do what" in run.stdout
    assert "loses" not in run.stdout and "gains" not in run.stdout


def test_check_without_the_audit_log_speaks_of_groups(files):
    run = tobitbot("policy", "check", str(files / "new.toml"), "--against",
                   str(files / "in-use.toml"), "--redis-url", "redis://127.0.0.1:1/0")
    assert run.returncode == 0, run.stderr
    assert "is not reachable" in run.stdout
    assert "members of S_OPERATORS loses remove-user" in run.stdout


@pytest.mark.parametrize("text, error", [
    ('[[grants]]\nrole = "operator"\ngroups = ["S_OPS"]\ncustomers = ["*"]\n\n'
     '[commands.add-usr]\nmin_role = "operator"\n', "bad.toml:6: unknown command 'add-usr'"),
    ('[[grants]]\nrole = "boss"\n', "bad.toml:2: unknown role 'boss'"),
    ("[commands\n", "bad.toml:1: not valid TOML"),
])
def test_check_of_a_bad_file_names_the_line_and_exits_2(files, text, error):
    (files / "bad.toml").write_text(text)
    for action in ("check", "replay"):
        run = tobitbot("policy", action, str(files / "bad.toml"), "--against",
                       str(files / "in-use.toml"), "--redis-url", "redis://127.0.0.1:1/0")
        assert run.returncode == 2 and error in run.stderr, run.stderr


def test_check_of_a_fix_while_the_policy_in_use_is_broken_says_the_fix_is_valid(files):
    (files / "broken.toml").write_text('[[grants]]\nrole = "boss"\n')
    run = tobitbot("policy", "check", str(files / "new.toml"), "--against",
                   str(files / "broken.toml"), "--redis-url", "redis://127.0.0.1:1/0")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(f"{files / 'new.toml'}: valid")
    assert "the policy in use does not load" in run.stdout and "unknown role 'boss'" in run.stdout


def test_replay_lists_the_past_decisions_that_would_differ(files, audit):
    run = tobitbot("policy", "replay", str(files / "new.toml"), "--since", "30d",
                   "--redis-url", audit, env={"TOBITBOT_POLICY_FILE": str(files / "in-use.toml")})
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    changed = [line.split(" ", 2)[2].split(" (")[0] for line in lines if " -> " in line]
    assert changed == [
        "U_BOB remove-user on acme: allowed -> refused",
        "U_ALICE add-user on globex: allowed -> refused",
        "U_NINA add-user on globex: refused -> allowed",
    ]
    assert "needs role approver for acme; you have operator" in run.stdout
    assert lines[-2].endswith("5 past requests replayed, 3 would be decided differently "
                              "(2 newly refused, 1 newly allowed)")
    assert lines[-1].startswith("reads (reports, plan, help) are audited only when refused")


def test_replay_only_looks_back_as_far_as_asked(files, audit):
    run = tobitbot("policy", "replay", str(files / "new.toml"), "--since", "2999-01-01",
                   "--against", str(files / "in-use.toml"), "--redis-url", audit)
    assert run.returncode == 0, run.stderr
    assert "0 past requests replayed, 0 would be decided differently" in run.stdout


def test_replay_without_the_audit_log_fails_plainly(files):
    run = tobitbot("policy", "replay", str(files / "new.toml"), "--against",
                   str(files / "in-use.toml"), "--redis-url", "redis://127.0.0.1:1/0")
    assert run.returncode == 1 and "cannot read the audit log" in run.stderr


def test_replay_reads_the_audit_log_in_pages_as_it_decides(files, redis_url, monkeypatch):
    """Flat memory: replay has the first entry while only its page has been read."""
    import io

    from bot.audit import PAGE
    from tests.integration.test_audit_log import CountingRedis, _fill
    from tobitbot import policy_cli

    client = CountingRedis.from_url(redis_url)
    _fill(client, 2 * PAGE + 500)
    client.pages = []
    read_at_first: list[int] = []
    real_replay = policy_cli.replay

    def replay_spy(entries, new, old):
        def watched():
            for entry in entries:
                if not read_at_first:
                    read_at_first.append(len(client.pages))
                yield entry
        return real_replay(watched(), new, old)

    monkeypatch.setattr(policy_cli, "_redis", lambda url: client)
    monkeypatch.setattr(policy_cli, "replay", replay_spy)
    out = io.StringIO()
    assert policy_cli.replay_policy(str(files / "new.toml"), 0, str(files / "in-use.toml"),
                                    redis_url, out) == 0, out.getvalue()
    assert read_at_first == [1]
    assert sum(client.pages) == 2 * PAGE + 500 and max(client.pages) <= PAGE
