"""Validates the parsed policy file and builds its pieces; every problem names its key path.

Strict on purpose: an unknown key is more likely a typo of a safety setting ("aprovals") than a
new feature, and a typo must not silently weaken the policy. All problems are collected, so one
`tobitbot policy check` shows every mistake at once; `commands.policy` turns paths into lines.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from commands.policy_catalogue import (
    ALWAYS_RISKY, KNOWN_COMMANDS, READ_COMMANDS, RISKY_WHEN_FLOOR,
)
from commands.policy_lines import Path
from commands.policy_rules import (
    ALL_CUSTOMERS, ChannelRule, CommandRule, Defaults, Grant, PolicyParts, ticket_example_problem,
)
from commands.roles import ROLE_NAMES, Role

Problem = tuple[Path, str]

_TOP_KEYS = ("grants", "commands", "channels", "defaults")
_GRANT_KEYS = ("role", "groups", "users", "customers", "note")
_COMMAND_KEYS = ("min_role", "risky", "risky_when", "approvals", "approver_roles", "ticket",
                 "break_glass", "note")
_CHANNEL_KEYS = ("id", "customers", "read_only", "note")
_DEFAULT_KEYS = ("ticket_pattern", "ticket_example", "ticket_for_risky", "approval_expiry")
_TICKET_MODES = ("required", "optional")

# Slack ids: user groups start with S, users with U or W, channels with C, G (private) or D (DM).
_GROUP_ID = re.compile(r"^S[A-Z0-9_]+$")
_USER_ID = re.compile(r"^[UW][A-Z0-9_]+$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9_]+$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_MAX_EXPIRY = 7 * 24 * 3600   # an approval older than a week no longer reflects anyone's intent


def parse_duration(text: str) -> int:
    """Seconds in "4h", "1h30m", "2d", "90s"; ValueError for anything else or zero."""
    match = _DURATION.fullmatch(text.strip())
    if not text.strip() or match is None:
        raise ValueError(f"{text!r} is not a duration; write it like \"4h\", \"30m\" or \"1h30m\"")
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    if total <= 0:
        raise ValueError(f"{text!r} is zero; an approval must be valid for some time")
    return total


def _suggest(word: str, choices: tuple[str, ...] | frozenset[str]) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def bad(self, path: Path, message: str) -> None:
        self.problems.append((path, message))

    def table(self, path: Path, value: Any, what: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.bad(path, f"{what} must be a table")
            return {}
        return value

    def keys(self, path: Path, table: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
        for key in table:
            if key not in allowed:
                self.bad(path + (key,), f"unknown key {key!r} in {where}{_suggest(key, allowed)}; "
                                        f"allowed: {', '.join(allowed)}")

    def boolean(self, path: Path, value: Any, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.bad(path, f"{path[-1]} must be true or false")
            return default
        return value

    def role(self, path: Path, value: Any) -> Role | None:
        role = Role.parse(value)
        if role is None:
            self.bad(path, f"unknown role {value!r}{_suggest(str(value), ROLE_NAMES)}; "
                           f"roles are {', '.join(ROLE_NAMES)}")
        return role

    def strings(self, path: Path, value: Any, pattern: re.Pattern[str],
                what: str) -> frozenset[str]:
        if value is None:
            return frozenset()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.bad(path, f"{path[-1]} must be a list of strings")
            return frozenset()
        for index, item in enumerate(value):
            if not pattern.fullmatch(item):
                self.bad(path + (index,), f"{item!r} is not a {what}")
        return frozenset(value)

    def customers(self, path: Path, value: Any) -> frozenset[str]:
        if value is None:
            self.bad(path[:-1], 'customers is missing: list customer slugs, or ["*"] for all')
            return frozenset()
        # Slugs are AD OU names, which compare case-insensitively.
        slugs = frozenset(s.casefold() for s in self.strings(
            path, value, re.compile(rf"{_SLUG.pattern}|\*", re.IGNORECASE), "customer slug"))
        if not slugs and isinstance(value, list):
            self.bad(path, 'customers is empty: list customer slugs, or ["*"] for all')
        if ALL_CUSTOMERS in slugs and len(slugs) > 1:
            self.bad(path, '"*" already means all customers; list nothing else beside it')
        return slugs


def _grant(c: _Checker, path: Path, raw: Any) -> Grant | None:
    table = c.table(path, raw, "each [[grants]] entry")
    c.keys(path, table, _GRANT_KEYS, "[[grants]]")
    if "role" not in table:
        c.bad(path, "[[grants]] entry without role")
    role = c.role(path + ("role",), table["role"]) if "role" in table else None
    groups = c.strings(path + ("groups",), table.get("groups"), _GROUP_ID,
                       "Slack user group id (S…)")
    users = c.strings(path + ("users",), table.get("users"), _USER_ID, "Slack user id (U…/W…)")
    if table and not groups and not users:
        c.bad(path, "[[grants]] entry gives its role to nobody: add groups or users")
    customers = c.customers(path + ("customers",), table.get("customers"))
    if role is None:
        return None
    return Grant(role, customers, groups, users)


def _risky_when(c: _Checker, path: Path, raw: Any) -> tuple[tuple[str, frozenset[str]], ...]:
    if raw is None:
        return ()
    out = []
    for key, value in c.table(path, raw, "risky_when").items():
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, str) for v in values):
            c.bad(path + (key,), f"risky_when.{key} must be a string or a list of strings")
            continue
        out.append((key, frozenset(v.casefold() for v in values)))
    return tuple(sorted(out))


def _check_floor(c: _Checker, path: Path, name: str, table: dict[str, Any],
                 risky_when: tuple[tuple[str, frozenset[str]], ...]) -> None:
    """Refuses a file that would make a built-in risky command safe to run unapproved."""
    if name in ALWAYS_RISKY and table.get("risky") is False:
        c.bad(path + ("risky",), f"{name} is always risky (needs approval); remove risky = false")
    if name in RISKY_WHEN_FLOOR:
        key, value = RISKY_WHEN_FLOOR[name]
        if table.get("risky") is False:
            c.bad(path + ("risky",),
                  f"{name} is risky when {key} = {value!r}; remove risky = false")
        if "risky_when" in table and value not in dict(risky_when).get(key, frozenset()):
            c.bad(path + ("risky_when",), f"{name} is always risky when {key} = {value!r}; "
                                          f"keep it in risky_when")


def _min_role(c: _Checker, path: Path, name: str, table: dict[str, Any]) -> Role:
    is_read = name in READ_COMMANDS
    if "min_role" in table:
        min_role = c.role(path + ("min_role",), table["min_role"]) or Role.ADMIN
    elif is_read:
        min_role = Role.VIEWER
    else:
        c.bad(path, f"[commands.{name}] needs min_role (operator, approver or admin)")
        min_role = Role.ADMIN
    if not is_read and min_role == Role.VIEWER:
        c.bad(path + ("min_role",), f"{name} changes things; viewer is for reports only")
    return min_role


def _approvals(c: _Checker, path: Path, table: dict[str, Any]) -> tuple[int, tuple[Role, ...]]:
    approvals = table.get("approvals", 1)
    if not isinstance(approvals, int) or isinstance(approvals, bool) or approvals < 1:
        c.bad(path + ("approvals",), "approvals must be a whole number of at least 1")
        approvals = 1
    raw_roles = _list(c, path + ("approver_roles",), table.get("approver_roles"))
    roles = []
    for index, raw_role in enumerate(raw_roles):
        role = c.role(path + ("approver_roles", index), raw_role)
        if role is not None and role < Role.APPROVER:
            c.bad(path + ("approver_roles", index), f"{role} cannot approve; use approver or admin")
        elif role is not None:
            roles.append(role)
    if len(raw_roles) > approvals:
        c.bad(path + ("approver_roles",), f"{len(raw_roles)} approver_roles but only "
                                          f"{approvals} approvals; raise approvals")
    return approvals, tuple(roles)


def _command(c: _Checker, name: str, raw: Any) -> CommandRule | None:
    path = ("commands", name)
    if name not in KNOWN_COMMANDS:
        c.bad(path, f"unknown command {name!r}{_suggest(name, KNOWN_COMMANDS)}")
        return None
    table = c.table(path, raw, f"[commands.{name}]")
    c.keys(path, table, _COMMAND_KEYS, f"[commands.{name}]")
    min_role = _min_role(c, path, name, table)
    risky_when = _risky_when(c, path + ("risky_when",), table.get("risky_when"))
    _check_floor(c, path, name, table, risky_when)
    floor_when = RISKY_WHEN_FLOOR.get(name)
    if floor_when and "risky_when" not in table:
        risky_when = ((floor_when[0], frozenset({floor_when[1]})),)
    # `or`: a refused `risky = false` must not also trigger "only applies to risky commands".
    risky = c.boolean(path + ("risky",), table.get("risky"), False) or name in ALWAYS_RISKY
    if name in READ_COMMANDS and (risky or risky_when):
        c.bad(path + ("risky",), f"{name} only reads; it cannot be risky")
    approvals, approver_roles = _approvals(c, path, table)
    for key in ("approvals", "approver_roles", "break_glass"):
        if key in table and not (risky or risky_when):
            c.bad(path + (key,), f"{key} only applies to risky commands; add risky = true")
    ticket = table.get("ticket")
    if ticket is not None and ticket not in _TICKET_MODES:
        c.bad(path + ("ticket",), f"ticket must be \"required\" or \"optional\", not {ticket!r}")
        ticket = "required"
    break_glass = c.boolean(path + ("break_glass",), table.get("break_glass"), False)
    return CommandRule(name, min_role, risky, risky_when, approvals, approver_roles, ticket,
                       break_glass)


def _list(c: _Checker, path: Path, raw: Any) -> list[Any]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        c.bad(path, f"{path[-1]} must be a list")
        return []
    return raw


def _channel(c: _Checker, path: Path, raw: Any, seen: set[str]) -> ChannelRule | None:
    table = c.table(path, raw, "each [[channels]] entry")
    c.keys(path, table, _CHANNEL_KEYS, "[[channels]]")
    channel_id = table.get("id")
    if not isinstance(channel_id, str) or not _CHANNEL_ID.fullmatch(channel_id):
        c.bad(path + ("id",), f"[[channels]] id must be a Slack channel id (C…, G… or D…), "
                              f"not {channel_id!r}")
        channel_id = None
    elif channel_id in seen:
        c.bad(path + ("id",), f"channel {channel_id} is listed twice")
    customers = c.customers(path + ("customers",), table.get("customers"))
    read_only = c.boolean(path + ("read_only",), table.get("read_only"), False)
    if channel_id is None:
        return None
    seen.add(channel_id)
    return ChannelRule(channel_id, customers, read_only)


def _defaults(c: _Checker, raw: Any) -> Defaults:
    path: Path = ("defaults",)
    table = c.table(path, raw, "[defaults]")
    c.keys(path, table, _DEFAULT_KEYS, "[defaults]")
    base = Defaults()
    pattern = table.get("ticket_pattern", base.ticket_pattern)
    try:
        re.compile(pattern)
    except (re.error, TypeError) as exc:
        c.bad(path + ("ticket_pattern",),
              f"ticket_pattern is not a valid regular expression: {exc}")
        pattern = base.ticket_pattern
    example = table.get("ticket_example")
    if example is not None and ticket_example_problem(example, pattern):
        c.bad(path + ("ticket_example",), ticket_example_problem(example, pattern))
        example = None
    expiry = base.approval_expiry_seconds
    if "approval_expiry" in table:
        try:
            expiry = parse_duration(str(table["approval_expiry"]))
        except ValueError as exc:
            c.bad(path + ("approval_expiry",), f"approval_expiry: {exc}")
        if expiry > _MAX_EXPIRY:
            c.bad(path + ("approval_expiry",), "approval_expiry is longer than 7d; approvals "
                                               "that old no longer show anyone's current intent")
    ticket_for_risky = c.boolean(path + ("ticket_for_risky",), table.get("ticket_for_risky"),
                                 base.ticket_for_risky)
    return Defaults(pattern, ticket_for_risky, expiry, example)


def build_parts(data: dict[str, Any]) -> tuple[PolicyParts, list[Problem]]:
    """The validated pieces of a parsed policy file, and every problem found on the way."""
    c = _Checker()
    c.keys((), data, _TOP_KEYS, "the policy file")
    grants = tuple(g for i, raw in enumerate(_list(c, ("grants",), data.get("grants")))
                   if (g := _grant(c, ("grants", i), raw)) is not None)
    commands = tuple(r for name, raw in c.table(("commands",), data.get("commands", {}),
                                                "[commands]").items()
                     if (r := _command(c, name, raw)) is not None)
    seen: set[str] = set()
    channels = tuple(ch for i, raw in enumerate(_list(c, ("channels",), data.get("channels")))
                     if (ch := _channel(c, ("channels", i), raw, seen)) is not None)
    defaults = _defaults(c, data.get("defaults", {}))
    return PolicyParts(grants, commands, channels, defaults), c.problems
