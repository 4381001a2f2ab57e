"""Approval transitions, as a table: who votes, in what state, and what comes of it."""

import pytest

from commands import approval as a
from commands.roles import Role

T0 = 1000.0


def _state(**kw):
    base = dict(request_id="r-1", requester="U_REQ", command="remove-user acme jdoe mail=export",
                command_name="remove-user", customer="acme", fingerprint="f", expires_at=T0 + 60)
    base.update(kw)
    return a.ApprovalState(**base)


@pytest.mark.parametrize("state, user, role, now, outcome, status", [
    (_state(), "U_APP", Role.APPROVER, T0, a.NOW_APPROVED, a.APPROVED),
    (_state(), "U_REQ", Role.ADMIN, T0, a.SELF, a.PENDING),
    (_state(), "U_APP", Role.APPROVER, T0 + 61, a.TOO_LATE, a.EXPIRED),
    (_state(status=a.APPROVED), "U_APP2", Role.APPROVER, T0, a.CLOSED, a.APPROVED),
    (_state(status=a.REJECTED), "U_APP", Role.APPROVER, T0, a.CLOSED, a.REJECTED),
    # 2-of-2, one approver and one admin
    (_state(slots=("approver", "admin")), "U_APP", Role.APPROVER, T0, a.COUNTED, a.PENDING),
    (_state(slots=("approver", "admin"), votes=(("U_APP", "approver", T0),)), "U_APP",
     Role.APPROVER, T0, a.DUPLICATE, a.PENDING),
    # the open slot needs an admin: a second approver would take its place without filling it
    (_state(slots=("approver", "admin"), votes=(("U_APP", "approver", T0),)), "U_APP2",
     Role.APPROVER, T0, a.OTHER_ROLE, a.PENDING),
    (_state(slots=("approver", "admin"), votes=(("U_ADM", "admin", T0),)), "U_ADM2",
     Role.ADMIN, T0, a.NOW_APPROVED, a.APPROVED),
    (_state(slots=("approver", "approver")), "U_ADM", Role.ADMIN, T0, a.COUNTED, a.PENDING),
    (_state(slots=("approver", "admin"), votes=(("U_APP", "approver", T0),)), "U_ADM",
     Role.ADMIN, T0, a.NOW_APPROVED, a.APPROVED),
    (_state(slots=("approver", "admin"), votes=(("U_ADM", "admin", T0),)), "U_APP",
     Role.APPROVER, T0, a.NOW_APPROVED, a.APPROVED),
])
def test_approve(state, user, role, now, outcome, status):
    new, got = a.approve(state, user, role, now)
    assert (got, new.status) == (outcome, status)
    if got == a.NOW_APPROVED:
        assert new.decided_by == user


@pytest.mark.parametrize("fn, user, outcome, status", [
    (a.reject, "U_APP", a.NOW_REJECTED, a.REJECTED),
    (a.reject, "U_REQ", a.SELF, a.PENDING),
    (a.withdraw, "U_REQ", a.NOW_WITHDRAWN, a.WITHDRAWN),
    (a.withdraw, "U_APP", a.NOT_REQUESTER, a.PENDING),
])
def test_reject_and_withdraw(fn, user, outcome, status):
    new, got = fn(_state(), user, T0)
    assert (got, new.status) == (outcome, status)


@pytest.mark.parametrize("slots, votes, still_open", [
    (("admin", "approver"), (), ("admin", "approver")),
    (("admin", "approver"), ("approver",), ("admin",)),
    (("admin", "approver"), ("admin",), ("approver",)),
    (("admin", "approver"), ("admin", "approver"), ()),
    (("approver", "approver"), ("admin",), ("approver",)),
])
def test_open_slots_say_who_is_still_needed(slots, votes, still_open):
    state = _state(slots=slots, votes=tuple((f"U_{i}", role, T0) for i, role in enumerate(votes)))
    assert state.open_slots() == still_open


def test_the_approval_counts_each_person_once_whatever_the_order():
    state = _state(slots=("approver", "admin"))
    for user, role in (("U_REQ", Role.ADMIN), ("U_APP", Role.APPROVER), ("U_APP", Role.APPROVER),
                       ("U_APP2", Role.APPROVER), ("U_ADM", Role.ADMIN)):
        state, outcome = a.approve(state, user, role, T0)
    assert (state.status, state.approvers, outcome) == (a.APPROVED, ("U_APP", "U_ADM"), a.NOW_APPROVED)


def test_json_round_trip():
    state = _state(slots=("approver", "admin"), votes=(("U_APP", "approver", T0),))
    assert a.ApprovalState.from_json(state.to_json()) == state
