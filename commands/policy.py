"""Who may do what, where: the policy, loaded from TOML text, and the decisions it makes.

Deny by default. A person with no grant, a command the file does not list (reads excepted), a
channel the file does not list, a customer none of the person's grants covers, or a policy that
did not load: each is refused with a reason and what to do. The file format is documented in
`deploy/policy.example.toml`; validation lives in `policy_schema`, wording in `policy_messages`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from commands import policy_messages as say
from commands.errors import ConfigError, ParseError, PermissionDenied
from commands.policy_catalogue import (
    IMPLICIT_READS, KNOWN_COMMANDS, READ_COMMANDS, needs_customer, takes_customer,
)
from commands.policy_diff import diff_policies
from commands.policy_lines import LineIndex
from commands.policy_rules import (
    ALL_CUSTOMERS, ChannelRule, CommandRule, Defaults, Grant, PolicyParts,
)
from commands.policy_schema import build_parts
from commands.roles import Identity, Role

__all__ = ["Decision", "Identity", "Policy", "Role", "diff_policies", "load_policy_text"]

_NO_OPTIONS: Mapping[str, object] = {}


@dataclass(frozen=True)
class Decision:
    """The answer to "may this person run this here"; when allowed, what it takes to run it."""

    allowed: bool
    reason: str
    risky: bool = False
    approvals_needed: int = 0
    approver_roles: tuple[Role, ...] = ()   # one per approval: the lowest role it must come from
    ticket_required: bool = False
    break_glass_allowed: bool = False
    role: Role | None = None
    hint: str | None = None                 # what to do about a refusal
    channels: tuple[str, ...] = ()          # named in the refusal on purpose, as `<#id>`

    @classmethod
    def refused(cls, refusal: say.Refusal, role: Role | None = None) -> "Decision":
        return cls(False, refusal.reason, role=role, hint=refusal.hint, channels=refusal.channels)

    def refusal(self) -> PermissionDenied:
        return PermissionDenied(self.reason, hint=self.hint, channels=self.channels)

    def is_approved_by(self, roles: Sequence[Role]) -> bool:
        """True when approvals from distinct people holding `roles` satisfy every slot.

        The caller passes one role per distinct approver, the requester excluded. Because roles
        are totally ordered, pairing the highest slots with the highest approvers is optimal.
        """
        if len(roles) < self.approvals_needed:
            return False
        held = sorted(roles, reverse=True)
        slots = sorted(self.approver_roles, reverse=True)
        return all(have >= need for have, need in zip(held, slots))


@dataclass(frozen=True)
class Policy:
    grants: tuple[Grant, ...] = ()
    commands: tuple[CommandRule, ...] = ()
    channels: tuple[ChannelRule, ...] = ()
    defaults: Defaults = field(default_factory=Defaults)
    source: str = "<policy>"
    load_error: str | None = None          # set: the file did not load and everything is refused
    _rules: dict[str, CommandRule] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_rules", {r.name: r for r in self.commands})

    @classmethod
    def refusing(cls, error: str, source: str = "<policy>") -> "Policy":
        """The policy to run with when the file did not load: it refuses everything, saying why."""
        return cls(source=source, load_error=error)

    @property
    def approval_expiry_seconds(self) -> int:
        return self.defaults.approval_expiry_seconds

    def rule(self, command_name: str) -> CommandRule | None:
        """The command's rule; reads the file does not list (except audit) run for viewers."""
        if command_name in self._rules:
            return self._rules[command_name]
        if command_name in IMPLICIT_READS:
            return CommandRule(command_name, Role.VIEWER)
        return None

    def channel(self, channel_id: str) -> ChannelRule | None:
        return next((c for c in self.channels if c.id == channel_id), None)

    def role_for(self, who: Identity, customer: str | None) -> Role | None:
        """Highest role of the person's grants covering `customer` (None: any of their grants)."""
        if self.load_error:
            return None
        roles = [g.role for g in self.grants if g.applies_to(who) and g.covers(customer)]
        return max(roles, default=None)

    def decide(self, who: Identity, command_name: str, customer: str | None, channel_id: str,
               options: Mapping[str, object] = _NO_OPTIONS) -> Decision:
        """May `who` run `command_name` for `customer` in `channel_id`; with what it needs."""
        rule = self.rule(command_name)
        if self.load_error or rule is None:
            return Decision.refused(self._unavailable(command_name))
        if customer is None and needs_customer(command_name):
            return Decision.refused(say.needs_customer(command_name))
        role = self.role_for(who, customer)
        if role is None or role < rule.min_role:
            groups = self._groups_granting(rule.min_role, customer)
            refusal = (say.no_role(command_name, rule.min_role, customer, groups) if role is None
                       else say.role_too_low(command_name, role, rule.min_role, customer, groups))
            return Decision.refused(refusal, role)
        refusal = self._channel_refusal(command_name, customer, channel_id)
        if refusal:
            return Decision.refused(refusal, role)
        return self._allowed(rule, role, customer, options)

    def require(self, who: Identity, command_name: str, customer: str | None, channel_id: str,
                options: Mapping[str, object] = _NO_OPTIONS) -> Decision:
        """Like `decide`, but a refusal raises PermissionDenied."""
        decision = self.decide(who, command_name, customer, channel_id, options)
        if not decision.allowed:
            raise decision.refusal()
        return decision

    def can_approve(self, who: Identity, command_name: str, customer: str | None, *,
                    requester: str | None = None) -> bool:
        """Would an approval by `who` count: an approver role covering the customer, not self."""
        rule = self.rule(command_name)
        if self.load_error or rule is None or who.user_id == requester:
            return False
        if customer is None and needs_customer(command_name):
            return False
        role = self.role_for(who, customer)
        return role is not None and role >= min(rule.approval_slots())

    def visible_customers(self, who: Identity, command_name: str, all_slugs: Sequence[str],
                          channel_id: str | None = None) -> list[str]:
        """The customers the report `command_name` across customers may show this person here:
        those where their role is enough for that command (a viewer of acme who approves for
        globex sees only globex in an approvers' report), and that the channel covers."""
        channel = self.channel(channel_id) if channel_id is not None else None
        if channel_id is not None and channel is None:
            return []
        return [slug for slug in all_slugs if self.role_allows(who, command_name, slug)
                and (channel is None or channel.covers(slug))]

    def role_allows(self, who: Identity, command_name: str, customer: str | None) -> bool:
        """Is `who`'s role for `customer` (`*`: every customer; None: any of their grants) enough
        for `command_name`: role and scope only, not the channel."""
        rule = self.rule(command_name)
        role = self.role_for(who, customer)
        return rule is not None and role is not None and role >= rule.min_role

    def check_ticket(self, command_name: str, risky: bool, ticket: str | None) -> str | None:
        """The cleaned ticket id; raises when one is required and missing, or malformed."""
        rule = self.rule(command_name)
        if self.load_error or rule is None:
            raise Decision.refused(self._unavailable(command_name)).refusal()
        example = self.defaults.ticket_example
        ticket = (ticket or "").strip() or None
        if ticket is None:
            if self._ticket_required(rule, risky):
                missing = say.ticket_missing(command_name, example)
                raise PermissionDenied(missing.reason, hint=missing.hint)
            return None
        if not re.fullmatch(self.defaults.ticket_pattern, ticket):
            malformed = say.ticket_malformed(ticket, example)
            raise ParseError(malformed.reason, hint=malformed.hint)
        return ticket

    # ---- inside ---------------------------------------------------------------------------

    def _unavailable(self, command_name: str) -> say.Refusal:
        if self.load_error:
            return say.not_loaded(self.load_error)
        if command_name not in KNOWN_COMMANDS:
            return say.unknown_command(command_name)
        return say.not_in_policy(command_name)

    def _ticket_required(self, rule: CommandRule, risky: bool) -> bool:
        if rule.ticket is not None:
            return rule.ticket == "required"
        return risky and self.defaults.ticket_for_risky

    def _allowed(self, rule: CommandRule, role: Role, customer: str | None,
                 options: Mapping[str, object]) -> Decision:
        risky = rule.is_risky(options)
        slots = rule.approval_slots() if risky else ()
        return Decision(
            allowed=True, reason=say.allowed(role, customer, slots), risky=risky,
            approvals_needed=len(slots), approver_roles=slots,
            ticket_required=self._ticket_required(rule, risky),
            break_glass_allowed=risky and rule.break_glass and role >= Role.ADMIN, role=role,
        )

    def _channel_refusal(self, command_name: str, customer: str | None,
                         channel_id: str) -> say.Refusal | None:
        is_read = command_name in READ_COMMANDS
        elsewhere = [c.id for c in self.channels
                     if c.covers(customer) and (is_read or not c.read_only)]
        channel = self.channel(channel_id)
        if channel is None:
            return say.channel_unknown(channel_id, elsewhere)
        if channel.read_only and not is_read:
            return say.channel_read_only(command_name, channel_id, elsewhere)
        bound_to = ", ".join(sorted(channel.customers))
        if customer is not None and not channel.covers(customer):
            return say.channel_other_customer(channel_id, bound_to, customer, elsewhere)
        if customer is None and command_name != "help" and ALL_CUSTOMERS not in channel.customers:
            # A report across customers in a channel shared with one customer could show the
            # others' data if the caller forgot to filter; in doubt, ask for a customer.
            everywhere = [c.id for c in self.channels if ALL_CUSTOMERS in c.customers]
            return say.channel_needs_customer(command_name, channel_id, bound_to, everywhere,
                                              takes_customer(command_name))
        return None

    def _groups_granting(self, needed: Role, customer: str | None) -> list[str]:
        # Least privilege: suggest only the groups with the lowest role that is enough.
        fitting = [g for g in self.grants if g.role >= needed and g.covers(customer) and g.groups]
        lowest = min((g.role for g in fitting), default=None)
        return sorted({group for g in fitting if g.role == lowest for group in g.groups})


def load_policy_text(text: str, source: str = "<policy>") -> Policy:
    """Parse and validate a policy file's text; ConfigError lists each problem as file:line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise ConfigError(f"{source}:{match.group(1) if match else 1}: not valid TOML: {exc}") \
            from exc
    parts, problems = build_parts(data)
    if problems:
        lines = LineIndex(text)
        located = sorted((lines.line_of(path), message) for path, message in problems)
        raise ConfigError("\n".join(f"{source}:{line}: {message}" for line, message in located))
    return _from_parts(parts, source)


def _from_parts(parts: PolicyParts, source: str) -> Policy:
    return Policy(parts.grants, parts.commands, parts.channels, parts.defaults, source)
