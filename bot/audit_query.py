"""`/tobit audit [CUSTOMER] [since=7d] [ticket=X] [break-glass]`: the audit log as a table.

Reads the stream from `since` on, lets `commands.audit_report` pick what the person may see
and asked for, and tabulates it. `ticket=X` also finds a request's entries that do not repeat
the ticket, through the request store (requests remember their ticket).
"""

from __future__ import annotations

import time

from bot.deps import BotDeps
from bot.identity import GroupDirectory
from bot.report_scope import report_scope
from bot.request_index import recent_ids
from bot.tables import table_messages
from commands import audit_report as ar
from commands.model import ShowAudit
from commands.mrkdwn import escape
from commands.report_values import show_duration

MAX_ROWS = 500   # more than this is an export's job; the newest are shown
# columns the core fills with mentions of the people Slack named (their ids), not typed words
MENTION_COLUMNS = frozenset({"by", "review"})


def _escaped(table: ar.Table) -> ar.Table:
    """Plain words, anyone's among them (a break-glass reason, a ticket, a command as typed):
    escaped here, even inside the code block, where Slack still reads `<!channel>`."""
    keep = {i for i, header in enumerate(table.headers) if header in MENTION_COLUMNS}
    rows = tuple(tuple(cell if i in keep else escape(cell) for i, cell in enumerate(row))
                 for row in table.rows)
    return ar.Table(table.title, table.headers, rows)


class AuditQuery:
    def __init__(self, deps: BotDeps, groups: GroupDirectory):
        self.deps, self.groups = deps, groups

    def messages(self, cmd: ShowAudit, user: str, channel: str | None) -> list[tuple[str, list[dict]]]:
        since = time.time() - cmd.since
        entries = [entry for _, entry, _, _ in self.deps.audit.entries(since_ms=int(since * 1000))]
        scope = report_scope(self.deps.policy(), self.groups.identity(user), "audit",
                             ar.customers_in(entries), channel)
        wanted = ar.AuditFilter(customer=cmd.customer, since=since, ticket=cmd.ticket,
                                visible=scope.visible, sees_all=scope.sees_all,
                                ticket_requests=self.ticket_requests(cmd))
        chosen = ar.select(entries, wanted)
        what = " ".join(filter(None, (f"`{cmd.customer}`" if cmd.customer else "",
                                      f"ticket `{cmd.ticket}`" if cmd.ticket else "")))
        head = f"*Audit{' of ' + what if what else ''}, last {show_duration(cmd.since)}*"
        if cmd.break_glass:
            table = ar.break_glass_table(ar.with_reviews(entries, chosen), "")
            head = head.replace("*Audit", "*Break-glass runs", 1)
        else:
            table = ar.audit_table(chosen[-MAX_ROWS:], "")
            if len(chosen) > MAX_ROWS:
                head += f" (newest {MAX_ROWS} of {len(chosen)}; `tobitbot audit export` has all)"
        table = _escaped(table)
        return table_messages(head, list(table.headers), list(table.rows))

    def ticket_requests(self, cmd: ShowAudit) -> frozenset[str]:
        """Requests stored with the ticket, among the recent ones of the customer (or all)."""
        if not cmd.ticket:
            return frozenset()
        ids = [rid for rid, at in recent_ids(self.deps.redis, customer=cmd.customer, scan=2000)
               if at >= time.time() - cmd.since - 86400]
        records = (self.deps.requests.get(rid) for rid in ids)
        return frozenset(r.request_id for r in records
                         if r is not None and getattr(r, "ticket", None) == cmd.ticket)
