"""The rules checked again inside the job, just before its first step, and what it holds meanwhile.

The door checks a command on the state it read when the request arrived. Two requests that
arrive together both pass there, and both would take the last licence (R5) or route the same
number (R15). So a job whose command consumes what a rule counts checks that rule again, on
state read afresh under a lock (`Hold.lock`), and keeps the lock until the step that consumes
it (`Hold.until`) is done: the next job's check then counts it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from commands import model
from commands.contract import CustomerState, FaxHolder
from commands.rules import check
from commands.rules_report import RuleReport

FAX_NUMBERS_LOCK = "fax-numbers"   # provider-wide: a number is unique across all customers


@dataclass(frozen=True)
class Hold:
    lock: str       # the name of what is held: one customer's licences, or every fax number
    until: str      # the step key after which the next request's check sees what this one took


def hold_for(cmd: model.Command) -> Hold | None:
    """What a job of `cmd` holds from its re-check on; None: it consumes nothing others count.

    Other commands are not checked again: their own first step changes what their rules read
    (a booking recorded, an OU made), so after a crash a re-run could not tell its own effect
    from another request's.
    """
    if isinstance(cmd, model.AddUser):   # R5 licences, R5 an address to one person
        return Hold(f"licences:{cmd.customer}", "ad.create_user")
    if isinstance(cmd, model.EnableFax):   # R15
        return Hold(FAX_NUMBERS_LOCK, "ad.add_fax_number")
    return None


def recheck(cmd: model.Command, state: CustomerState | None, request_id: str,
            fax_holders: tuple[FaxHolder, ...] = ()) -> RuleReport:
    """The door's rules again on freshly read state, not counting what `request_id` made itself.

    A run that crashed after creating its account and before recording it sees that account
    on the re-run; it is its own licence, not another's (its marker names the request).
    """
    if state is not None:
        state = replace(state, users=tuple(u for u in state.users if u.request != request_id))
    return check(cmd, state, fax_holders)
