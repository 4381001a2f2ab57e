"""`/tobit jobs` and `/tobit job ID`: recent requests and one request's progress, as tables.

Requests come from the request store and its index, progress from the job's own event stream
(written by the workers), approvals from the approval store. Only customers the person may see
are listed, and a request of another customer is "not found", not "forbidden": its id says
nothing about whether it exists.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.approval_store import ApprovalStore
from bot.deps import BotDeps
from bot.identity import GroupDirectory
from bot.report_scope import report_scope
from bot.request_index import asked_at, recent_ids
from bot.tables import table_messages
from commands import model
from commands.errors import NotFound
from commands.events import JOB_STREAM, JobEvent
from commands.job_report import Listed, job_summary, jobs_table, steps_table

log = logging.getLogger(__name__)


class JobReports:
    def __init__(self, deps: BotDeps, groups: GroupDirectory):
        self.deps, self.groups = deps, groups
        self.approvals = ApprovalStore(deps.redis)

    def messages(self, cmd: model.Command, user: str, channel: str | None,
                 client: WebClient) -> list[tuple[str, list[dict]]]:
        if isinstance(cmd, model.ListJobs):
            return self.list_jobs(cmd, user, channel)
        return self.show_job(cmd.request_id, user, channel, client)

    def recent(self, user: str, channel: str | None, *, customer: str | None = None,
               mine: bool = False, limit: int = 10) -> list[Listed]:
        """The newest requests the person may see, newest first (also App Home's list)."""
        rows = recent_ids(self.deps.redis, customer=customer, requester=user if mine else None)
        found = [(at, record) for rid, at in rows if (record := self.deps.requests.get(rid))]
        scope = report_scope(self.deps.policy(), self.groups.identity(user), "jobs",
                             (r.customer for _, r in found), channel)
        return [Listed(at, r) for at, r in found if scope.shows(r.customer)][:limit]

    def list_jobs(self, cmd: model.ListJobs, user: str, channel: str | None) -> list:
        listed = self.recent(user, channel, customer=cmd.customer, mine=cmd.mine, limit=cmd.limit)
        whose = (f" of `{cmd.customer}`" if cmd.customer else "") + (" asked by you" if cmd.mine else "")
        return table_messages(f"*Recent requests{whose}* (newest first, {len(listed)} shown)",
                              *_columns(jobs_table(listed, "")))

    def show_job(self, request_id: str, user: str, channel: str | None, client: WebClient) -> list:
        record = self.deps.requests.get(request_id)
        scope = report_scope(self.deps.policy(), self.groups.identity(user), "job",
                             [record.customer if record else None], channel)
        if record is None or not scope.shows(record.customer):
            raise NotFound(f"No request `{request_id}` that you may see.",
                           hint="`jobs` lists the recent requests you may see.")
        item = Listed(asked_at(self.deps.redis, request_id) or 0.0, record)
        summary = job_summary(item, self.approvals.get(request_id))
        steps = steps_table(record.plan, self.timeline(request_id))
        link = self.thread_link(record, client)
        title = f"*{summary.title}*" + (f" · <{link}|open the thread>" if link else "")
        return (table_messages(title, *_columns(summary))
                + table_messages(f"*{steps.title}*", *_columns(steps)))

    def timeline(self, request_id: str) -> list[tuple[float, JobEvent]]:
        """The job's events with the time each was written (the stream id's milliseconds)."""
        rows = self.deps.redis.xrange(JOB_STREAM.format(request_id=request_id))
        return [(int(rid.decode().split("-")[0]) / 1000, JobEvent.from_json(fields[b"event"]))
                for rid, fields in rows if b"event" in fields]

    def thread_link(self, record, client: WebClient) -> str | None:
        if not record.message_ts:
            return None
        try:
            return client.chat_getPermalink(channel=record.channel,
                                            message_ts=record.message_ts)["permalink"]
        except SlackApiError as exc:  # the table is worth more than the link
            log.warning("no permalink for request %s: %s", record.request_id, exc)
            return None


def _columns(table) -> tuple[list[str], list[tuple[str, ...]]]:
    return list(table.headers), list(table.rows)
