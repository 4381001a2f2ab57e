"""The read-only reports as tables (title, headers, rows of text); the bot tabulates them."""

from __future__ import annotations

from dataclasses import dataclass

from commands.contract import CustomerState, UserState
from commands.phone import show_phone
from commands.rules_fax import fax_mode
from commands.rules_lookup import require_user
from commands.rules_users import LEGAL_KEYS
from commands.signature import firm_name


@dataclass(frozen=True)
class Table:
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def show_customer(state: CustomerState) -> Table:
    b, legal = state.bookings, state.legal
    domains = ", ".join(f"{d.name} (TLS {'yes' if d.tls_certificate else 'not recorded'})"
                        for d in state.domains) or "none (default address)"
    missing = legal.missing()
    rows = [
        ("name", state.display_name),
        ("base service", state.base_service or "none"),
        ("mail product", state.mail_product),
        ("Tobit server", state.tobit_url or "-"),
        ("domains", domains),
        ("legal info", "complete: " + firm_name(legal) if not missing else
         "missing " + ", ".join(LEGAL_KEYS[m] for m in missing)),
        ("licences", f"tobit-addon {b.tobit_addon}, tobit-solo {b.tobit_solo}"),
        ("options", ", ".join(_options(state)) or "none"),
        ("storage pool", _gb(state.pool_mb)),
        ("users", str(len(state.users))),
    ]
    rows += [(f"fax site {link.site}", f"{link.kind} {link.trunk}") for link in state.pbx_links]
    return Table(f"Customer `{state.slug}`", ("field", "value"), tuple(rows))


def show_user(state: CustomerState, ref: str) -> Table:
    u = require_user(state, ref)
    rows = (
        ("account", u.sam), ("name", u.display_name), ("mail", u.mail),
        ("licence", "tobit-solo" if u.solo else "tobit-addon"),
        ("enabled", _yes(u.enabled)), ("ActiveSync", _yes(u.activesync)),
        ("fax numbers", ", ".join(map(show_phone, u.fax_numbers)) or "none"), ("used", _used(u)),
    )
    return Table(f"User `{u.sam}` of `{state.slug}`", ("field", "value"), rows)


def list_users(state: CustomerState) -> Table:
    rows = tuple((u.sam, u.display_name, u.mail, "solo" if u.solo else "addon", _yes(u.enabled),
                  _yes(u.activesync), ", ".join(map(show_phone, u.fax_numbers)))
                 for u in sorted(state.users, key=lambda u: u.sam))
    return Table(f"Users of `{state.slug}` ({len(rows)})",
                 ("account", "name", "mail", "licence", "enabled", "ActiveSync", "fax"), rows)


def quota(state: CustomerState) -> Table:
    """R7: one pool for all mailboxes; a single mailbox may use more than its 5 GB share."""
    pool, used = state.pool_mb, state.used_mb
    free = "unknown" if used is None else _gb(pool - used)
    title = (f"Storage pool of `{state.slug}`: {_gb(pool)}, used "
             f"{'unknown' if used is None else _gb(used)}, free {free}")
    rows = tuple((u.sam, u.display_name, _used(u), _share(u, pool))
                 for u in sorted(state.users, key=lambda u: -(u.used_mb or 0)))
    return Table(title, ("account", "name", "used", "of pool"), rows)


def licences(state: CustomerState) -> Table:
    b, users = state.bookings, state.users
    solo = sum(u.solo for u in users)
    addon = len(users) - solo
    numbers = sum(len(u.fax_numbers) for u in users)
    rows = (
        ("tobit-addon", str(b.tobit_addon), str(addon), str(b.tobit_addon - addon)),
        ("tobit-solo", str(b.tobit_solo), str(solo), str(b.tobit_solo - solo)),
        ("extra-storage", f"{b.extra_storage_gb} GB", "-", "-"),
        ("fax-shared", _yes(b.fax_shared), "-", "-"),
        ("fax-dedicated", _yes(b.fax_dedicated),
         f"{len(state.pbx_links)} site(s)", "-"),
        ("mailstore", _yes(b.mailstore), "-", "-"),
        ("cti", _yes(b.cti), "-", "-"),
    )
    title = f"Licences of `{state.slug}` ({numbers} fax number(s) in use)"
    return Table(title, ("product", "booked", "used", "free"), rows)


def fax_numbers(state: CustomerState) -> Table:
    # AD does not record a number's mode; with both fax products booked it is not known here
    mode = fax_mode(state) or "shared or dedicated"
    numbers = sorted((n, f"{u.display_name} ({u.sam})") for u in state.users for n in u.fax_numbers)
    rows = tuple((show_phone(n), owner, mode) for n, owner in numbers)
    return Table(f"Fax numbers of `{state.slug}`", ("number", "user", "mode"), rows)


def _options(state: CustomerState) -> list[str]:
    b = state.bookings
    named = (("fax-shared", b.fax_shared), ("fax-dedicated", b.fax_dedicated),
             ("mailstore", b.mailstore), ("cti", b.cti))
    opts = [name for name, on in named if on]
    return opts + ([f"extra-storage {b.extra_storage_gb} GB"] if b.extra_storage_gb else [])


def _gb(mb: int) -> str:
    return f"{mb / 1024:.1f} GB"


def _used(u: UserState) -> str:
    return "unknown" if u.used_mb is None else _gb(u.used_mb)


def _share(u: UserState, pool_mb: int) -> str:
    if u.used_mb is None or pool_mb <= 0:
        return "-"
    return f"{100 * u.used_mb / pool_mb:.0f} %"


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def report_table(cmd, state: CustomerState) -> Table:
    """The table for a report command (show-customer, show-user, list-users, quota, licences,
    fax-numbers); `help` and `plan` are not tables."""
    by_name = {"show-customer": show_customer, "list-users": list_users, "quota": quota,
               "licences": licences, "fax-numbers": fax_numbers}
    if cmd.name == "show-user":
        return show_user(state, cmd.user)
    if cmd.name not in by_name:
        raise ValueError(f"{cmd.name} is not a table report")
    return by_name[cmd.name](state)
