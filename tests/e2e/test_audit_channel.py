"""The audit channel mirrors the hash-chained log: decisions, steps and outcomes, no secrets."""

from __future__ import annotations

import redis

from bot.audit import AuditLog
from tests.fixtures.slack import PEOPLE

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


def _audit_text(slack) -> str:
    return "\n".join(m.text for m in slack.messages(AUDIT))
