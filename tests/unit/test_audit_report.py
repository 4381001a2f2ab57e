"""The `audit` report's filters, case by case: customer, time, ticket, visibility, break-glass."""

from __future__ import annotations

import pytest

from commands import audit_report as ar

NOW = 1_700_000_000.0
ENTRIES = [
    {"at": NOW - 7200, "action": "allowed", "actor": "U1", "customer": "acme", "request": "r-old"},
    {"at": NOW - 60, "action": "allowed", "actor": "U1", "customer": "acme", "request": "r-a",
     "ticket": "SUP-1", "command": 'add-user acme "Jane Doe"'},
    {"at": NOW - 50, "action": "job_step_done", "actor": "worker", "customer": "acme",
     "request": "r-a", "step": 1},                               # no ticket on this one
    {"at": NOW - 40, "action": "allowed", "actor": "U2", "customer": "globex", "request": "r-g",
     "ticket": "SUP-2"},
    {"at": NOW - 30, "action": "refused", "actor": "U3", "text": "frobnicate"},   # no customer
    {"at": NOW - 20, "action": "break_glass", "actor": "U_ADMIN", "customer": "acme",
     "request": "r-bg1", "command": "reset-password acme jdoe", "reason": "CEO locked out",
     "ticket": "SUP-9"},
    {"at": NOW - 15, "action": "break_glass", "actor": "U_ADMIN", "customer": "globex",
     "request": "r-bg2", "command": "reset-password globex x", "reason": "outage"},
    {"at": NOW - 10, "action": "break_glass_reviewed", "actor": "U_ADMIN2", "request": "r-bg1"},
]
BOTH = frozenset({"acme", "globex"})


def requests_of(entries):
    return [(e["action"], e.get("request")) for e in entries]


@pytest.mark.parametrize("filter_, expected", [
    (ar.AuditFilter(visible=BOTH, sees_all=True), len(ENTRIES)),
    (ar.AuditFilter(since=NOW - 3600, visible=BOTH, sees_all=True), len(ENTRIES) - 1),
    # a scoped person sees neither globex nor the entry about no customer
    (ar.AuditFilter(visible=frozenset({"acme"})), 5),
    (ar.AuditFilter(customer="globex", visible=BOTH), 2),
    (ar.AuditFilter(customer="globex", visible=frozenset({"acme"})), 0),
])
def test_counts(filter_, expected):
    assert len(ar.select(ENTRIES, filter_)) == expected


def test_ticket_finds_every_entry_of_its_requests_even_without_the_field():
    chosen = ar.select(ENTRIES, ar.AuditFilter(ticket="SUP-1", visible=BOTH))
    assert requests_of(chosen) == [("allowed", "r-a"), ("job_step_done", "r-a")]


def test_ticket_also_matches_requests_the_store_knows_by_ticket():
    chosen = ar.select(ENTRIES, ar.AuditFilter(ticket="SUP-7", visible=BOTH,
                                               ticket_requests=frozenset({"r-old"})))
    assert requests_of(chosen) == [("allowed", "r-old")]


def test_review_entry_takes_its_customer_from_the_request():
    chosen = ar.select(ENTRIES, ar.AuditFilter(customer="acme", visible=frozenset({"acme"})))
    assert ("break_glass_reviewed", "r-bg1") in requests_of(chosen)


def test_break_glass_table_shows_review_state():
    chosen = ar.select(ENTRIES, ar.AuditFilter(visible=BOTH))
    table = ar.break_glass_table(ar.with_reviews(ENTRIES, chosen), "")
    review = {row[6]: row[7] for row in table.rows}
    assert review["r-bg2"] == "pending"
    assert review["r-bg1"].startswith("acknowledged by <@U_ADMIN2> at 2023-11-14")
    assert [row[5] for row in table.rows] == ["SUP-9", "-"]


def test_break_glass_for_a_ticket_keeps_its_review():
    chosen = ar.select(ENTRIES, ar.AuditFilter(ticket="SUP-9", visible=BOTH))
    table = ar.break_glass_table(ar.with_reviews(ENTRIES, chosen), "")
    assert [(row[6], row[7][:12]) for row in table.rows] == [("r-bg1", "acknowledged")]


def test_table_rows_are_short_and_name_the_customer_of_customerless_entries():
    table = ar.audit_table(ENTRIES, "t")
    assert all(len(cell) <= 80 for row in table.rows for cell in row)
    assert table.rows[-1][3] == "acme"       # the review, via its request
    assert table.rows[4][3] == "-"           # the refused text about no customer
