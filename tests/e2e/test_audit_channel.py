"""The audit channel mirrors the hash-chained log: decisions, steps and outcomes, no secrets."""

from __future__ import annotations

import os
import subprocess
import sys

import redis

from bot.audit import AuditLog
from bot.audit_mirror import audit_line
from commands.lexer import MAX_TEXT
from tests.fixtures.slack import PEOPLE, audit_text

SUPPORT, AUDIT = "C_SUPPORT", "C_AUDIT"


def test_a_request_and_its_outcome_appear_in_the_audit_channel_and_the_chain_holds(bot_stack):
    slack = bot_stack.slack
    slack.slash_command(PEOPLE.operator, SUPPORT, text='add-user globex "Audra Auditfall"')
    slack.wait_for(lambda: "*job_succeeded*" in _audit_text(slack) and "Audra Auditfall" in _audit_text(slack),
                   timeout=60)
    text = _audit_text(slack)
    for action in ("*allowed*", "*enqueued*", "*job_step_done*", "*job_secret_ready*", "*job_succeeded*"):
        assert action in text
    assert f"<@{PEOPLE.operator}>" in text

    passwords = [e.text for e in slack.ephemerals(user=PEOPLE.operator) if "New password for" in e.text]
    assert passwords and all(p.split("`")[3] not in text for p in passwords)
    assert AuditLog(redis.Redis.from_url(bot_stack.env["TOBITBOT_REDIS_URL"])).verify() == []


def test_refusals_are_audited_too(bot_stack):
    slack = bot_stack.slack
    slack.slash_command(PEOPLE.nobody, SUPPORT, text='add-user acme "Nora Norole"')
    slack.wait_for(lambda: "*refused*" in _audit_text(slack) and "Nora Norole" in _audit_text(slack), timeout=20)


def test_one_very_long_refused_command_hides_nothing_after_it(bot_stack):
    """20,000 characters from a person with no role: refused as too long, recorded as a small
    entry (its start, length and sha256), and shown in at most two posts."""
    slack, client = bot_stack.slack, redis.Redis.from_url(bot_stack.env["TOBITBOT_REDIS_URL"])
    long_text = "add-user acme " + "Longname" * 2_500
    slack.slash_command(PEOPLE.nobody, SUPPORT, text=long_text)
    slack.slash_command(PEOPLE.nobody, SUPPORT, text="reset-password acme after-the-long-one")
    slack.wait_for(lambda: "after-the-long-one" in _audit_text(slack), timeout=30)
    entries = [entry for _, entry, _, _ in AuditLog(client).entries()
               if (entry.get("text"), entry.get("text_length")) in (
                   (long_text[:MAX_TEXT], len(long_text)), ("reset-password acme after-the-long-one", None))]
    shown = _audit_text(slack)
    assert len(entries) == 2 and all(audit_line(entry) in shown for entry in entries)
    assert f"{len(long_text):,} characters long; a command has at most" in entries[0]["reason"]
    assert all(len(m.text) <= 3_900 for m in slack.messages(AUDIT))
    assert len([m for m in slack.messages(AUDIT) if "LongnameLongname" in m.text]) <= 2


def test_audit_verify_checks_the_stream_against_the_channel_by_default(bot_stack):
    slack = bot_stack.slack
    slack.slash_command(PEOPLE.nobody, SUPPORT, text="reset-password acme witnessed")
    slack.wait_for(lambda: "witnessed" in _audit_text(slack), timeout=20)
    env = {**os.environ, **bot_stack.env}
    done = subprocess.run([sys.executable, "-m", "tobitbot.cli", "audit", "verify"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "chain intact" in done.stdout and "witnesses from the audit channel, all in the stream" in done.stdout


def _audit_text(slack) -> str:
    return audit_text(slack, AUDIT)
