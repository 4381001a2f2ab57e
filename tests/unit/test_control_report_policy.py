"""`jobs`, `job` and `audit` under the policy: reads, with an optional customer, scoped."""

from __future__ import annotations

import pytest

from commands.policy import Identity, load_policy_text

POLICY = load_policy_text('''
[[grants]]
role = "viewer"
users = ["U_VIEW"]
customers = ["acme"]

[[grants]]
role = "admin"
users = ["U_ADMIN"]
customers = ["*"]

[commands.audit]
min_role = "viewer"

[[channels]]
id = "C_ALL"
customers = ["*"]
read_only = true

[[channels]]
id = "C_ACME"
customers = ["acme"]
''')
VIEW, ADMIN = Identity("U_VIEW"), Identity("U_ADMIN")


@pytest.mark.parametrize("who, command, customer, channel, allowed", [
    (VIEW, "jobs", None, "C_ALL", True),          # a customer is optional: the list is filtered
    (VIEW, "jobs", "acme", "C_ALL", True),
    (VIEW, "jobs", "globex", "C_ALL", False),     # out of the grant's scope
    (VIEW, "job", None, "C_ALL", True),
    (VIEW, "audit", None, "C_ALL", True),
    (VIEW, "audit", "globex", "C_ALL", False),
    (VIEW, "jobs", None, "C_ACME", False),        # a bound channel asks for the customer
    (VIEW, "jobs", "acme", "C_ACME", True),
    (ADMIN, "audit", "globex", "C_ALL", True),
])
def test_control_reports(who, command, customer, channel, allowed):
    assert POLICY.decide(who, command, customer, channel).allowed is allowed


def test_audit_is_refused_where_the_file_does_not_list_it():
    quiet = load_policy_text('[[grants]]\nrole = "admin"\nusers = ["U_ADMIN"]\ncustomers = ["*"]\n'
                             '[[channels]]\nid = "C_ALL"\ncustomers = ["*"]\n')
    assert quiet.decide(ADMIN, "jobs", None, "C_ALL").allowed
    assert not quiet.decide(ADMIN, "audit", None, "C_ALL").allowed


def test_visible_customers_drive_the_filter():
    assert POLICY.visible_customers(VIEW, "jobs", ["acme", "globex"], "C_ALL") == ["acme"]
    assert POLICY.visible_customers(ADMIN, "jobs", ["acme", "globex"], "C_ACME") == ["acme"]


MIXED = load_policy_text('''
[[grants]]
role = "approver"
users = ["U_BOB"]
customers = ["globex"]

[[grants]]
role = "viewer"
users = ["U_BOB"]
customers = ["acme"]

[[grants]]
role = "viewer"
users = ["U_EVE"]
customers = ["*"]

[commands.audit]
min_role = "approver"

[[channels]]
id = "C_ALL"
customers = ["*"]
''')


def test_a_report_shows_only_customers_where_the_role_is_enough_for_it():
    bob, eve = Identity("U_BOB"), Identity("U_EVE")
    assert not MIXED.decide(bob, "audit", "acme", "C_ALL").allowed
    assert MIXED.decide(bob, "audit", None, "C_ALL").allowed      # he approves for globex
    assert MIXED.visible_customers(bob, "audit", ["acme", "globex"], "C_ALL") == ["globex"]
    assert MIXED.visible_customers(bob, "jobs", ["acme", "globex"], "C_ALL") == ["acme", "globex"]
    # a viewer of every customer is below audit's role: no entry, not even those of no customer
    assert not MIXED.role_allows(eve, "audit", "*") and MIXED.role_allows(eve, "jobs", "*")


def test_a_job_in_a_channel_bound_to_one_customer_points_to_another_channel():
    refusal = POLICY.decide(VIEW, "job", None, "C_ACME")
    assert not refusal.allowed
    assert "not about one customer" in refusal.reason and "<#C_ALL>" in refusal.hint
    assert "`job acme" not in refusal.hint        # that would not parse: job takes an id
    jobs = POLICY.decide(VIEW, "jobs", None, "C_ACME")
    assert "`jobs acme …`" in jobs.hint
