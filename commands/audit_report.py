"""`audit` as tables: the audit log's entries filtered by customer, time, ticket or break-glass.

Pure: the bot reads the entries (`bot.audit.AuditLog.entries`) and the customers the person
may see (the policy's `visible_customers`); this module decides which entries to show and how.
An entry names its customer, or only its request (a break-glass review); then the request's
other entries tell the customer. An entry about no customer at all (a command that did not
parse) is shown only to people who see every customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from commands.job_report import when
from commands.lexer import from_slack
from commands.reports import Table

BREAK_GLASS = "break_glass"
BREAK_GLASS_REVIEWED = "break_glass_reviewed"
# the fields worth a glance, in the order a reader wants them; the rest is in `audit export`
_DETAIL_FIELDS = ("command", "text", "reason", "rule", "outcome", "status", "step", "detail",
                  "error", "ticket")
_CELL = 80


@dataclass(frozen=True)
class AuditFilter:
    customer: str | None = None
    since: float = 0.0                  # epoch seconds
    ticket: str | None = None
    visible: frozenset[str] = frozenset()
    sees_all: bool = False              # may see entries about no customer
    ticket_requests: frozenset[str] = frozenset()   # requests stored with the ticket


def customers_in(entries: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every customer the entries name: what `visible_customers` is asked about."""
    return sorted({e["customer"] for e in entries if isinstance(e.get("customer"), str)})


def select(entries: Sequence[Mapping[str, Any]], f: AuditFilter) -> list[Mapping[str, Any]]:
    """The entries the filter lets through, oldest first."""
    owner = _request_customers(entries)
    wanted = _ticket_requests(entries, f) if f.ticket else None
    chosen = []
    for entry in entries:
        customer = entry.get("customer") or owner.get(entry.get("request", ""))
        if entry.get("at", 0) < f.since or not _visible(customer, f):
            continue
        if f.customer is not None and customer != f.customer:
            continue
        if wanted is not None and not (entry.get("ticket") == f.ticket
                                       or entry.get("request") in wanted):
            continue
        chosen.append(entry)
    return chosen


def audit_table(entries: Sequence[Mapping[str, Any]], title: str) -> Table:
    owner = _request_customers(entries)
    rows = tuple((when(e.get("at")), str(e.get("action", "?")), str(e.get("actor", "-")),
                  str(e.get("customer") or owner.get(e.get("request", ""), "-")),
                  str(e.get("request", "-")), _detail(e)) for e in entries)
    return Table(title, ("at", "action", "actor", "customer", "request", "detail"), rows)


def break_glass_table(entries: Sequence[Mapping[str, Any]], title: str) -> Table:
    """Each break-glass run with its review: pending, or acknowledged by whom and when.

    `entries` must already be filtered; reviews are found among them by request id.
    """
    reviews = {e.get("request"): e for e in entries if e.get("action") == BREAK_GLASS_REVIEWED}
    rows = []
    for e in entries:
        if e.get("action") != BREAK_GLASS:
            continue
        review = reviews.get(e.get("request"))
        state = (f"acknowledged by <@{review.get('actor')}> at {when(review.get('at'))}"
                 if review else "pending")
        rows.append((when(e.get("at")), f"<@{e.get('actor', '?')}>", str(e.get("customer", "-")),
                     _cut(str(e.get("command", "-"))), _cut(str(e.get("reason", "-"))),
                     str(e.get("ticket") or "-"), str(e.get("request", "-")), state))
    return Table(title, ("at", "by", "customer", "command", "reason", "ticket", "request",
                         "review"), tuple(rows))


def with_reviews(entries: Sequence[Mapping[str, Any]],
                 selected: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The selected break-glass runs plus every review of them, even one outside the filter
    (a review carries no ticket and may come after `since`'s window started)."""
    runs = {e.get("request") for e in selected if e.get("action") == BREAK_GLASS}
    reviews = [e for e in entries if e.get("action") == BREAK_GLASS_REVIEWED
               and e.get("request") in runs]
    return [e for e in selected if e.get("action") == BREAK_GLASS] + reviews


def _visible(customer: str | None, f: AuditFilter) -> bool:
    return f.sees_all if customer is None else customer in f.visible


def _request_customers(entries: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    return {e["request"]: e["customer"] for e in entries
            if isinstance(e.get("request"), str) and isinstance(e.get("customer"), str)}


def _ticket_requests(entries: Iterable[Mapping[str, Any]], f: AuditFilter) -> set[str]:
    found = {e["request"] for e in entries if e.get("ticket") == f.ticket
             and isinstance(e.get("request"), str)}
    return found | set(f.ticket_requests)


def _detail(entry: Mapping[str, Any]) -> str:
    """Plain words, as every cell of the audit table (the bot escapes them): `text` is kept as
    Slack sent it, escaped, so it is read back first."""
    parts = [f"{key}={from_slack(entry[key]) if key == 'text' else entry[key]}"
             for key in _DETAIL_FIELDS if entry.get(key) not in (None, "")]
    return _cut("; ".join(parts) or "-")


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _CELL else text[: _CELL - 1] + "…"
