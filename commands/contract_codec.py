"""How a customer's contract is written on its OU in AD (docs/contract-encoding.md).

Each fact is one value of the OU's multi-valued `businessCategory`: "tobitbot:<key>=<value>".
The OU's `description` is the display name and `uPNSuffixes` lists its own mail domains.
Values that do not start with "tobitbot:" in any case or spacing belong to other tools and are
left alone. Any value of ours the bot does not recognise (the prefix in another case or with
spaces around it, an unknown key, a value outside the key's values, a key given twice) makes
reading the contract fail with a ContractError naming key and value: read as a default, a
hand-typed `mail-product=Exchange` made an Exchange customer a Tobit one (R3).
"""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from collections.abc import Callable

from commands import model
from commands import values as v
from commands.contract import (
    BOOKED_MAX, Bookings, CustomerState, Domain, LegalInfo, PbxLink, UserState,
)
from commands.errors import ContractError, UserError

PREFIX = "tobitbot:"
ENTRY_MAX = 128  # AD's rangeUpper for businessCategory; Samba refuses longer values
DIRECTORS_SEPARATOR = "; "

# booking key -> (Bookings field, kind): "count" is a number, "flag" is yes/no
BOOKINGS: dict[str, tuple[str, str]] = {
    "book:tobit-addon": ("tobit_addon", "count"),
    "book:tobit-solo": ("tobit_solo", "count"),
    "book:fax-shared": ("fax_shared", "flag"),
    "book:fax-dedicated": ("fax_dedicated", "flag"),
    "book:mailstore": ("mailstore", "flag"),
    "book:cti": ("cti", "flag"),
    "book:extra-storage": ("extra_storage_gb", "count"),
}
LEGAL: dict[str, str] = {
    "legal:company": "company",
    "legal:legal-form": "legal_form",
    "legal:seat": "seat",
    "legal:register-court": "register_court",
    "legal:register-number": "register_number",
    "legal:managing-directors": "managing_directors",
}
PLAIN_KEYS = frozenset({"base", "mail-product", "tobit-url", *BOOKINGS, *LEGAL})
# keys with a variable part: tls:<domain> (an IDN such as müller-bau.de as typed), pbx:<site>
_KEY = re.compile(r"tls:[\w.-]+|pbx:[a-z0-9_-]+")
PBX_KINDS = ("xcapi", "gateway")   # "other" is never stored: R16 refuses it


def is_known_key(key: str) -> bool:
    return key in PLAIN_KEYS or bool(_KEY.fullmatch(key))


def encode_entry(key: str, value: str) -> str:
    """One businessCategory value; refuses keys outside the encoding, line breaks, and any value
    the reader (`entries_to_dict`) would refuse: the bot must not lock a customer out itself."""
    if not is_known_key(key):
        raise ValueError(f"unknown contract key {key!r}")
    if not _is_one_line(value):
        raise ValueError(f"contract value for {key!r} must be one line")
    if not _accepts(key, value):  # the rules refuse before a plan writes it; this is the last guard
        raise ValueError(f"contract value {value!r} for {key!r} would be refused when read "
                         f"(allowed: {_values_of(key)[1]})")
    entry = f"{PREFIX}{key}={value}"
    if len(entry) > ENTRY_MAX:
        room = ENTRY_MAX - len(entry) + len(value)
        raise UserError(f"the value for `{key}` is {len(value)} characters; AD stores at most "
                        f"{room} for it", hint="shorten it (abbreviate, or leave out titles)")
    return entry


def parse_entry(entry: str) -> tuple[str, str] | None:
    """(key, value) of one of our entries; None for anything another tool wrote."""
    if not entry.startswith(PREFIX) or "=" not in entry:
        return None
    key, value = entry[len(PREFIX):].split("=", 1)
    return (key, value) if is_known_key(key) else None


def is_ours(entry: str) -> bool:
    """Whether an entry is meant as ours: "TOBITBOT:..." or " tobitbot:..." was typed by a person
    for the bot, and passed over as another tool's, it was read as a default (R3)."""
    return entry.strip().casefold().startswith(PREFIX)


def entries_to_dict(entries: list[str], customer: str = "?") -> dict[str, str]:
    """Our entries as {key: value}, each checked; ContractError for anything in doubt."""
    facts: dict[str, str] = {}
    for entry in entries:
        if not is_ours(entry):
            continue                                   # another tool's value
        if not entry.startswith(PREFIX):
            raise _miswritten_prefix(customer, entry)
        parsed = parse_entry(entry)
        if parsed is None:
            raise _unknown_key(customer, entry)
        key, value = parsed
        if not _accepts(key, value):
            raise ContractError(
                f"The contract of `{customer}` in AD says `{PREFIX}{key}={v.shown(value)}`, and "
                f"`{v.shown(value)}` is no value the bot knows for `{key}` "
                f"(allowed: {_values_of(key)[1]}).",
                rule=_rule(key), hint=_FIX_HINT)
        if key in facts and facts[key] != value:       # AD keeps no order: neither one wins
            raise ContractError(
                f"The contract of `{customer}` in AD gives `{key}` twice: "
                f"`{v.shown(facts[key])}` and `{v.shown(value)}`.",
                rule=_rule(key), hint=_FIX_HINT)
        facts[key] = value
    return facts


# ---- what each key accepts --------------------------------------------------------------------

_FIX_HINT = ("The bot refuses in doubt rather than guess. Have an AD administrator correct the "
             "`businessCategory` value on the customer's OU (docs/contract-encoding.md), then try "
             "again.")
_RULES = {"base": "R1", "mail-product": "R3", "tobit-url": "R6", "book:tobit-addon": "R5",
          "book:tobit-solo": "R2", "book:fax-shared": "R17", "book:fax-dedicated": "R16",
          "book:mailstore": "R4", "book:cti": "R4", "book:extra-storage": "R7", "tls": "R8",
          "pbx": "R16", "legal": "R12"}


def _rule(key: str) -> str | None:
    return _RULES.get(key) or _RULES.get(key.split(":", 1)[0])


def _one_of(*options: str) -> tuple[Callable[[str], bool], str]:
    return (lambda value: value in options), ", ".join(f"`{o}`" for o in options)


def _converts(convert: Callable[[str], object]) -> Callable[[str], bool]:
    def accepts(value: str) -> bool:
        try:
            convert(value)
        except v.BadValue:
            return False
        return True
    return accepts


def _is_server_url(value: str) -> bool:
    """What onboarding writes (https); the sandbox and the tests seed their simulators over
    plain http on loopback, which is theirs to choose, not a value in doubt. Plain http to any
    other host would carry the Tobit token and mail unencrypted: refused in doubt."""
    if value.startswith("http://"):
        as_https = "https://" + value.removeprefix("http://")
        return (_converts(v.https_url)(as_https)
                and _is_loopback(urllib.parse.urlsplit(as_https).hostname))
    return _converts(v.https_url)(value)


def _is_loopback(host: str | None) -> bool:
    """127.0.0.0/8, ::1 or localhost: this machine, never the network."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def _is_count(value: str) -> bool:
    return bool(re.fullmatch(r"[0-9]+", value)) and int(value) <= BOOKED_MAX


def _is_pbx_link(value: str) -> bool:
    kind, _, trunk = value.partition(" ")
    return kind in PBX_KINDS and _converts(v.sip_uri)(trunk.strip())


_YES_NO = _one_of("yes", "no")
_COUNT = (_is_count, f"a whole number in digits, at most {BOOKED_MAX}")
_ACCEPTS: dict[str, tuple[Callable[[str], bool], str]] = {
    "base": _one_of(*model.BASE_SERVICES, "none"),
    "mail-product": _one_of("tobit", "exchange"),
    "tobit-url": (_is_server_url, "an `https://` address (`http://` only on loopback)"),
    **{key: _YES_NO if kind == "flag" else _COUNT for key, (_, kind) in BOOKINGS.items()},
    **{key: ((lambda value: bool(value.strip())), "text on one line") for key in LEGAL},
    "tls": _YES_NO,
    "pbx": (_is_pbx_link, " or ".join(f"`{k} SIP-URI`" for k in PBX_KINDS)),
}


def _values_of(key: str) -> tuple[Callable[[str], bool], str]:
    return _ACCEPTS.get(key) or _ACCEPTS[key.split(":", 1)[0]]


def _accepts(key: str, value: str) -> bool:
    """Whether the reader takes `value` for `key`; the encoder asks the same before writing."""
    return _is_one_line(value) and _values_of(key)[0](value)


def _is_one_line(value: str) -> bool:
    """No line break of any kind (\n, \r, \u2028, ...): the encoder writes none, so one typed
    by hand is in doubt; a trailing one passed `$` in the key pattern before e70aab0."""
    return value.splitlines() == ([value] if value else [])


def _miswritten_prefix(customer: str, entry: str) -> ContractError:
    key, equals, value = entry.strip()[len(PREFIX):].partition("=")
    key = key.strip().lower()                          # keys are lower case; values keep theirs
    meant = f"{PREFIX}{key}{equals}{value}"
    return ContractError(
        f"The contract of `{customer}` in AD holds `{v.shown(entry, 80)}`, which is meant for the "
        f"bot but is not written `{PREFIX}KEY=VALUE` exactly (lower case, no spaces around it).",
        rule=_rule(key) if is_known_key(key) else None,
        hint=f"Write it as `{v.shown(meant, 80)}`. " + _FIX_HINT)


def _unknown_key(customer: str, entry: str) -> ContractError:
    if "=" not in entry:
        return ContractError(f"The contract of `{customer}` in AD holds `{v.shown(entry, 80)}`, "
                             f"which is not `{PREFIX}KEY=VALUE`.", hint=_FIX_HINT)
    key = entry[len(PREFIX):].split("=", 1)[0]
    close = v.did_you_mean(key, sorted(PLAIN_KEYS))
    return ContractError(
        f"The contract of `{customer}` in AD holds `{v.shown(entry, 80)}`, and `{v.shown(key)}` "
        "is no key the bot knows" + (f" (did you mean `{close}`?)" if close else ".")
        , hint=_FIX_HINT)


def flag(value: bool) -> str:
    return "yes" if value else "no"


def decode(slug: str, entries: list[str], description: str | None, upn_suffixes: list[str],
           users: tuple[UserState, ...] | list[UserState] = ()) -> CustomerState:
    """The CustomerState an OU's attributes describe; ContractError for a value in doubt."""
    facts = entries_to_dict(entries, slug)
    return CustomerState(
        slug=slug,
        display_name=description or slug,
        base_service=facts.get("base") or None,
        mail_product=facts.get("mail-product") or "tobit",
        tobit_url=facts.get("tobit-url") or None,
        bookings=_bookings(facts),
        domains=tuple(Domain(d.lower(), facts.get(f"tls:{d.lower()}") == "yes")
                      for d in upn_suffixes),
        legal=_legal(facts),
        pbx_links=tuple(link for key, value in sorted(facts.items())
                        if key.startswith("pbx:") for link in (_pbx(key[4:], value),)),
        users=tuple(users),
    )


def encode(state: CustomerState) -> list[str]:
    """Every businessCategory entry for a state (display name and domains live elsewhere)."""
    facts: dict[str, str] = {"mail-product": state.mail_product}
    if state.base_service:
        facts["base"] = state.base_service
    if state.tobit_url:
        facts["tobit-url"] = state.tobit_url
    for key, (attr, kind) in BOOKINGS.items():
        value = getattr(state.bookings, attr)
        if value:
            facts[key] = flag(value) if kind == "flag" else str(value)
    for key, attr in LEGAL.items():
        value = getattr(state.legal, attr)
        if value:
            facts[key] = DIRECTORS_SEPARATOR.join(value) if isinstance(value, tuple) else value
    for domain in state.domains:
        facts[f"tls:{domain.name}"] = flag(domain.tls_certificate)
    for link in state.pbx_links:
        facts[f"pbx:{link.site}"] = f"{link.kind} {link.trunk}"
    return [encode_entry(k, v) for k, v in facts.items()]


def _bookings(facts: dict[str, str]) -> Bookings:
    values: dict[str, int | bool] = {}
    for key, (attr, kind) in BOOKINGS.items():
        raw = facts.get(key)
        if raw is None:
            continue
        values[attr] = raw == "yes" if kind == "flag" else int(raw)
    return Bookings(**values)


def _legal(facts: dict[str, str]) -> LegalInfo:
    fields = {attr: facts.get(key) or None for key, attr in LEGAL.items()}
    directors = fields.pop("managing_directors") or ""
    names = tuple(n.strip() for n in directors.split(DIRECTORS_SEPARATOR.strip()) if n.strip())
    return LegalInfo(**fields, managing_directors=names)


def _pbx(site: str, value: str) -> PbxLink:
    kind, _, trunk = value.partition(" ")
    return PbxLink(site=site, kind=kind, trunk=trunk.strip())
