"""Past requests decided again under another policy, for `tobitbot policy replay`.

Takes audit entries as plain dicts (the caller reads them) and answers which of the policy's
decisions would now come out the other way. The policy's whole part is replayed: role, scope and
channel, the ticket rule and break-glass. A request the policy allowed and a service rule then
refused (the entry names the rule) counts as allowed. Refusals of text that did not parse never
reached the policy and are left out. Reads (reports, `plan`, `help`) are audited only when
refused, so a read the new file would refuse cannot be found here; `policy check` shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable, Mapping

from commands.break_glass import check_break_glass
from commands.envelope import Envelope, open_envelope
from commands.errors import ParseError, UserError
from commands.parser import parse
from commands.policy import Decision, Policy
from commands.policy_catalogue import command_options, customer_of
from commands.roles import Identity

DECISIONS = ("allowed", "refused")


@dataclass(frozen=True)
class Changed:
    """One past request whose decision the other policy would turn around."""

    at: float
    actor: str
    command_name: str
    customer: str | None
    before: str             # "allowed" | "refused", at the policy's stage
    after: str
    reason: str             # the other policy's reason (a refusal says what to do)

    def line(self) -> str:
        where = f" on {self.customer}" if self.customer else ""
        return (f"{_when(self.at)} {self.actor} {self.command_name}{where}: "
                f"{self.before} -> {self.after} ({self.reason})")


@dataclass(frozen=True)
class Replay:
    replayed: int                       # requests the policy decided and that were decided again
    changed: tuple[Changed, ...]
    skipped: tuple[str, ...]            # why a request could not be decided again

    def summary(self) -> str:
        counts = {way: sum(1 for c in self.changed if c.after == way) for way in DECISIONS}
        text = (f"{self.replayed} past requests replayed, {len(self.changed)} would be decided "
                f"differently ({counts['refused']} newly refused, {counts['allowed']} newly "
                f"allowed)")
        return text + (f", {len(self.skipped)} skipped" if self.skipped else "")


def replay(entries: Iterable[Mapping[str, object]], new: Policy, old: Policy | None = None
           ) -> Replay:
    """Decide each past "allowed"/"refused" request again under `new`; list what would differ.

    `old`, the policy in force, tells a refusal of the policy from one that came after it (an
    unknown customer, a missing ticket): a request `old` allows was allowed by the policy.
    """
    replayed, changed, skipped = 0, [], []
    for entry in entries:
        if entry.get("action") not in DECISIONS or not entry.get("command_name"):
            continue
        request = _request(entry)
        if isinstance(request, str):
            skipped.append(f"{_who(entry)}: {request}")
            continue
        before = _was_allowed(entry, request, old)
        if before is None:
            skipped.append(f"{_who(entry)}: skipped: refused, and with no policy in force to ask, "
                           "it cannot be told whether by the policy or by a later check")
            continue
        replayed += 1
        after, reason = _judge(new, request)
        if before != after:
            who, name, customer = request[0], request[1], request[2]
            changed.append(Changed(_at(entry), who.user_id, name, customer, _word(before),
                                   _word(after), reason))
    return Replay(replayed, tuple(changed), tuple(skipped))


Request = tuple[Identity, str, "str | None", str, dict[str, object], Envelope]


def _request(entry: Mapping[str, object]) -> Request | str:
    """Who asked for what, where; or why that cannot be told from the entry."""
    groups, text = entry.get("groups"), entry.get("text")
    if not isinstance(groups, list):
        return "skipped: the entry does not record the requester's groups"
    if not isinstance(text, str):
        return "skipped: the entry does not record the command text"
    try:
        envelope = open_envelope(text)   # the ticket and break-glass are not the command
        cmd = parse(envelope.text)
    except ParseError as err:
        return f"skipped: `{text}` no longer parses ({err.message})"
    who = Identity(str(entry.get("actor", "")), frozenset(str(g) for g in groups))
    return (who, cmd.name, customer_of(cmd), str(entry.get("channel", "")), command_options(cmd),
            envelope)


def _judge(policy: Policy, request: Request) -> tuple[bool, str]:
    """The policy's whole answer, as the slash command asks it: decide, ticket, break-glass."""
    who, name, customer, channel, options, envelope = request
    decision = policy.decide(who, name, customer, channel, options)
    if not decision.allowed:
        return False, _reason(decision)
    try:
        policy.check_ticket(name, decision.risky, envelope.ticket)
        if envelope.break_glass:
            check_break_glass(policy, decision, name, customer, envelope.reason or "")
    except UserError as err:
        return False, err.text()
    return True, _reason(decision)


def _was_allowed(entry: Mapping[str, object], request: Request, old: Policy | None) -> bool | None:
    """Did the policy allow it then; None: refused, and no policy in force to tell by whom."""
    if entry["action"] == "allowed" or entry.get("rule"):
        return True
    # Refused without a service rule: by the policy, unless the policy in force allows it.
    return _judge(old, request)[0] if old is not None else None


def _reason(decision: Decision) -> str:
    return decision.reason + (f" {decision.hint}" if decision.hint else "")


def _word(allowed: bool) -> str:
    return "allowed" if allowed else "refused"


def _at(entry: Mapping[str, object]) -> float:
    at = entry.get("at")
    return float(at) if isinstance(at, (int, float)) else 0.0


def _when(at: float) -> str:
    return datetime.fromtimestamp(at, timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


def _who(entry: Mapping[str, object]) -> str:
    return f"{_when(_at(entry))} {entry.get('actor', '?')}"
