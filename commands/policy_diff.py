"""What changes for whom when one policy replaces another, for `tobitbot policy check`.

Channels are left out of "who may run what": they say where, not who. They get their own lines,
as do changes to what a command takes (approvals, tickets, break-glass) and to the defaults.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Sequence

from commands.policy_catalogue import KNOWN_COMMANDS, needs_customer, takes_customer
from commands.policy_rules import ALL_CUSTOMERS, ChannelRule, describe_customers
from commands.roles import Identity

if TYPE_CHECKING:
    from commands.policy import Policy

def _principals(policies: Sequence["Policy"], users_groups: Mapping[str, set[str]] | None
                ) -> list[tuple[str, Identity]]:
    named_users = sorted({u for p in policies for g in p.grants for u in g.users})
    if users_groups is not None:
        users = sorted(set(users_groups) | set(named_users))
        return [(u, Identity(u, frozenset(users_groups.get(u, ())))) for u in users]
    # Without group membership, speak for each group and each directly named user.
    groups = sorted({g for p in policies for grant in p.grants for g in grant.groups})
    return ([(f"members of {g}", Identity("", frozenset({g}))) for g in groups]
            + [(u, Identity(u)) for u in named_users])


Ability = tuple[str, str, str]   # ("run" | "approve", command, customer or "")


def _abilities(policy: "Policy", who: Identity, customers: Sequence[str]) -> set[Ability]:
    found = set()
    for command in KNOWN_COMMANDS:
        # `jobs` and `audit` without a customer show only the customers the role is enough for
        per_customer = needs_customer(command) or takes_customer(command) or command == "plan"
        scopes = list(customers) if per_customer else [None]
        for customer in scopes:
            label = customer or ""
            if policy.role_allows(who, command, customer):
                found.add(("run", command, label))
            rule = policy.rule(command)
            if (rule is not None and rule.may_be_risky
                    and policy.can_approve(who, command, customer)):
                found.add(("approve", command, label))
    return found


def _lines_for(label: str, verb: str, abilities: set[Ability]) -> list[str]:
    grouped: dict[tuple[str, str], list[str]] = {}
    for kind, command, customer in abilities:
        grouped.setdefault((kind, command), []).append(customer)
    lines = []
    by_command = sorted(grouped.items(), key=lambda item: (item[0][1], item[0][0] != "run"))
    for (kind, command), customers in by_command:
        what = command if kind == "run" else f"approval of {command}"
        where = ", ".join(_customer_label(c) for c in sorted(customers, key=_last_star) if c)
        lines.append(f"{label} {verb} {what}" + (f" on {where}" if where else ""))
    return lines


def _last_star(customer: str) -> tuple[bool, str]:
    return customer == ALL_CUSTOMERS, customer


def _customer_label(customer: str) -> str:
    return "any other customer" if customer == ALL_CUSTOMERS else customer


def _rule_text(policy: "Policy", command: str) -> str | None:
    rule = policy.rule(command)
    if rule is None:
        return None
    parts = [f"min_role {rule.min_role}"]
    if rule.may_be_risky:
        when = "always" if rule.risky else " or ".join(
            f"{k} in {sorted(v)}" for k, v in rule.risky_when)
        slots = " + ".join(str(s) for s in rule.approval_slots())
        parts.append(f"risky ({when}), approvals {slots}")
        parts.append("break-glass" if rule.break_glass else "no break-glass")
    parts.append(f"ticket {rule.ticket or 'by default'}")
    return ", ".join(parts)


def _channel_text(channel: "ChannelRule | None") -> str:
    if channel is None:
        return "not listed"
    return describe_customers(channel.customers) + (", reports only" if channel.read_only else "")


def _setting_lines(old: "Policy", new: "Policy") -> list[str]:
    lines = []
    for command in sorted(KNOWN_COMMANDS):
        before, after = _rule_text(old, command), _rule_text(new, command)
        if before != after:
            lines.append(f"{command}: {before or 'not enabled'} -> {after or 'not enabled'}")
    old_channels = {c.id: c for c in old.channels}
    new_channels = {c.id: c for c in new.channels}
    for cid in sorted(old_channels.keys() | new_channels.keys()):
        before, after = old_channels.get(cid), new_channels.get(cid)
        if before == after:
            continue
        lines.append(f"channel {cid}: {_channel_text(before)} -> {_channel_text(after)}")
    for name in ("ticket_pattern", "ticket_for_risky", "approval_expiry_seconds"):
        before, after = getattr(old.defaults, name), getattr(new.defaults, name)
        if before != after:
            lines.append(f"defaults {name}: {before} -> {after}")
    return lines


def ability_changes(old: "Policy", new: "Policy", users_groups: Mapping[str, set[str]] | None,
                    customers: Sequence[str]) -> list[str]:
    """Lines like "U_ALICE gains remove-user on acme": who may run or approve what, changed.

    `users_groups` maps Slack user ids to their user group ids; without it the lines speak of
    "members of S_GROUP" and of users the policies name directly.
    """
    lines = []
    for label, who in _principals((old, new), users_groups):
        before, after = _abilities(old, who, customers), _abilities(new, who, customers)
        lines += _lines_for(label, "gains", after - before)
        lines += _lines_for(label, "loses", before - after)
    return lines


def setting_changes(old: "Policy", new: "Policy") -> list[str]:
    """Changed command rules (approvals, tickets, break-glass), channels and defaults."""
    return _setting_lines(old, new)


def customer_scopes(policies: Sequence["Policy"], seen: Sequence[str] = ()) -> list[str]:
    """The customers worth comparing: those the policies name or `seen` lists, then `*`.

    `*` stands for any other customer: only grants for all customers cover it.
    """
    named = {c for p in policies for rule in (*p.grants, *p.channels) for c in rule.customers}
    return sorted((named | {c.casefold() for c in seen}) - {ALL_CUSTOMERS}) + [ALL_CUSTOMERS]


def diff_policies(old: "Policy", new: "Policy", users_groups: Mapping[str, set[str]] | None,
                  customers: list[str]) -> list[str]:
    """Lines like "U_ALICE gains remove-user on acme", then changed command and channel settings."""
    return ability_changes(old, new, users_groups, customers) + setting_changes(old, new)
