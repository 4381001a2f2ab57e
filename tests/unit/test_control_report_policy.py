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
    assert POLICY.visible_customers(VIEW, ["acme", "globex"], "C_ALL") == ["acme"]
    assert POLICY.visible_customers(ADMIN, ["acme", "globex"], "C_ACME") == ["acme"]
