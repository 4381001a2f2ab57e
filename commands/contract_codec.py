"""How a customer's contract is written on its OU in AD (docs/contract-encoding.md).

Each fact is one value of the OU's multi-valued `businessCategory`: "tobitbot:<key>=<value>".
The OU's `description` is the display name and `uPNSuffixes` lists its own mail domains.
Values that do not start with "tobitbot:" belong to other tools and are left alone; a
malformed value of ours is ignored when reading, which counts as "not booked" (deny in doubt).
"""

from __future__ import annotations

import re

from commands.contract import Bookings, CustomerState, Domain, LegalInfo, PbxLink, UserState
from commands.errors import UserError

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
# keys with a variable part: tls:<domain>, pbx:<site>
_KEY = re.compile(r"^(?:tls:[a-z0-9.-]+|pbx:[a-z0-9_-]+)$")


def is_known_key(key: str) -> bool:
    return key in PLAIN_KEYS or bool(_KEY.match(key))


def encode_entry(key: str, value: str) -> str:
    """One businessCategory value; refuses keys outside the encoding and line breaks."""
    if not is_known_key(key):
        raise ValueError(f"unknown contract key {key!r}")
    if "\n" in value or "\r" in value:
        raise ValueError(f"contract value for {key!r} must be one line")
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


def entries_to_dict(entries: list[str]) -> dict[str, str]:
    """Our entries as {key: value}; if a key appears twice, the last value wins."""
    return dict(kv for kv in map(parse_entry, entries) if kv is not None)


def flag(value: bool) -> str:
    return "yes" if value else "no"


def decode(slug: str, entries: list[str], description: str | None, upn_suffixes: list[str],
           users: tuple[UserState, ...] | list[UserState] = ()) -> CustomerState:
    """The CustomerState an OU's attributes describe."""
    facts = entries_to_dict(entries)
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
                        if key.startswith("pbx:") and (link := _pbx(key[4:], value))),
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
        if kind == "flag" and raw in ("yes", "no"):
            values[attr] = raw == "yes"
        elif kind == "count" and raw.isdigit():
            values[attr] = int(raw)
    return Bookings(**values)


def _legal(facts: dict[str, str]) -> LegalInfo:
    fields = {attr: facts.get(key) or None for key, attr in LEGAL.items()}
    directors = fields.pop("managing_directors") or ""
    names = tuple(n.strip() for n in directors.split(DIRECTORS_SEPARATOR.strip()) if n.strip())
    return LegalInfo(**fields, managing_directors=names)


def _pbx(site: str, value: str) -> PbxLink | None:
    kind, _, trunk = value.partition(" ")
    if kind not in ("xcapi", "gateway") or not trunk.strip():
        return None
    return PbxLink(site=site, kind=kind, trunk=trunk.strip())
