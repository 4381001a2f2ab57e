"""From a checked command and the customer's contract to a plan of idempotent steps.

Every step sets a state rather than changing it by a difference (totals, not increments), so
the engine can skip what is done and a re-run after a failure completes the plan. Steps are
ordered so that a half-done plan never leaves more than the contract allows: capacity is
granted after the booking is recorded and withdrawn before the booking is cancelled, and an
account is enabled only once it is complete (mailbox, signature, password).
"""

from __future__ import annotations

from commands import model
from commands.contract import CustomerState, FaxHolder
from commands.contract_codec import DIRECTORS_SEPARATOR, LEGAL
from commands.errors import UserError
from commands.naming import split_full_name
from commands.plan import Plan, Step
from commands.planner_fax import disable_fax_steps, enable_fax_steps, fax_route_removal
from commands.planner_steps import step
from commands.render import command_text
from commands.rules import check
from commands.rules_products import (
    COUNTED, bookings_after, legal_changes, merged_legal, pbx_links_after, pool_mb,
)
from commands.rules_users import SOLO_NOTE
from commands.signature import signature_text

_LEGAL_KEY = {attr: key for key, attr in LEGAL.items()}


def plan(cmd: model.Command, state: CustomerState | None, *, risky: bool = False,
         fax_server_uri: str = "sip:fax@127.0.0.1", fax_holders: tuple[FaxHolder, ...] = ()) -> Plan:
    """The plan for `cmd`; raises RuleViolation / NotFound when a service rule forbids it.

    `fax_holders`: where an enable-fax's number is in use provider-wide (rules_lookup.fax_holders).
    """
    report = check(cmd, state, fax_holders)
    notes: tuple[str, ...] = ()
    if cmd.name in model.REPORTS:
        steps: tuple[Step, ...] = ()
    elif isinstance(cmd, model.OnboardCustomer):
        steps = _onboard(cmd)
    elif isinstance(cmd, model.EnableFax):
        steps = enable_fax_steps(cmd, state, fax_server_uri)
    elif isinstance(cmd, model.DisableFax):
        steps = disable_fax_steps(cmd, state)
    else:
        steps = _BUILDERS[type(cmd)](cmd, state)
        if isinstance(cmd, model.AddUser) and cmd.solo:
            notes = (SOLO_NOTE,)
    return Plan(command=command_text(cmd), customer=getattr(cmd, "customer", None), steps=steps,
                risky=risky, checks=report.passed, warnings=report.warnings, notes=notes)


def _onboard(cmd: model.OnboardCustomer) -> tuple[Step, ...]:
    c = cmd.customer
    return (
        step("ad.create_customer", f"create customer OU {c} ({cmd.display_name})",
             customer=c, display_name=cmd.display_name),
        _contract(c, "base", cmd.base_service, f"record base service {cmd.base_service}"),
        _contract(c, "mail-product", cmd.mail_product, f"record mail product {cmd.mail_product}"),
        _contract(c, "tobit-url", cmd.tobit_url, f"record Tobit server {cmd.tobit_url}"),
    )


def _book_or_cancel(cmd: model.Book | model.Cancel, state: CustomerState) -> tuple[Step, ...]:
    c, product = state.slug, cmd.product
    after = bookings_after(cmd, state)
    booking: list[Step] = []
    if product == "fax-dedicated":
        booking += _pbx_link_steps(cmd, state)
    if product in COUNTED:
        total = getattr(after, COUNTED[product])
        value = str(total) if total else None
        unit = "GB" if product == "extra-storage" else "licences"
        summary = f"record {product} for {c}: {total} {unit} in total"
    else:
        value = "yes" if getattr(after, product.replace("-", "_")) else None
        summary = f"record the {product} booking of {c}"
    if value is None:
        summary = f"remove the {product} booking of {c}"
    booking.append(_contract(c, f"book:{product}", value, summary))
    new_pool = pool_mb(after)
    if new_pool == state.pool_mb:
        return tuple(booking)
    pool = step("tobit.set_pool", f"set {c}'s storage pool to {new_pool // 1024} GB",
                customer=c, pool_mb=new_pool)
    # grow: record the booking first; shrink: withdraw the storage first (R7)
    return (*booking, pool) if new_pool > state.pool_mb else (pool, *booking)


def _pbx_link_steps(cmd: model.Book | model.Cancel, state: CustomerState) -> list[Step]:
    if isinstance(cmd, model.Book):
        return [_contract(state.slug, f"pbx:{cmd.site}", f"{cmd.pbx} {cmd.trunk}",
                          f"record {cmd.pbx} fax connection {cmd.trunk} at site {cmd.site}")]
    kept = {link.site for link in pbx_links_after(cmd, state)}
    return [_contract(state.slug, f"pbx:{link.site}", None,
                      f"remove the fax connection at site {link.site}")
            for link in state.pbx_links if link.site not in kept]


def _set_domain(cmd: model.SetDomain, state: CustomerState) -> tuple[Step, ...]:
    c, domain = state.slug, cmd.domain.lower()
    tls = "yes" if cmd.tls_certificate else "no"
    return (
        step("ad.add_domain", f"add mail domain {domain} to {c}", customer=c, domain=domain),
        _contract(c, f"tls:{domain}", tls,
                  f"record TLS certificate for {domain}: {tls}"),
    )


def _set_legal_info(cmd: model.SetLegalInfo, state: CustomerState) -> tuple[Step, ...]:
    c = state.slug
    steps = []
    for attr, value in legal_changes(cmd).items():
        if not value:
            continue
        text = DIRECTORS_SEPARATOR.join(value) if isinstance(value, tuple) else value
        steps.append(_contract(c, _LEGAL_KEY[attr], text,
                               f"record {attr.replace('_', ' ')}: {text}"))
    legal = merged_legal(cmd, state)
    if legal.is_complete():  # R12: every existing account gets the new particulars
        steps += [step("tobit.set_signature", f"update e-mail signature of {u.display_name}",
                       customer=c, user=u.sam,
                       text=signature_text(u.display_name, u.mail, legal, state.display_name))
                  for u in state.users]
    return tuple(steps)


def _add_user(cmd: model.AddUser, state: CustomerState) -> tuple[Step, ...]:
    c, name = state.slug, cmd.full_name
    given, surname = split_full_name(name)
    groups = ["tobit-users"] + (["activesync-users"] if cmd.activesync else [])
    text = signature_text(name, cmd.email, state.legal, state.display_name)
    _refuse_taken_login(cmd, state)
    return (
        step("ad.create_user",
             f"create AD account for {name} in {c}" + (f" as {cmd.login}" if cmd.login else "")
             + (" (solo)" if cmd.solo else ""),
             customer=c, given_name=given, surname=surname, display_name=name, email=cmd.email,
             solo=cmd.solo, sam=cmd.login),
        *(step("ad.add_to_group", f"add {name} to {g}", customer=c, user="${sam}", group=g)
          for g in groups),
        step("tobit.create_mailbox", f"create Tobit mailbox for {name}", customer=c,
             user="${sam}", display_name=name, mail="${mail}"),
        step("tobit.set_activesync", f"switch ActiveSync {'on' if cmd.activesync else 'off'} "
             f"for {name}", customer=c, user="${sam}", enabled=cmd.activesync),
        step("tobit.set_signature", f"set the e-mail signature of {name}", customer=c,
             user="${sam}", text=text),
        # last, so that a half-done run leaves a disabled account, never a usable unfinished one
        step("ad.set_password", f"set an initial password for {name} (sent to you only)",
             customer=c, user="${sam}", must_change=True),
        step("ad.enable_user", f"enable the AD account of {name}", customer=c, user="${sam}"),
    )


def _refuse_taken_login(cmd: model.AddUser, state: CustomerState) -> None:
    """A derived name is numbered when taken (jdoe2); a name given with `login=` is the one
    asked for, so a taken one is refused here rather than changed or failed at step 1."""
    if cmd.login is None:
        return
    owner = next((u for u in state.users if u.sam.casefold() == cmd.login.casefold()), None)
    if owner is not None:
        raise UserError(f"`{cmd.login}` is already the account of {owner.display_name} in "
                        f"`{state.slug}`.", hint="Choose another `login=`, or leave it out to "
                        "have one made from the name.")


def _remove_user(cmd: model.RemoveUser, state: CustomerState) -> tuple[Step, ...]:
    c, user = state.slug, state.find_user(cmd.user)
    sam, name = user.sam, user.display_name
    verb = "archive" if cmd.mail == "archive" else "export"
    return (
        # first: if anything later fails, the mail is safe and the user still works (R19)
        step("tobit.archive_mailbox", f"{verb} the mailbox of {name}", customer=c, user=sam,
             mode=cmd.mail),
        *(s for number in user.fax_numbers for s in fax_route_removal(c, number)),
        step("ad.disable_user", f"disable the AD account of {name}", customer=c, user=sam),
        step("tobit.delete_mailbox", f"delete the mailbox of {name}", customer=c, user=sam),
        step("ad.delete_user", f"delete the AD account of {name}", customer=c, user=sam),
    )


def _activesync(cmd: model.Command, state: CustomerState) -> tuple[Step, ...]:
    c, user = state.slug, state.find_user(cmd.user)
    on = isinstance(cmd, model.EnableActiveSync)
    group = ("ad.add_to_group" if on else "ad.remove_from_group",
             f"{'add' if on else 'remove'} {user.display_name} "
             f"{'to' if on else 'from'} activesync-users")
    tobit = step("tobit.set_activesync", f"switch ActiveSync {'on' if on else 'off'} for "
                 f"{user.display_name}", customer=c, user=user.sam, enabled=on)
    membership = step(group[0], group[1], customer=c, user=user.sam, group="activesync-users")
    # off: cut the phone's access on the server first; on: membership first, as AD leads
    return (membership, tobit) if on else (tobit, membership)


def _reset_password(cmd: model.ResetPassword, state: CustomerState) -> tuple[Step, ...]:
    user = state.find_user(cmd.user)
    return (step("ad.set_password", f"set a new password for {user.display_name} (sent to you "
                 "only)", customer=state.slug, user=user.sam, must_change=True),)


def _contract(customer: str, key: str, value: str | None, summary: str) -> Step:
    return step("ad.set_contract", summary, customer=customer, key=key, value=value)


_BUILDERS = {
    model.Book: _book_or_cancel, model.Cancel: _book_or_cancel, model.SetDomain: _set_domain,
    model.SetLegalInfo: _set_legal_info, model.AddUser: _add_user, model.RemoveUser: _remove_user,
    model.EnableActiveSync: _activesync, model.DisableActiveSync: _activesync,
    model.ResetPassword: _reset_password,
}
