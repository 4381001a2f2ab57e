"""diff_policies: who gains or loses what, and which settings change, between two policies."""

from __future__ import annotations

from commands.policy import diff_policies, load_policy_text

OLD = """
[[grants]]
role = "operator"
groups = ["S_OPERATORS"]
customers = ["*"]

[[grants]]
role = "operator"
users = ["U_ALICE"]
customers = ["acme"]

[commands.add-user]
min_role = "operator"

[commands.remove-user]
min_role = "approver"
risky = true

[[channels]]
id = "C_SUPPORT"
customers = ["*"]
"""

NEW = """
[defaults]
approval_expiry = "2h"

[[grants]]
role = "operator"
groups = ["S_OPERATORS"]
customers = ["*"]

[[grants]]
role = "approver"
users = ["U_ALICE"]
customers = ["acme", "globex"]

[commands.add-user]
min_role = "operator"

[commands.remove-user]
min_role = "operator"
risky = true
approvals = 2

[[channels]]
id = "C_SUPPORT"
customers = ["*"]

[[channels]]
id = "C_AUDIT"
customers = ["*"]
read_only = true
"""

CUSTOMERS = ["acme", "globex"]


def _diff(users_groups):
    return diff_policies(load_policy_text(OLD), load_policy_text(NEW), users_groups, CUSTOMERS)


def test_gains_and_losses_per_user():
    lines = _diff({"U_ALICE": set(), "U_BOB": {"S_OPERATORS"}, "U_CAROL": set()})
    assert "U_ALICE gains remove-user on acme, globex" in lines
    assert "U_ALICE gains add-user on globex" in lines
    assert "U_ALICE gains approval of remove-user on acme, globex" in lines
    assert "U_BOB gains remove-user on acme, globex" in lines
    assert not [l for l in lines if l.startswith("U_CAROL")]
    assert not [l for l in lines if " loses " in l]


def test_losses():
    lines = diff_policies(load_policy_text(NEW), load_policy_text(OLD),
                          {"U_ALICE": set()}, CUSTOMERS)
    assert "U_ALICE loses remove-user on acme, globex" in lines
    assert "U_ALICE loses list-users on globex" in lines


def test_without_membership_it_speaks_of_groups_and_named_users():
    lines = _diff(None)
    assert "members of S_OPERATORS gains remove-user on acme, globex" in lines
    assert "U_ALICE gains add-user on globex" in lines


def test_setting_changes():
    lines = _diff({})
    assert any(l.startswith("remove-user: min_role approver, risky (always), approvals approver")
               and l.endswith("min_role operator, risky (always), approvals approver + approver, "
                              "no break-glass, ticket by default") for l in lines), lines
    assert "channel C_AUDIT: not listed -> all customers, reports only" in lines
    assert "defaults approval_expiry_seconds: 14400 -> 7200" in lines


def test_the_same_policy_has_no_differences():
    policy = load_policy_text(NEW)
    assert diff_policies(policy, policy, {"U_ALICE": {"S_OPERATORS"}}, CUSTOMERS) == []
