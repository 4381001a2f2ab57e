"""Who may run what where: tables over roles, commands, channels, scopes and deny-by-default."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commands.errors import PermissionDenied
from commands.policy import Identity, Policy, Role
from tests.unit.test_policy_cases import (
    ADMIN, ALICE, APPROVER, NOBODY, OPERATOR, PAT, PEOPLE, POLICY, VIEWER,
)

# command -> lowest role that may run it in the test policy; None: not enabled there
MIN_ROLE = {
    "help": Role.VIEWER, "list-users": Role.VIEWER, "quota": Role.VIEWER, "show-user": Role.VIEWER,
    "plan": Role.VIEWER, "jobs": Role.VIEWER, "audit": Role.ADMIN,
    "add-user": Role.OPERATOR, "remove-user": Role.OPERATOR, "reset-password": Role.OPERATOR,
    "cancel": Role.APPROVER, "book": Role.ADMIN,
    "set-domain": None, "onboard-customer": None, "disable-activesync": None,
}
READS = {"help", "list-users", "quota", "show-user", "plan", "jobs", "audit"}
CHANNELS = {"C_SUPPORT": "any", "C_AUDIT": "reads", "C_NOWHERE": "none"}


def _customer(command: str) -> str | None:
    return None if command in ("help", "jobs", "audit") else "acme"


@pytest.mark.parametrize("person,command,channel", list(itertools.product(
    PEOPLE, MIN_ROLE, CHANNELS)))
def test_role_command_channel_grid(person, command, channel):
    who = PEOPLE[person]
    decision = POLICY.decide(who, command, _customer(command), channel)
    role = POLICY.role_for(who, "acme")
    needed = MIN_ROLE[command]
    expected = (needed is not None and role is not None and role >= needed
                and CHANNELS[channel] != "none"
                and (CHANNELS[channel] == "any" or command in READS))
    assert decision.allowed is expected, decision.reason
    assert decision.reason and (decision.allowed or decision.hint)


REFUSALS = [
    # who, command, customer, channel, words the reason or hint must contain
    (NOBODY, "list-users", "acme", "C_SUPPORT",
     ["no role for acme", "group with role viewer for acme (that is: S_VIEWERS)"]),
    (VIEWER, "add-user", "acme", "C_SUPPORT",
     ["needs role operator for acme; you have viewer", "group with role operator for acme"]),
    (OPERATOR, "set-domain", "acme", "C_SUPPORT", ["not enabled", "[commands.set-domain]"]),
    (OPERATOR, "frobnicate", "acme", "C_SUPPORT", ["unknown command", "help"]),
    (OPERATOR, "add-user", None, "C_SUPPORT", ["needs a customer"]),
    (OPERATOR, "add-user", "acme", "C_RANDOM", ["does not work in this channel", "<#C_SUPPORT>"]),
    (OPERATOR, "add-user", "acme", "C_AUDIT", ["reports only", "<#C_ACME_SHARED>, <#C_SUPPORT>"]),
    (OPERATOR, "add-user", "globex", "C_ACME_SHARED", ["only for acme, not globex", "<#C_SUPPORT>"]),
    (ALICE, "add-user", "initech", "C_SUPPORT", ["no role for initech", "(that is: S_OPERATORS)"]),
    (ALICE, "cancel", "acme", "C_SUPPORT", ["needs role approver for acme; you have operator"]),
    (PAT, "list-users", "globex", "C_SUPPORT", ["no role for globex"]),
    (ADMIN, "add-user", "acme", "D_DIRECT", ["does not work in this channel"]),
    (ADMIN, "jobs", None, "C_ACME_SHARED", ["only for acme, and jobs was not given a customer",
                                           "`jobs acme …`, or run it in <#C_AUDIT>, <#C_SUPPORT>"]),
    (ADMIN, "audit", None, "C_ACME_SHARED", ["not given a customer"]),
]


@pytest.mark.parametrize("who,command,customer,channel,words", REFUSALS)
def test_refusals_say_why_and_what_to_do(who, command, customer, channel, words):
    decision = POLICY.decide(who, command, customer, channel)
    assert not decision.allowed
    text = f"{decision.reason}\n{decision.hint}"
    for word in words:
        assert word in text
    with pytest.raises(PermissionDenied) as caught:
        POLICY.require(who, command, customer, channel)
    assert caught.value.message == decision.reason and caught.value.hint == decision.hint


SCOPED = [
    # who, command, customer, channel, allowed
    (ALICE, "add-user", "acme", "C_SUPPORT", True),
    (ALICE, "add-user", "ACME", "C_SUPPORT", True),          # slugs compare case-insensitively
    (ALICE, "add-user", "globex", "C_SUPPORT", True),
    (ALICE, "add-user", "initech", "C_SUPPORT", False),
    (ALICE, "list-users", "initech", "C_SUPPORT", False),
    (ALICE, "add-user", "acme", "C_ACME_SHARED", True),
    (ALICE, "add-user", "globex", "C_ACME_SHARED", False),
    (ALICE, "help", None, "C_ACME_SHARED", True),
    (ALICE, "jobs", None, "C_ACME_SHARED", False),
    (ALICE, "jobs", "acme", "C_ACME_SHARED", True),
    (PAT, "cancel", "acme", "C_SUPPORT", True),
    (PAT, "cancel", "globex", "C_SUPPORT", False),
    (Identity("U_ALICE", frozenset({"S_VIEWERS"})), "list-users", "initech", "C_SUPPORT", True),
    (Identity("U_ALICE", frozenset({"S_VIEWERS"})), "add-user", "initech", "C_SUPPORT", False),
]


@pytest.mark.parametrize("who,command,customer,channel,allowed", SCOPED)
def test_scoped_grants_and_customer_bound_channels(who, command, customer, channel, allowed):
    assert POLICY.decide(who, command, customer, channel).allowed is allowed


@pytest.mark.parametrize("who,customer,role", [
    (ALICE, "acme", Role.OPERATOR), (ALICE, "initech", None), (ALICE, None, Role.OPERATOR),
    (PAT, None, Role.APPROVER), (PAT, "globex", None), (NOBODY, None, None),
    (Identity("U_PAT", frozenset({"S_VIEWERS"})), "acme", Role.APPROVER),
    (Identity("U_PAT", frozenset({"S_VIEWERS"})), "globex", Role.VIEWER),
    (Identity("U_X", frozenset({"S_VIEWERS", "S_ADMINS"})), "acme", Role.ADMIN),
])
def test_role_for_is_the_highest_grant_covering_the_customer(who, customer, role):
    assert POLICY.role_for(who, customer) == role


RISK = [
    # who, command, options, risky, slots, ticket_required, break_glass
    (OPERATOR, "add-user", {}, False, (), False, False),
    (OPERATOR, "remove-user", {}, True, (Role.APPROVER,), True, False),
    (ADMIN, "remove-user", {}, True, (Role.APPROVER,), True, False),
    (OPERATOR, "reset-password", {}, True, (Role.APPROVER,), True, False),
    (ADMIN, "reset-password", {}, True, (Role.APPROVER,), True, True),
    (APPROVER, "cancel", {}, True, (Role.ADMIN, Role.APPROVER), True, False),
    (ADMIN, "book", {}, True, (Role.ADMIN,), False, False),
    (OPERATOR, "enable-fax", {"mode": "shared"}, False, (), False, False),
    (OPERATOR, "enable-fax", {"mode": "dedicated"}, True, (Role.APPROVER,), True, False),
    (OPERATOR, "enable-fax", {"mode": "DEDICATED"}, True, (Role.APPROVER,), True, False),
    (OPERATOR, "enable-fax", {}, True, (Role.APPROVER,), True, False),   # in doubt: risky
    (OPERATOR, "set-legal-info", {}, False, (), True, False),
]


@pytest.mark.parametrize("who,command,options,risky,slots,ticket,break_glass", RISK)
def test_what_an_allowed_command_takes(who, command, options, risky, slots, ticket, break_glass):
    decision = POLICY.decide(who, command, "acme", "C_SUPPORT", options)
    assert decision.allowed, decision.reason
    assert (decision.risky, decision.approver_roles, decision.ticket_required,
            decision.break_glass_allowed) == (risky, slots, ticket, break_glass)
    assert decision.approvals_needed == len(slots)


@pytest.mark.parametrize("command,held,approved", [
    ("remove-user", [], False),
    ("remove-user", [Role.APPROVER], True),
    ("remove-user", [Role.OPERATOR], False),
    ("remove-user", [Role.ADMIN], True),
    ("cancel", [Role.APPROVER], False),                    # N = 2
    ("cancel", [Role.APPROVER, Role.APPROVER], False),     # one of them must be admin
    ("cancel", [Role.APPROVER, Role.ADMIN], True),
    ("cancel", [Role.ADMIN, Role.ADMIN], True),            # admin also fills the approver slot
    ("cancel", [Role.OPERATOR, Role.ADMIN], False),
])
def test_n_of_m_approvals_with_roles(command, held, approved):
    decision = POLICY.decide(ADMIN, command, "acme", "C_SUPPORT")
    assert decision.is_approved_by(held) is approved


@pytest.mark.parametrize("who,command,customer,requester,can", [
    (APPROVER, "remove-user", "acme", "U_OLE", True),
    (ADMIN, "remove-user", "initech", "U_OLE", True),
    (OPERATOR, "remove-user", "acme", "U_ADA", False),
    (APPROVER, "remove-user", "acme", "U_ANNA", False),    # not one's own request
    (PAT, "remove-user", "acme", "U_ALICE", True),
    (PAT, "remove-user", "globex", "U_ALICE", False),      # approver out of scope
    (APPROVER, "remove-user", None, "U_OLE", False),       # customer command without customer
    (APPROVER, "set-domain", "acme", "U_OLE", False),      # not in the policy
    (APPROVER, "cancel", "acme", "U_OLE", True),
])
def test_can_approve(who, command, customer, requester, can):
    assert POLICY.can_approve(who, command, customer, requester=requester) is can


SLUGS = ["acme", "globex", "initech"]


@pytest.mark.parametrize("who,channel,visible", [
    (ADMIN, None, SLUGS),
    (ALICE, None, ["acme", "globex"]),
    (PAT, None, ["acme"]),
    (NOBODY, None, []),
    (ADMIN, "C_ACME_SHARED", ["acme"]),
    (ALICE, "C_SUPPORT", ["acme", "globex"]),
    (ADMIN, "C_NOWHERE", []),
])
def test_reports_show_only_customers_in_scope(who, channel, visible):
    assert POLICY.visible_customers(who, "jobs", SLUGS, channel) == visible


def test_a_policy_that_did_not_load_refuses_everything():
    broken = Policy.refusing("policy.toml:3: unknown role 'oprator'")
    decision = broken.decide(ADMIN, "help", None, "C_SUPPORT")
    assert not decision.allowed
    assert "did not load" in decision.reason and "policy.toml:3" in decision.hint
    assert broken.role_for(ADMIN, None) is None
    assert broken.visible_customers(ADMIN, "jobs", SLUGS) == []
    assert not broken.can_approve(ADMIN, "remove-user", "acme")
    with pytest.raises(PermissionDenied):
        broken.check_ticket("remove-user", True, "SUP-1")


def test_an_empty_policy_refuses_everything():
    empty = Policy()
    assert not empty.decide(ADMIN, "help", None, "C_SUPPORT").allowed


@given(command=st.text(min_size=1, max_size=20), channel=st.text(max_size=12),
       groups=st.frozensets(st.sampled_from(["S_VIEWERS", "S_ADMINS", "S_OTHER", "S_X"])))
def test_unknown_commands_and_channels_are_always_refused(command, channel, groups):
    who = Identity("U_ANY", groups)
    if command not in MIN_ROLE and command not in POLICY._rules:
        assert not POLICY.decide(who, command, "acme", "C_SUPPORT").allowed
    if channel not in ("C_SUPPORT", "C_AUDIT", "C_ACME_SHARED"):
        assert not POLICY.decide(who, "help", None, channel).allowed


@given(groups=st.frozensets(st.sampled_from(["S_VIEWERS", "S_OPERATORS", "S_APPROVERS",
                                              "S_ADMINS", "S_OTHER"])),
       user=st.sampled_from(["U_ALICE", "U_PAT", "U_OTHER"]),
       command=st.sampled_from(sorted(MIN_ROLE)),
       customer=st.sampled_from(SLUGS),
       channel=st.sampled_from(["C_SUPPORT", "C_AUDIT", "C_ACME_SHARED", "C_X"]))
def test_allowed_implies_role_scope_and_channel(groups, user, command, customer, channel):
    who = Identity(user, groups)
    decision = POLICY.decide(who, command, customer, channel)
    if decision.allowed:
        rule = POLICY.rule(command)
        assert decision.role == POLICY.role_for(who, customer) >= rule.min_role
        assert POLICY.channel(channel).covers(customer)
        assert customer in POLICY.visible_customers(who, command, SLUGS, channel)
