"""Four eyes: the state of one approval request and the pure transitions on it.

The bot stores the state in Redis and applies these transitions inside an optimistic
transaction, so that two approvers reacting at the same moment, or Slack delivering the same
reaction twice, move a request to "approved" exactly once.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace

from commands.roles import Role

PENDING, APPROVED, REJECTED, WITHDRAWN, EXPIRED = "pending", "approved", "rejected", "withdrawn", "expired"

# outcomes of a vote, for the bot to answer on
COUNTED, NOW_APPROVED, NOW_REJECTED, NOW_WITHDRAWN = "counted", "approved", "rejected", "withdrawn"
SELF, DUPLICATE, CLOSED, TOO_LATE, NOT_REQUESTER = "self", "duplicate", "closed", "expired", "not_requester"
OTHER_ROLE = "other_role"   # the slots still open need a higher role than the voter's


@dataclass(frozen=True)
class ApprovalState:
    request_id: str
    requester: str
    command: str                          # canonical command text
    command_name: str
    customer: str | None
    fingerprint: str                      # the plan that was shown (commands.plan.Plan.fingerprint)
    expires_at: float
    slots: tuple[str, ...] = ("approver",)  # one role label per approval needed (N-of-M)
    status: str = PENDING
    votes: tuple[tuple[str, str, float], ...] = ()   # (user id, role label, time) approvals
    decided_by: str | None = None
    decided_at: float | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> "ApprovalState":
        data = json.loads(text)
        data["slots"] = tuple(data["slots"])
        data["votes"] = tuple(tuple(v) for v in data["votes"])
        return cls(**data)

    @property
    def approvers(self) -> tuple[str, ...]:
        return tuple(v[0] for v in self.votes)

    def is_satisfied(self) -> bool:
        """Distinct approvers cover every slot: highest roles paired with highest slots."""
        held = sorted((Role.parse(v[1]) for v in self.votes), reverse=True)
        slots = sorted((Role.parse(s) for s in self.slots), reverse=True)
        return len(held) >= len(slots) and all(h >= s for h, s in zip(held, slots))

    def could_still_be_satisfied(self) -> bool:
        """Each vote can fill a slot of its own: lowest votes paired with the lowest slots."""
        held = sorted(Role.parse(v[1]) for v in self.votes)
        slots = sorted(Role.parse(s) for s in self.slots)
        return len(held) <= len(slots) and all(h >= s for h, s in zip(held, slots))

    def open_slots(self) -> tuple[str, ...]:
        """The role labels still to be filled, highest first, once the votes are paired off."""
        held = sorted((Role.parse(v[1]) for v in self.votes), reverse=True)
        slots = sorted((Role.parse(s) for s in self.slots), reverse=True)
        open_ = []
        for slot in slots:
            match = min((h for h in held if h >= slot), default=None)
            if match is None:
                open_.append(slot.label)
            else:
                held.remove(match)
        return tuple(open_)


def can_fill(state: ApprovalState, role: Role | None) -> bool:
    """Would a vote with `role` fill one of the slots still open (what `approve` counts)? Lists
    of requests waiting for someone show only those their vote would move on."""
    return role is not None and any(role >= Role.parse(slot) for slot in state.open_slots())


def approve(state: ApprovalState, user: str, role: Role, now: float) -> tuple[ApprovalState, str]:
    """Count `user`'s approval; the caller has checked that `role` may approve this request."""
    if state.status != PENDING:
        return state, CLOSED
    if now > state.expires_at:
        return replace(state, status=EXPIRED), TOO_LATE
    if user == state.requester:
        return state, SELF
    if user in state.approvers:
        return state, DUPLICATE
    counted = replace(state, votes=state.votes + ((user, role.label, now),))
    if not counted.could_still_be_satisfied():
        return state, OTHER_ROLE   # counting it would take a place that a higher role must fill
    if counted.is_satisfied():
        return replace(counted, status=APPROVED, decided_by=user, decided_at=now), NOW_APPROVED
    return counted, COUNTED


def reject(state: ApprovalState, user: str, now: float) -> tuple[ApprovalState, str]:
    """One approver's "no" ends the request (the requester withdraws instead)."""
    if state.status != PENDING:
        return state, CLOSED
    if now > state.expires_at:
        return replace(state, status=EXPIRED), TOO_LATE
    if user == state.requester:
        return state, SELF
    return replace(state, status=REJECTED, decided_by=user, decided_at=now), NOW_REJECTED


def withdraw(state: ApprovalState, user: str, now: float) -> tuple[ApprovalState, str]:
    if state.status != PENDING:
        return state, CLOSED
    if user != state.requester:
        return state, NOT_REQUESTER
    return replace(state, status=WITHDRAWN, decided_by=user, decided_at=now), NOW_WITHDRAWN
