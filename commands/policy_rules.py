"""The pieces a policy file is made of, once validated: grants, command rules, channels, defaults.

Each piece answers only questions about itself (does this grant apply to this person, is this
command risky with these options); `commands.policy.Policy` combines them into decisions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

from commands.roles import Identity, Role

ALL_CUSTOMERS = "*"


def _covers(customers: frozenset[str], customer: str | None) -> bool:
    # None means "a report across customers": the caller filters with visible_customers().
    return customer is None or ALL_CUSTOMERS in customers or customer.casefold() in customers


def describe_customers(customers: frozenset[str]) -> str:
    return "all customers" if ALL_CUSTOMERS in customers else ", ".join(sorted(customers))


@dataclass(frozen=True)
class Grant:
    """Gives `role` to the listed users and members of the listed groups, for `customers`."""

    role: Role
    customers: frozenset[str]          # casefolded slugs, or {"*"}
    groups: frozenset[str] = frozenset()
    users: frozenset[str] = frozenset()

    def applies_to(self, who: Identity) -> bool:
        return who.user_id in self.users or not self.groups.isdisjoint(who.group_ids)

    def covers(self, customer: str | None) -> bool:
        return _covers(self.customers, customer)


@dataclass(frozen=True)
class CommandRule:
    """Who may run one command and what it takes: approvals, a ticket, break-glass."""

    name: str
    min_role: Role
    risky: bool = False                                        # always needs approval
    risky_when: tuple[tuple[str, frozenset[str]], ...] = ()    # option -> values that make it risky
    approvals: int = 1
    approver_roles: tuple[Role, ...] = ()                      # as written in the file
    ticket: str | None = None                                  # "required" | "optional" | None
    break_glass: bool = False

    def is_risky(self, options: Mapping[str, object]) -> bool:
        if self.risky:
            return True
        for key, values in self.risky_when:
            value = options.get(key)
            # An option the caller did not give could be the risky one: in doubt, risky.
            if value is None or str(value).casefold() in values:
                return True
        return False

    @property
    def may_be_risky(self) -> bool:
        return self.risky or bool(self.risky_when)

    def approval_slots(self) -> tuple[Role, ...]:
        """One entry per approval needed: the lowest role that approval must come from."""
        floor = max(Role.APPROVER, self.min_role)
        listed = tuple(sorted(self.approver_roles, reverse=True))
        return listed + (floor,) * (self.approvals - len(listed))


@dataclass(frozen=True)
class ChannelRule:
    """A channel the bot works in; bound to customers, and possibly to reports only."""

    id: str
    customers: frozenset[str]
    read_only: bool = False

    def covers(self, customer: str | None) -> bool:
        return _covers(self.customers, customer)


@dataclass(frozen=True)
class Defaults:
    # Missing [defaults] must be the safe choice: tickets for risky commands, short expiry.
    ticket_pattern: str = r"^\S+$"
    ticket_for_risky: bool = True
    approval_expiry_seconds: int = 4 * 3600
    ticket_example: str | None = None    # what a refusal tells people to type: "SUP-1234"


def ticket_example_problem(example: object, pattern: str) -> str | None:
    """Why `example` cannot be the policy's ticket example (it must pass its own pattern)."""
    if not isinstance(example, str) or not re.fullmatch(r"\S+", example):
        return 'ticket_example must be one ticket id, such as "SUP-1234"'
    if not re.fullmatch(pattern, example):
        return f"ticket_example {example!r} does not match ticket_pattern"
    return None


@dataclass(frozen=True)
class PolicyParts:
    grants: tuple[Grant, ...] = ()
    commands: tuple[CommandRule, ...] = ()
    channels: tuple[ChannelRule, ...] = ()
    defaults: Defaults = field(default_factory=Defaults)
