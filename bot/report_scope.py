"""Which customers a cross-customer report (`jobs`, `audit`, App Home) may show this person here.

The policy decides (`visible_customers`: their grants, and the channel's binding); a record about
no customer at all is shown only to someone whose grant and channel cover every customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from commands.policy import Identity, Policy
from commands.policy_rules import ALL_CUSTOMERS


@dataclass(frozen=True)
class ReportScope:
    visible: frozenset[str]
    sees_all: bool

    def shows(self, customer: str | None) -> bool:
        return self.sees_all if customer is None else customer in self.visible


def report_scope(policy: Policy, who: Identity, command: str, customers: Iterable[str | None],
                 channel: str | None) -> ReportScope:
    """What the report `command` may show; `channel` None: not in a channel (App Home), so
    only the person's grants count."""
    slugs = sorted({c for c in customers if c})
    visible = frozenset(policy.visible_customers(who, command, slugs, channel))
    rule = policy.channel(channel) if channel is not None else None
    everywhere = channel is None or (rule is not None and rule.covers(ALL_CUSTOMERS))
    return ReportScope(visible, everywhere and policy.role_allows(who, command, ALL_CUSTOMERS))
