"""Tickets: when one is required, and what a ticket id must look like."""

from __future__ import annotations

from pathlib import Path

import pytest

from commands.errors import ParseError, PermissionDenied
from commands.policy import load_policy_text
from tests.unit.test_policy_cases import ADMIN, POLICY

NO_TICKETS_FOR_RISKY = load_policy_text("""
[defaults]
ticket_for_risky = false
[commands.remove-user]
min_role = "operator"
[commands.cancel]
min_role = "operator"
ticket = "required"
""")

CASES = [
    # policy, command, risky, ticket given, expected result (a ticket id, None, or an error type)
    (POLICY, "remove-user", True, None, PermissionDenied),
    (POLICY, "remove-user", True, "  ", PermissionDenied),
    (POLICY, "remove-user", True, "SUP-123", "SUP-123"),
    (POLICY, "remove-user", True, " SUP-7 ", "SUP-7"),
    (POLICY, "remove-user", True, "sup-123", ParseError),
    (POLICY, "remove-user", True, "SUP-123x", ParseError),
    (POLICY, "add-user", False, None, None),
    (POLICY, "add-user", False, "SUP-1", "SUP-1"),
    (POLICY, "add-user", False, "JIRA-1", ParseError),     # optional, but still well-formed
    (POLICY, "enable-fax", False, None, None),             # shared fax: not risky
    (POLICY, "enable-fax", True, None, PermissionDenied),  # dedicated fax: risky
    (POLICY, "book", True, None, None),                    # ticket = "optional" beats the default
    (POLICY, "set-legal-info", False, None, PermissionDenied),  # ticket = "required"
    (POLICY, "quota", False, None, None),
    (POLICY, "set-domain", True, "SUP-1", PermissionDenied),    # not in the policy
    (NO_TICKETS_FOR_RISKY, "remove-user", True, None, None),
    (NO_TICKETS_FOR_RISKY, "cancel", True, None, PermissionDenied),
    (NO_TICKETS_FOR_RISKY, "cancel", True, "anything-1", "anything-1"),
    (NO_TICKETS_FOR_RISKY, "cancel", True, "two words", ParseError),
]


@pytest.mark.parametrize("policy,command,risky,ticket,expected", CASES)
def test_check_ticket(policy, command, risky, ticket, expected):
    if isinstance(expected, type):
        with pytest.raises(expected) as caught:
            policy.check_ticket(command, risky, ticket)
        if command != "set-domain":   # what to type, never the raw regular expression
            assert policy.defaults.ticket_pattern not in caught.value.text()
            assert "ticket id matching your team's format" in caught.value.text()
    else:
        assert policy.check_ticket(command, risky, ticket) == expected


@pytest.mark.parametrize("command,options,required", [
    ("remove-user", {}, True), ("add-user", {}, False), ("set-legal-info", {}, True),
    ("enable-fax", {"mode": "shared"}, False), ("enable-fax", {"mode": "dedicated"}, True),
    ("book", {}, False),
])
def test_decision_says_whether_a_ticket_is_required(command, options, required):
    decision = POLICY.decide(ADMIN, command, "acme", "C_SUPPORT", options)
    assert decision.allowed and decision.ticket_required is required
    if required:
        with pytest.raises(PermissionDenied):
            POLICY.check_ticket(command, decision.risky, None)
    else:
        assert POLICY.check_ticket(command, decision.risky, None) is None


EXAMPLE_POLICY = Path(__file__).resolve().parents[2] / "deploy" / "policy.example.toml"


@pytest.mark.parametrize("ticket, error", [(None, PermissionDenied), ("SUP1234", ParseError),
                                           ("<!channel>", ParseError)])
def test_a_ticket_refusal_says_what_to_type_with_the_policys_example(ticket, error):
    policy = load_policy_text(EXAMPLE_POLICY.read_text().replace("ticket_for_risky = false",
                                                                 "ticket_for_risky = true"))
    with pytest.raises(error) as caught:
        policy.check_ticket("remove-user", True, ticket)
    text = caught.value.text()
    assert "`ticket=SUP-1234`" in text and "^SUP-" not in text and "[0-9]" not in text
