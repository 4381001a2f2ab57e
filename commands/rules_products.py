"""Service rules for the customer's contract: onboarding, bookings, domains, legal info."""

from __future__ import annotations

from dataclasses import replace

from commands import model
from commands.contract import BOOKED_MAX, MAILBOX_SHARE_MB, Bookings, CustomerState, PbxLink
from commands.errors import NotFound, ParseError, RuleViolation
from commands.phone import show_phone
from commands.rules_fax import numbers_in_mode
from commands.rules_report import RuleReport, passed
from commands.rules_users import LEGAL_KEYS

TLS_WARNING = ("a paid TLS certificate may be needed for `{domain}`; record it with "
               "`set-domain {customer} {domain} tls=yes` once in place (R8)")
_OPTIONS = ("mailstore", "cti", "extra-storage")
# products booked by number (licences, GB) -> their Bookings field; the others are yes/no
COUNTED = {"tobit-addon": "tobit_addon", "tobit-solo": "tobit_solo",
           "extra-storage": "extra_storage_gb"}


def pool_mb(bookings: Bookings) -> int:
    """R7: 5 GB per booked mailbox plus extra storage (the same sum as CustomerState.pool_mb)."""
    return bookings.mailboxes * MAILBOX_SHARE_MB + bookings.extra_storage_gb * 1024


def check_onboard(cmd: model.OnboardCustomer, state: CustomerState | None) -> RuleReport:
    if state is not None:
        raise RuleViolation("R6", f"Customer `{cmd.customer}` exists already "
                            f"({state.display_name}).",
                            hint=f"See it with `show-customer {cmd.customer}`; each customer "
                                 "has one Tobit server and is onboarded once.")
    return passed("R6")


def check_book(cmd: model.Book, state: CustomerState) -> RuleReport:
    product = cmd.product
    _refuse_on_exchange(state, product)
    report = passed("R3")
    if product == "tobit-addon":
        _require_base(state)
        report += passed("R1")
    elif product == "tobit-solo":
        if state.bookings.tobit_addon <= 0:
            raise RuleViolation("R2", f"`{state.slug}` has no tobit-addon licences; tobit-solo is "
                                "only bookable on top of them.",
                                hint=f"Book them first: `book {state.slug} tobit-addon <count>`.")
        report += passed("R2")
    elif product in _OPTIONS or product.startswith("fax-"):
        _require_tobit_service(state, product)
        report += passed("R4" if product in _OPTIONS else "R15")
    if product == "cti" and state.base_service != "enterprise-desktop":
        raise RuleViolation("R4", f"CTI integration needs the enterprise-desktop base service; "
                            f"`{state.slug}` has {state.base_service or 'none'}.")
    if product == "fax-dedicated":
        report += _check_pbx(cmd)
    if pool_mb(bookings_after(cmd, state)) != state.pool_mb:  # also: quantities are valid
        report += passed("R7")  # a booking only ever grows the pool
    elif product_booked(state.bookings, product) and product != "fax-dedicated":
        report += passed(warnings=(
            f"`{state.slug}` has {product} booked already; nothing changes",))
    return report


def check_cancel(cmd: model.Cancel, state: CustomerState) -> RuleReport:
    after = bookings_after(cmd, state)
    b, users = state.bookings, state.users
    if product_booked(b, cmd.product) is False:
        raise NotFound(f"`{state.slug}` has no {cmd.product} booking to cancel.",
                       hint=f"See its bookings with `licences {state.slug}`.")
    non_solo = sum(not u.solo for u in users)
    solo = sum(u.solo for u in users)
    if after.tobit_addon < non_solo:
        raise RuleViolation("R5", f"`{state.slug}` has {non_solo} mailboxes; {after.tobit_addon} "
                            "tobit-addon licences would not cover them.",
                            hint="Remove users first (`remove-user`), then cancel the licences.")
    if after.tobit_solo < solo:
        raise RuleViolation("R5", f"`{state.slug}` has {solo} solo users; {after.tobit_solo} "
                            "tobit-solo licences would not cover them.",
                            hint="Remove solo users first (`remove-user`), then cancel the "
                                 "licences.")
    if after.tobit_addon == 0 and after.tobit_solo > 0:
        raise RuleViolation("R2", "tobit-solo licences need tobit-addon licences beside them.",
                            hint=f"Cancel tobit-solo first: `cancel {state.slug} tobit-solo`.")
    if after.tobit_addon == 0 and _options_left(after):
        raise RuleViolation("R4", f"Options ({', '.join(_options_left(after))}) are booked on top "
                            "of Tobit Service and would be left without it.",
                            hint="Cancel the options first.")
    report = passed("R2", "R4", "R5") + _check_pool(state, after)
    if cmd.product in ("fax-shared", "fax-dedicated"):
        report += _check_fax_cancel(cmd, state, after)
    return report


def check_set_domain(cmd: model.SetDomain, state: CustomerState) -> RuleReport:
    warnings = () if cmd.tls_certificate else (
        TLS_WARNING.format(domain=cmd.domain, customer=state.slug),)
    return passed("R8", warnings=warnings)


def check_set_legal_info(cmd: model.SetLegalInfo, state: CustomerState) -> RuleReport:
    given = {k: v for k, v in legal_changes(cmd).items() if v}
    if not given:
        raise ParseError("Nothing to set.", hint=f"For example: `set-legal-info {state.slug} "
                         "company=\"ACME Maschinenbau\" form=GmbH`.")
    missing = merged_legal(cmd, state).missing()
    warnings = () if not missing else (
        "legal info still incomplete, new users are refused until it is: missing "
        + ", ".join(LEGAL_KEYS[f] for f in missing) + " (R12)",)
    return passed("R12", warnings=warnings)


def legal_changes(cmd: model.SetLegalInfo) -> dict[str, object]:
    """The fields the command sets (None: not given)."""
    return {"company": cmd.company, "legal_form": cmd.legal_form, "seat": cmd.seat,
            "register_court": cmd.register_court, "register_number": cmd.register_number,
            "managing_directors": cmd.managing_directors}


def merged_legal(cmd: model.SetLegalInfo, state: CustomerState):
    return replace(state.legal, **{k: v for k, v in legal_changes(cmd).items() if v})


def product_booked(b: Bookings, product: str) -> bool | None:
    """For yes/no products whether booked; None for counted ones (licences, storage)."""
    flags = {"fax-shared": b.fax_shared, "fax-dedicated": b.fax_dedicated,
             "mailstore": b.mailstore, "cti": b.cti}
    return flags.get(product)


def bookings_after(cmd: model.Book | model.Cancel, state: CustomerState) -> Bookings:
    """The bookings once the command is done; refuses impossible quantities."""
    b = state.bookings
    field = COUNTED.get(cmd.product)
    if field is None:
        flag = cmd.product.replace("-", "_")
        if isinstance(cmd, model.Cancel) and cmd.product == "fax-dedicated" and cmd.site:
            return replace(b, fax_dedicated=bool(pbx_links_after(cmd, state)))
        return replace(b, **{flag: isinstance(cmd, model.Book)})
    current = getattr(b, field)
    if cmd.quantity is not None and cmd.quantity <= 0:
        raise ParseError(f"The quantity must be a positive number, not {cmd.quantity}.")
    if isinstance(cmd, model.Book):
        if cmd.quantity is None and field == "extra_storage_gb":
            raise ParseError("Say how many GB of extra storage to book.",
                             hint=f"For example: `book {state.slug} extra-storage 10`.")
        return replace(b, **{field: _booked_total(cmd, state, current, cmd.quantity or 1)})
    quantity = current if cmd.quantity is None else cmd.quantity
    if current == 0 or quantity > current:
        rule = "R7" if field == "extra_storage_gb" else "R5"
        raise RuleViolation(rule, f"`{state.slug}` has {current} {cmd.product} booked; "
                            f"{quantity} cannot be cancelled.",
                            hint=f"See its bookings with `licences {state.slug}`.")
    return replace(b, **{field: current - quantity})


def _booked_total(cmd: model.Book, state: CustomerState, current: int, quantity: int) -> int:
    """current + quantity, refused when the contract could not record it (BOOKED_MAX)."""
    total = current + quantity
    if total <= BOOKED_MAX:
        return total
    rule = "R7" if cmd.product == "extra-storage" else "R5"
    room = BOOKED_MAX - current
    raise RuleViolation(rule, f"`{state.slug}` has {current} {cmd.product} booked; {quantity} more "
                        f"would make {total}, and a contract records at most {BOOKED_MAX}.",
                        hint=(f"Book at most {room} more." if room > 0 else
                              f"No more {cmd.product} can be booked on this contract."))


def pbx_links_after(cmd: model.Book | model.Cancel, state: CustomerState) -> tuple[PbxLink, ...]:
    others = tuple(link for link in state.pbx_links if link.site != cmd.site)
    if isinstance(cmd, model.Book):
        return others + (PbxLink(cmd.site, cmd.pbx or "", cmd.trunk or ""),)
    if cmd.site is None:
        return ()
    if len(others) == len(state.pbx_links):
        sites = ", ".join(link.site for link in state.pbx_links) or "none"
        raise NotFound(f"`{state.slug}` has no fax connection at site `{cmd.site}` "
                       f"(sites: {sites}).")
    return others


def _check_pool(state: CustomerState, after: Bookings) -> RuleReport:
    new_pool = pool_mb(after)
    if new_pool >= state.pool_mb:
        return passed("R7")
    used = state.used_mb
    if used is None:
        raise RuleViolation("R7", "The storage pool would shrink, and the mailboxes' usage is "
                            "unknown right now, so the bot refuses in doubt.",
                            hint=f"Check `quota {state.slug}` once the Tobit server answers, "
                                 "then retry.")
    if used > new_pool:
        raise RuleViolation("R7", f"Mailboxes use {used // 1024} GB; the pool would shrink to "
                            f"{new_pool // 1024} GB.",
                            hint="Free space in the mailboxes first, or cancel less.")
    return passed("R7")


def _check_fax_cancel(cmd: model.Cancel, state: CustomerState, after: Bookings) -> RuleReport:
    mode = "shared" if cmd.product == "fax-shared" else "dedicated"
    still = after.fax_dedicated if mode == "dedicated" else after.fax_shared
    numbers = [] if still else numbers_in_mode(state, mode)
    if numbers:
        raise RuleViolation("R15", f"Fax numbers still route through {cmd.product}: "
                            + ", ".join(map(show_phone, numbers)) + ".",
                            hint=f"Disable them first: `disable-fax {state.slug} "
                                 f"{show_phone(numbers[0])}`.")
    # AD does not say which site a number uses: the numbers are named, not refused
    remaining = numbers_in_mode(state, mode) if still and mode == "dedicated" else []
    warnings = () if not remaining else (
        f"any fax number routed through site {cmd.site} loses its connection; check "
        + ", ".join(remaining) + " (R16)",)
    return passed("R15", "R16", warnings=warnings)


def _check_pbx(cmd: model.Book) -> RuleReport:
    if cmd.pbx == "other" or cmd.pbx is None:
        raise RuleViolation("R16", "Dedicated fax needs an XCAPI-compatible PBX"
                            + (", and this one is not." if cmd.pbx else "; say which kind (pbx=)."),
                            hint=f"Rent a fax gateway (`book {cmd.customer} fax-dedicated "
                                 f"pbx=gateway trunk=<sip uri> site={cmd.site}`) or use shared fax "
                                 f"(`book {cmd.customer} fax-shared`).")
    if not cmd.trunk:
        raise RuleViolation("R16", "Dedicated fax needs the SIP URI of the XCAPI trunk or gateway.",
                            hint="Add `trunk=sip:...` to the command.")
    return passed("R16")


def _refuse_on_exchange(state: CustomerState, product: str) -> None:
    if state.mail_product == "exchange":
        raise RuleViolation("R3", f"`{state.slug}` is on Exchange; {product} is a Tobit product, "
                            "and a customer is on Tobit or on Exchange, not both.")


def _require_base(state: CustomerState) -> None:
    if state.base_service not in model.BASE_SERVICES:
        raise RuleViolation("R1", f"tobit-addon needs a base service; `{state.slug}` has none.",
                            hint="It needs Enterprise Service, Desktop or Platform first; "
                                 "that is a contract matter, not a bot command.")


def _require_tobit_service(state: CustomerState, product: str) -> None:
    if state.bookings.tobit_addon <= 0:
        rule = "R4" if product in _OPTIONS else "R15"
        raise RuleViolation(rule, f"{product} is booked on top of Tobit Service; `{state.slug}` "
                            "has no tobit-addon licences.",
                            hint=f"Book them first: `book {state.slug} tobit-addon <count>`.")


def _options_left(b: Bookings) -> list[str]:
    named = {"mailstore": b.mailstore, "cti": b.cti, "extra-storage": b.extra_storage_gb > 0,
             "fax-shared": b.fax_shared, "fax-dedicated": b.fax_dedicated}
    return [name for name, on in named.items() if on]
