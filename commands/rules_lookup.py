"""Finding the customer, user or fax number a command names, with a "did you mean" when absent."""

from __future__ import annotations

import difflib
import re

from commands import model
from commands.contract import ContractReader, CustomerState, FaxHolder, UserState
from commands.errors import NotFound, RuleViolation
from commands.phone import e164, show_phone
from commands.values import BadValue

# E.164: "+", a country code that does not start with 0, at most 15 digits in all
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


def require_state(customer: str, state: CustomerState | None) -> CustomerState:
    if state is None:
        raise NotFound(f"Unknown customer `{customer}`.",
                       hint="Check the customer's short name, or onboard it with "
                            "`onboard-customer`.")
    return state


def require_user(state: CustomerState, ref: str) -> UserState:
    """The user named by sAMAccountName or mail address, or NotFound with the closest names."""
    user = state.find_user(ref)
    if user is not None:
        return user
    known = {name.casefold(): name for u in state.users for name in (u.sam, u.mail)}
    close = difflib.get_close_matches(ref.casefold(), list(known), n=3, cutoff=0.6)
    hint = ("Did you mean " + " or ".join(f"`{known[c]}`" for c in close) + "?" if close else
            f"See who is there with `list-users {state.slug}`.")
    raise NotFound(f"No user `{ref}` in `{state.slug}`.", hint=hint)


def require_fax_owner(state: CustomerState, number: str) -> UserState:
    owner = state.fax_owner(number)
    if owner is not None:
        return owner
    known = [n for u in state.users for n in u.fax_numbers]
    close = difflib.get_close_matches(number, known, n=1, cutoff=0.8)
    hint = (f"Did you mean `{show_phone(close[0])}`?" if close else
            f"See the customer's numbers with `fax-numbers {state.slug}`.")
    raise NotFound(f"Fax number `{show_phone(number)}` is not set up for `{state.slug}`.",
                   hint=hint)


def require_e164(number: str) -> None:
    if not E164.match(number):
        raise RuleViolation("R15", f"`{number}` is not a valid fax number in E.164 form.",
                            hint="Type it with the country code, for example `+4930123456`.")


def canonical_number(number: str) -> str:
    """`number` in the E.164 form the parser gives, for comparing numbers however they were typed.

    Numbers in AD or the PBX may have been entered by hand (`+49 30 1234567`); one the parser
    cannot read is compared as it is, without its separators.
    """
    try:
        return e164(number)
    except BadValue:
        return "".join(c for c in number if c.isdigit() or c == "+")


def fax_holders(reader: ContractReader, cmd: model.Command) -> tuple[FaxHolder, ...]:
    """Who holds the number `cmd` would route, at any customer (R15); () for other commands."""
    if isinstance(cmd, model.ShowPlan):
        cmd = cmd.command
    if not isinstance(cmd, model.EnableFax):
        return ()
    return tuple(reader.fax_holders(cmd.number))
