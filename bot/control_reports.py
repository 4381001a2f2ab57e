"""Answers the control reports (`jobs`, `job`, `audit`), which read Redis, not a customer's AD."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.audit_query import AuditQuery
from bot.deps import BotDeps
from bot.identity import GroupDirectory
from bot.job_reports import JobReports
from commands import model


class ControlReports:
    def __init__(self, deps: BotDeps, groups: GroupDirectory):
        self.jobs = JobReports(deps, groups)
        self.audit = AuditQuery(deps, groups)

    def answer(self, cmd: model.Command, user: str, channel: str, client: WebClient) -> None:
        """Post the report to the person only; a NotFound goes to the caller's refusal path."""
        parts = (self.audit.messages(cmd, user, channel) if isinstance(cmd, model.ShowAudit)
                 else self.jobs.messages(cmd, user, channel, client))
        for fallback, blocks in parts:
            client.chat_postEphemeral(channel=channel, user=user, text=fallback, blocks=blocks)
