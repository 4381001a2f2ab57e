"""Break-glass decisions as a table: which admin may skip approval for which command, and why not."""

from __future__ import annotations

import pytest

from commands.break_glass import check_break_glass
from commands.errors import PermissionDenied
from tests.unit.test_policy_cases import ADMIN, APPROVER, OPERATOR, POLICY

REASON = "customer CEO locked out"

CASES = [
    # who, command, options, refused with these words (None: allowed)
    (ADMIN, "reset-password", {}, None),
    (OPERATOR, "reset-password", {}, ["needs role admin for acme; you are operator", REASON]),
    (APPROVER, "reset-password", {}, ["needs role admin for acme; you are approver"]),
    (ADMIN, "remove-user", {}, ["does not allow break-glass for remove-user",
                                "break_glass = true under [commands.remove-user]"]),
    (ADMIN, "cancel", {}, ["does not allow break-glass for cancel"]),
    (ADMIN, "add-user", {}, ["does not allow break-glass for add-user"]),
    (ADMIN, "enable-fax", {"mode": "dedicated"}, ["does not allow break-glass for enable-fax"]),
]


@pytest.mark.parametrize("who,command,options,words", CASES)
def test_check_break_glass(who, command, options, words):
    decision = POLICY.decide(who, command, "acme", "C_SUPPORT", options)
    assert decision.allowed
    if words is None:
        assert decision.break_glass_allowed
        check_break_glass(POLICY, decision, command, "acme", REASON)
        return
    with pytest.raises(PermissionDenied) as caught:
        check_break_glass(POLICY, decision, command, "acme", REASON)
    assert all(w in caught.value.text() for w in words), caught.value.text()
    assert caught.value.hint


def test_a_command_that_needs_no_approval_needs_no_break_glass():
    from commands.policy import load_policy_text
    from tests.unit.test_policy_cases import POLICY_TEXT

    policy = load_policy_text(POLICY_TEXT.replace(
        '[commands.enable-fax]\nmin_role = "operator"\n',
        '[commands.enable-fax]\nmin_role = "operator"\nbreak_glass = true\n'))
    decision = policy.decide(ADMIN, "enable-fax", "acme", "C_SUPPORT", {"mode": "shared"})
    with pytest.raises(PermissionDenied, match="needs no approval here"):
        check_break_glass(policy, decision, "enable-fax", "acme", REASON)
    risky = policy.decide(ADMIN, "enable-fax", "acme", "C_SUPPORT", {"mode": "dedicated"})
    check_break_glass(policy, risky, "enable-fax", "acme", REASON)
