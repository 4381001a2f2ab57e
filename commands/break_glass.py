"""Break-glass: when an admin may run a risky command at once, without waiting for approval.

Only where the policy says `break_glass = true` for the command, only for a person whose role
for the customer is admin, and only for a command that would otherwise wait for approval. The
run is marked loudly and reviewed afterwards by a second admin (the bot's side).
"""

from __future__ import annotations

from commands.errors import PermissionDenied
from commands.policy import Decision, Policy
from commands.roles import Role
from commands.values import shown

ACTION = "break_glass"                 # audit actions that `audit break-glass` lists
REVIEWED_ACTION = "break_glass_reviewed"
REVIEW_SLOTS = (Role.ADMIN.label,)     # one second admin acknowledges


def check_break_glass(policy: Policy, decision: Decision, command_name: str,
                      customer: str | None, reason: str) -> None:
    """Raise PermissionDenied, naming the reason given, unless break-glass applies here."""
    asked = f"break-glass (reason `{shown(reason, limit=80)}`) was refused"
    rule = policy.rule(command_name)
    if rule is None or not rule.break_glass:
        raise PermissionDenied(
            f"{asked}: the policy does not allow break-glass for {command_name}",
            hint=f"run it without --break-glass and ask for approval; allowing it takes "
                 f"break_glass = true under [commands.{command_name}] in the policy")
    if not decision.risky:
        raise PermissionDenied(f"{asked}: {command_name} needs no approval here",
                               hint="run it without --break-glass")
    if decision.role is None or decision.role < Role.ADMIN:
        where = f" for {customer}" if customer else ""
        raise PermissionDenied(
            f"{asked}: break-glass needs role admin{where}; you are {decision.role}",
            hint="run it without --break-glass: it waits for an approver")
    if not decision.break_glass_allowed:  # in doubt, deny
        raise PermissionDenied(f"{asked}: the policy does not allow it here",
                               hint="run it without --break-glass")
