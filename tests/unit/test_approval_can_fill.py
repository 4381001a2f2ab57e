"""Who could move an approval on: a role that fills one of its open slots, exactly the votes
`approve` counts (App Home lists only those requests as waiting for someone)."""

from itertools import combinations_with_replacement, product

import pytest

from commands import approval as a
from commands.break_glass import REVIEW_SLOTS
from commands.roles import Role

T0 = 1000.0
ROLES = (Role.OPERATOR, Role.APPROVER, Role.ADMIN)


def _state(slots, votes=()):
    return a.ApprovalState("r-1", "U_REQ", "remove-user acme jdoe mail=export", "remove-user", "acme",
                           "f", expires_at=T0 + 60, slots=tuple(slots),
                           votes=tuple((f"U_{i}", role, T0) for i, role in enumerate(votes)))


@pytest.mark.parametrize("slots, votes, role, fills", [
    (("approver",), (), Role.APPROVER, True),
    (("approver",), (), Role.OPERATOR, False),
    (("approver",), (), None, False),                               # no role at all
    (REVIEW_SLOTS, (), Role.APPROVER, False),                       # a break-glass review: admins
    (REVIEW_SLOTS, (), Role.ADMIN, True),
    (("approver", "admin"), (), Role.APPROVER, True),
    (("approver", "admin"), ("approver",), Role.APPROVER, False),   # only the admin slot is open
    (("approver", "admin"), ("approver",), Role.ADMIN, True),
    (("approver", "admin"), ("admin",), Role.APPROVER, True),
])
def test_a_role_can_fill_a_slot_still_open(slots, votes, role, fills):
    assert a.can_fill(_state(slots, votes), role) is fills


def _pending_states():
    for n in (1, 2, 3):
        for slots in combinations_with_replacement(("approver", "admin"), n):
            for k in range(n):
                for votes in combinations_with_replacement(("approver", "admin"), k):
                    state = _state(slots, votes)
                    if state.could_still_be_satisfied() and not state.is_satisfied():
                        yield state


@pytest.mark.parametrize("state, role", list(product(_pending_states(), ROLES)))
def test_can_fill_agrees_with_what_approve_counts(state, role):
    _, outcome = a.approve(state, "U_NEW", role, T0)
    assert a.can_fill(state, role) is (outcome in (a.COUNTED, a.NOW_APPROVED))
