"""SIGHUP to the real `tobitbot serve`: a good policy file takes effect without a restart, a bad
one is refused and the policy in force stays, and the bot keeps answering throughout.

The bot runs with a policy file of this test's own (the shared bot_stack's is not ours to edit).
Only `help` is sent, which asks nothing of AD: the AD settings point at no server.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import redis
from cryptography.fernet import Fernet

from bot.audit import AUDIT_STREAM
from tests.fixtures.slack import C_SUPPORT, PEOPLE
from tobitbot.servers.bot import BotProcesses

GRANTS = {
    "operators": '[[grants]]\nrole = "operator"\ngroups = ["S_OPERATORS"]\ncustomers = ["*"]\n',
    "admins": '[[grants]]\nrole = "admin"\ngroups = ["S_ADMINS"]\ncustomers = ["*"]\n',
}
REST = '[commands.add-user]\nmin_role = "operator"\n\n[[channels]]\nid = "C_SUPPORT"\ncustomers = ["*"]\n'


def policy(*grants: str) -> str:
    return "\n".join(GRANTS[g] for g in grants) + "\n" + REST


@pytest.fixture
def bot(redis_url, slack_emulator, tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text(policy("operators", "admins"))
    env = {
        "TOBITBOT_SLACK_BOT_TOKEN": slack_emulator.bot_token,
        "TOBITBOT_SLACK_SIGNING_SECRET": slack_emulator.signing_secret,
        "TOBITBOT_SLACK_API_URL": slack_emulator.api_url,
        "TOBITBOT_REDIS_URL": redis_url,
        "TOBITBOT_AD_URL": "ldaps://127.0.0.1:1",
        "TOBITBOT_AD_USER": "unused",
        "TOBITBOT_AD_PASSWORD": "unused",
        "TOBITBOT_AD_BASE_DN": "DC=unused",
        "TOBITBOT_POLICY_FILE": str(path),
        "TOBITBOT_SECRETS_KEY": Fernet.generate_key().decode(),
    }
    processes = BotProcesses(env, tmp_path, workers=0).start()
    slack_emulator.set_request_url(processes.request_url)
    yield processes, path, slack_emulator, redis.Redis.from_url(redis_url)
    processes.stop()


def help_reply(slack, user: str):
    """Send `help`; the reply: the help text, or a refusal (":no_entry:")."""
    seen = len(slack.ephemerals(user=user))
    slack.slash_command(user, C_SUPPORT, text="help")
    return slack.wait_for(lambda: next(iter(slack.ephemerals(user=user)[seen:]), None), timeout=20)


def workers_of(pid: int) -> set[int]:
    return {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


def wait_for_audit(client: redis.Redis, action: str, after: int) -> dict:
    """The first entry `action` past the first `after` entries, once the bot has written it."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        entries = [json.loads(f[b"entry"]) for _, f in client.xrange(AUDIT_STREAM)][after:]
        found = next((e for e in entries if e["action"] == action), None)
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"no {action} in the audit log")


def wait_until(predicate, what: str) -> None:
    deadline = time.monotonic() + 30
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting: {what}")
        time.sleep(0.1)


def test_sighup_reloads_a_good_policy_and_refuses_a_bad_one(bot):
    processes, path, slack, client = bot
    serve = processes.serve
    assert "add-user" in help_reply(slack, PEOPLE.operator).text
    old_workers = workers_of(serve.pid)

    # a good file: operators lose their grant; the master reloads, new workers take it
    path.write_text(policy("admins"))
    before = client.xlen(AUDIT_STREAM)
    os.kill(serve.pid, signal.SIGHUP)
    reloaded = wait_for_audit(client, "policy_reloaded", before)
    assert "members of S_OPERATORS loses add-user" in reloaded["detail"]
    wait_until(lambda: workers_of(serve.pid) and not workers_of(serve.pid) & old_workers,
               "the workers of the old policy to stop")
    refusal = help_reply(slack, PEOPLE.operator).text
    assert ":no_entry:" in refusal and "no role" in refusal
    assert "add-user" in help_reply(slack, PEOPLE.admin).text

    # a bad file: refused with its line, the policy in force stays, the same workers serve on
    workers = workers_of(serve.pid)
    path.write_text(policy("admins").replace('role = "admin"', 'role = "boss"'))
    before = client.xlen(AUDIT_STREAM)
    os.kill(serve.pid, signal.SIGHUP)
    refused = wait_for_audit(client, "policy_reload_refused", before)
    assert f"{path}:2: unknown role 'boss'" in refused["error"]
    assert serve.poll() is None and workers_of(serve.pid) == workers
    with urllib.request.urlopen(f"http://127.0.0.1:{processes.port}/healthz", timeout=10) as ok:
        assert ok.status == 200
    assert "add-user" in help_reply(slack, PEOPLE.admin).text
    assert ":no_entry:" in help_reply(slack, PEOPLE.operator).text
    assert "POLICY RELOAD REFUSED" in processes.log_tail("serve.log", 200)


def test_replay_reads_what_the_running_bot_audited(bot, tmp_path):
    processes, path, slack, client = bot
    path.write_text(policy("admins"))
    os.kill(processes.serve.pid, signal.SIGHUP)
    wait_for_audit(client, "policy_reloaded", 0)
    wait_until(lambda: ":no_entry:" in help_reply(slack, PEOPLE.operator).text,
               "the operator to be refused under the new policy")
    both = tmp_path / "both.toml"
    both.write_text(policy("operators", "admins"))
    run = subprocess.run([sys.executable, "-m", "tobitbot.cli", "policy", "replay", str(both),
                          "--redis-url", processes.env["TOBITBOT_REDIS_URL"]],
                         env={**os.environ, "TOBITBOT_POLICY_FILE": str(path)},
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert f"{PEOPLE.operator} help: refused -> allowed" in run.stdout
    assert "0 newly refused, " in run.stdout and "would be decided differently" in run.stdout
