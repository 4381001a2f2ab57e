"""Service rules for fax numbers (R15 one mailbox per number, R16 dedicated, R17 shared)."""

from __future__ import annotations

from commands import model
from commands.contract import CustomerState, FaxHolder, PbxLink, UserState
from commands.errors import RuleViolation
from commands.phone import show_phone
from commands.rules_lookup import canonical_number, require_e164, require_fax_owner, require_user
from commands.rules_report import RuleReport, passed
from commands.values import shown


def fax_mode(state: CustomerState) -> str | None:
    """How the customer's numbers are routed, when the bookings say it unambiguously.

    AD records a user's numbers but not their mode (the PBX holds that), so with both fax
    products booked a number's mode is unknown here: callers must decide in doubt.
    """
    b = state.bookings
    if b.fax_shared != b.fax_dedicated:
        return "shared" if b.fax_shared else "dedicated"
    return None


def numbers_in_mode(state: CustomerState, mode: str) -> list[str]:
    """The numbers that are, or may be (mode unknown), routed in `mode`."""
    if fax_mode(state) not in (mode, None):
        return []
    return [n for u in state.users for n in u.fax_numbers]


def pbx_link(state: CustomerState, site: str) -> PbxLink | None:
    return next((link for link in state.pbx_links if link.site == site), None)


def check_enable_fax(cmd: model.EnableFax, state: CustomerState,
                     holders: tuple[FaxHolder, ...] = ()) -> RuleReport:
    """`holders`: where the number is in use anywhere at the provider (AD, and in the job the PBX)."""
    user = require_user(state, cmd.user)
    require_e164(cmd.number)
    _require_number_free(cmd, state, user, _holders_here(state) + holders)
    warnings = () if user.enabled else (
        f"`{user.sam}` is disabled; faxes will wait in the mailbox",)
    if cmd.mode == "shared":
        if not state.bookings.fax_shared:
            raise RuleViolation("R17", f"`{state.slug}` has no fax-shared booking.",
                                hint=f"Book it first: `book {state.slug} fax-shared`.")
        return passed("R15", "R17", warnings=warnings)
    if not state.bookings.fax_dedicated:
        raise RuleViolation("R16", f"`{state.slug}` has no fax-dedicated booking.",
                            hint=f"Book it with `book {state.slug} fax-dedicated pbx=xcapi "
                                 f"trunk=<sip uri> site={cmd.site}`, or use mode=shared.")
    if pbx_link(state, cmd.site) is None:
        sites = ", ".join(link.site for link in state.pbx_links) or "none"
        raise RuleViolation("R16", f"`{state.slug}` has no PBX connection at site `{cmd.site}` "
                            f"(sites: {sites}).",
                            hint=f"Book one: `book {state.slug} fax-dedicated pbx=xcapi "
                                 f"trunk=<sip uri> site={cmd.site}`.")
    return passed("R15", "R16", warnings=warnings)


def _holders_here(state: CustomerState) -> tuple[FaxHolder, ...]:
    """The customer's own numbers as its state has them, so that the check needs no reader."""
    return tuple(FaxHolder(n, state.slug, u.sam) for u in state.users for n in u.fax_numbers)


def _require_number_free(cmd: model.EnableFax, state: CustomerState, user: UserState,
                         holders: tuple[FaxHolder, ...]) -> None:
    """R15 across customers: a number reaches one mailbox in the whole provider, not per customer.

    Nothing AD or the PBX holds goes into the message as it is there (a number or name typed by
    hand can hold anything); another customer is not named at all, nor its user: the policy may
    let the requester see this customer only.
    """
    number = canonical_number(cmd.number)
    for holder in holders:
        if canonical_number(holder.number) != number:
            continue
        source = "the PBX routes it" if holder.where == "PBX" else "AD records it"
        shown_number = show_phone(cmd.number)
        if holder.customer != state.slug:
            raise RuleViolation("R15", f"`{shown_number}` already reaches a mailbox of another "
                                f"customer ({source}); a number routes to exactly one mailbox in "
                                "the whole provider.",
                                hint="Use another number, or ask someone who may see every "
                                     "customer to free it there first.")
        owner = state.find_user(holder.user or "")
        if owner is not None and owner.sam == user.sam:
            continue   # this user's own number: enabling it again changes nothing
        who = (f"{shown(owner.display_name)} (`{shown(owner.sam)}`)" if owner is not None
               else f"a mailbox of `{state.slug}` without an AD account")
        raise RuleViolation("R15", f"`{shown_number}` already reaches {who} ({source}); a number "
                            "routes to exactly one mailbox.",
                            hint=f"Move it with `disable-fax {state.slug} {shown_number}` first.")


def check_disable_fax(cmd: model.DisableFax, state: CustomerState) -> RuleReport:
    require_e164(cmd.number)
    require_fax_owner(state, cmd.number)
    return passed("R15")
