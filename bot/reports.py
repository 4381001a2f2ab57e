"""Report commands (list-users, quota, licences, ...) as Slack messages with split tables."""

from __future__ import annotations

from commands.contract import CustomerState
from commands.model import Command
from commands.reports import report_table

from bot.tables import table_messages


def render_report(cmd: Command, state: CustomerState) -> list[tuple[str, list[dict]]]:
    """(fallback text, blocks) per message, each within Slack's limits."""
    table = report_table(cmd, state)
    return table_messages(f"*{table.title}*", table.headers, table.rows)
