"""What the policy knows about commands before reading any file: names, reads, built-in risks.

The built-in risks are a floor: a policy file may make more commands risky, never fewer. They are
the commands that destroy or hand out something that cannot be taken back (mail, credentials,
bookings that are invoiced, a domain's mail flow, a customer's own PBX).
"""

from __future__ import annotations

import dataclasses

from commands import model
from commands.model import COMMANDS_BY_NAME, REPORTS

# Control commands the bot will grow (job status, audit trail); named now so a policy can list them.
CONTROL_COMMANDS: frozenset[str] = frozenset({"jobs", "job", "audit"})
KNOWN_COMMANDS: frozenset[str] = frozenset(COMMANDS_BY_NAME) | CONTROL_COMMANDS

# Reads change nothing: they may run in read-only channels and never need approval.
READ_COMMANDS: frozenset[str] = REPORTS | CONTROL_COMMANDS
# Reads that run for any viewer even when the file does not list them. Not `audit`: it shows
# every customer's history, so an admin must list it on purpose.
IMPLICIT_READS: frozenset[str] = READ_COMMANDS - {"audit"}

ALWAYS_RISKY: frozenset[str] = frozenset(
    {"remove-user", "reset-password", "cancel", "set-domain", "book"}
)
# Risky only for some option values: dedicated fax touches the customer's own PBX (R16).
RISKY_WHEN_FLOOR: dict[str, tuple[str, str]] = {
    "enable-fax": ("mode", "dedicated"),
    "disable-fax": ("mode", "dedicated"),
}


def needs_customer(name: str) -> bool:
    """True when the command acts on one customer, so the policy must check scope for it."""
    command_type = COMMANDS_BY_NAME.get(name)
    if command_type is None:
        return False
    # `jobs` and `audit` take an optional customer: without one they span the visible customers
    return any(f.name == "customer" and f.default is dataclasses.MISSING
               for f in dataclasses.fields(command_type))


def takes_customer(name: str) -> bool:
    """True when the command has a customer, required or (`jobs`, `audit`) optional."""
    command_type = COMMANDS_BY_NAME.get(name)
    return command_type is not None and any(f.name == "customer"
                                            for f in dataclasses.fields(command_type))


def customer_of(cmd: model.Command) -> str | None:
    """The customer the policy decides on (a `plan`'s is its command's), or None."""
    inner = cmd.command if isinstance(cmd, model.ShowPlan) else cmd
    return getattr(inner, "customer", None)


def command_options(cmd: model.Command) -> dict[str, object]:
    """The command's simple options, for policy conditions such as `mode = "dedicated"`."""
    inner = cmd.command if isinstance(cmd, model.ShowPlan) else cmd
    return {k: v for k, v in vars(inner).items() if isinstance(v, (str, int, bool))}


def may_be_risky_by_floor(name: str) -> bool:
    return name in ALWAYS_RISKY or name in RISKY_WHEN_FLOOR
