"""Value converters of the command language: the text of one value in, a normalised value out.

Each converter either returns the value in its one canonical form (so that a command printed by
`render` parses back to the same command) or raises `BadValue` saying what to type instead. They
know nothing of commands or usage lines; the parser adds those.
"""

from __future__ import annotations

import difflib
import encodings.idna
import ipaddress
import re
import unicodedata
import urllib.parse
from collections.abc import Callable

from commands.naming import SAM_MAX


class BadValue(ValueError):
    """A value that does not fit; `hint` says what to type instead, `rule` why it is needed."""

    def __init__(self, message: str, hint: str | None = None, rule: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.rule = rule


def shown(text: str, limit: int = 40) -> str:
    """User text to quote inside a code span of a message: short, no backticks, printable.

    Not escaped for Slack: the bot escapes a whole error text once, where it renders it.
    """
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = text.replace("`", "'")
    return "".join(c if c.isprintable() else "?" for c in text)


def did_you_mean(word: str, candidates: list[str] | tuple[str, ...]) -> str | None:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return close[0] if close else None


def choice(options: tuple[str, ...], what: str) -> Callable[[str], str]:
    """A converter that accepts one of `options`, case-insensitively."""

    def convert(text: str) -> str:
        value = text.lower()
        if value in options:
            return value
        close = did_you_mean(value, options)
        listed = ", ".join(f"`{o}`" for o in options)
        hint = (f"Did you mean `{close}`? " if close else "") + f"Choose one of: {listed}."
        raise BadValue(f"`{shown(text)}` is not a {what}.", hint)

    return convert


# ---- identifiers ----------------------------------------------------------------------------

_SLUG = re.compile(r"[a-z][a-z0-9-]{1,31}")
_SITE = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
# AD refuses these in sAMAccountName; `@` is left out because it makes the text a mail address.
_SAM_FORBIDDEN = set('"/\\[]:;|=,+*?<>@')


def slug(text: str) -> str:
    """A customer's short name (its OU in AD): lowercased, a-z 0-9 -, 2..32, a letter first."""
    value = text.lower()
    if text.isascii() and _SLUG.fullmatch(value):
        return value
    raise BadValue(f"`{shown(text)}` is not a customer short name.",
                   "Use 2 to 32 characters a-z, 0-9 and -, starting with a letter: "
                   "`acme`, `mueller-gmbh`.")


def site(text: str) -> str:
    """A customer's site, one PBX / gateway each (R16): lowercased, a-z 0-9 -, up to 32."""
    value = text.lower()
    if text.isascii() and _SITE.fullmatch(value):
        return value
    raise BadValue(f"`{shown(text)}` is not a site name.",
                   "Use up to 32 characters a-z, 0-9 and -: `main`, `berlin`, `muenchen-2`.")


def user_ref(text: str) -> str:
    """An existing user: the account name (`jdoe`) or the mail address, case kept as typed."""
    if "@" in text:
        return email(text)
    if (0 < len(text) <= 20 and not text.endswith(".") and text.isprintable()
            and not any(c.isspace() or c in _SAM_FORBIDDEN for c in text)):
        return text
    raise BadValue(f"`{shown(text)}` is not an account name or mail address.",
                   "Give the account name (`jdoe`) or the mail address (`jane.doe@acme.de`).")


# An account name given with `login=`: the characters the derived names use (a-z 0-9 . -) and `_`,
# all of which AD takes in sAMAccountName; lowercased, as AD compares it without case anyway.
_LOGIN = re.compile(rf"[a-z0-9_][a-z0-9._-]{{0,{SAM_MAX - 1}}}")


def login(text: str) -> str:
    """An account name (sAMAccountName) given by hand: 1..20 of a-z 0-9 . - _, not ending in `.`."""
    value = text.lower()
    if text.isascii() and _LOGIN.fullmatch(value) and not value.endswith("."):
        return value
    raise BadValue(f"`{shown(text)}` is not an account name AD takes.",
                   f"Use up to {SAM_MAX} characters a-z, 0-9, `.`, `-` and `_`, starting with a "
                   "letter or digit and not ending in `.`: `login=lwang`.")


# ---- numbers and switches -------------------------------------------------------------------

_BOOLEANS = {"yes": True, "true": True, "on": True, "ja": True,
             "no": False, "false": False, "off": False, "nein": False}


def boolean(text: str) -> bool:
    value = _BOOLEANS.get(text.lower())
    if value is None:
        raise BadValue(f"`{shown(text)}` is not yes or no.",
                       "Write `yes` or `no` (also true/false, on/off, ja/nein).")
    return value


def show_boolean(value: bool) -> str:
    return "yes" if value else "no"


MAX_COUNT = 100_000


def count(text: str) -> int:
    """A positive whole number of licences or GB, in ASCII digits."""
    if re.fullmatch(r"[0-9]{1,6}", text) and 1 <= int(text) <= MAX_COUNT:
        return int(text)
    raise BadValue(f"`{shown(text)}` is not a count.", f"Write a whole number from 1 to {MAX_COUNT}.")


# ---- names on the internet ------------------------------------------------------------------

_LDH_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def _ascii_labels(name: str) -> list[str] | None:
    """The IDNA (ASCII) labels of a host name, or None when it is not one."""
    labels = []
    for label in name.split("."):
        try:
            ascii_label = label if label.isascii() else encodings.idna.ToASCII(label).decode()
        except (UnicodeError, ValueError):
            return None
        if not _LDH_LABEL.fullmatch(ascii_label.lower()):
            return None
        labels.append(ascii_label)
    return labels if len(".".join(labels)) <= 253 else None


def domain(text: str) -> str:
    """An internet domain (`acme.de`, `müller.de`): lowercased, kept in the form typed."""
    name = unicodedata.normalize("NFC", text.lower()).removesuffix(".")
    labels = _ascii_labels(name)
    if labels and len(labels) >= 2 and not labels[-1].isdigit():
        return name
    raise BadValue(f"`{shown(text)}` is not a domain name.",
                   "Write the domain without `www` or `@`: `acme.de`, `müller-bau.de`.")


def _is_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return bool(host) and _ascii_labels(host.lower()) is not None


def email(text: str) -> str:
    """A mail address; the domain is lowercased, the local part kept as typed."""
    local, at, host = text.rpartition("@")
    atom = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
    if at and len(local) <= 64 and re.fullmatch(rf"{atom}(?:\.{atom})*", local):
        try:
            return f"{local}@{domain(host)}"
        except BadValue:
            pass
    raise BadValue(f"`{shown(text)}` is not a mail address.", "For example `jane.doe@acme.de`.")


def _is_plain(text: str) -> bool:
    return text.isprintable() and not any(c.isspace() for c in text)


def https_url(text: str) -> str:
    """The HTTPS address of a customer's Tobit server; never with credentials in it (R18)."""
    example = "For example `tobit-url=https://tobit.acme.de`."
    try:
        parts = urllib.parse.urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise BadValue(f"`{shown(text)}` is not a URL.", example) from None
    if parts.scheme.lower() != "https":
        raise BadValue(f"`{shown(text)}` is not an https:// address.",
                       "The Tobit server is reached over HTTPS only. " + example)
    if parts.username is not None or parts.password is not None:
        raise BadValue("the URL carries credentials.",
                       "Leave user and password out; the bot never stores them.", rule="R18")
    if not _is_plain(text) or not _is_host(parts.hostname or ""):
        raise BadValue(f"`{shown(text)}` is not a URL.", example)
    return text


_SIP = re.compile(r"sips?:(?:[^@;?]+@)?(\[[0-9A-Fa-f:.]+\]|[^:;?@\[\]]+)(?::([0-9]{1,5}))?(?:[;?].*)?",
                  re.IGNORECASE | re.DOTALL)


def sip_uri(text: str) -> str:
    """The SIP URI of a customer's XCAPI trunk or rented gateway (`sip:pbx.acme.de:5060`)."""
    match = _SIP.fullmatch(text) if _is_plain(text) else None
    if match:
        host, port = match.group(1).strip("[]"), match.group(2)
        if _is_host(host) and (port is None or 0 < int(port) < 65536):
            return text
    raise BadValue(f"`{shown(text)}` is not a SIP URI.", "For example `trunk=sip:pbx.acme.de:5060`.")


# ---- free text ------------------------------------------------------------------------------

def text(value: str, *, what: str, limit: int) -> str:
    """Free text (names, legal particulars): spaces collapsed, NFC, no invisible characters."""
    clean = unicodedata.normalize("NFC", " ".join(value.split()))
    if not clean:
        raise BadValue(f"the {what} is empty.")
    if any(unicodedata.category(c).startswith("C") for c in clean):
        raise BadValue(f"the {what} contains an invisible or control character.",
                       "Type it again without copying it from elsewhere.")
    if len(clean) > limit:
        raise BadValue(f"the {what} is longer than {limit} characters.")
    return clean


def free_text(what: str, limit: int = 120) -> Callable[[str], str]:
    return lambda value: text(value, what=what, limit=limit)


def full_name(value: str) -> str:
    """A person's name as AD shows it: first and last name at least (R5: a named person)."""
    name = text(value, what="name", limit=64)
    if " " not in name:
        raise BadValue(f"`{shown(name)}` is not a full name.",
                       'Give first and last name, in quotes: `"Jane Doe"`.', rule="R5")
    return name


def names_list(value: str) -> tuple[str, ...]:
    """Managing directors, separated by `;` (a comma may be inside one name: "Schmidt, Anna")."""
    names = tuple(text(n, what="name", limit=100) for n in value.split(";") if n.strip())
    if not names:
        raise BadValue("no names given.", 'Separate names with `;`: `"Anna Schmidt; Bernd Meyer"`.')
    return names


def show_names(names: tuple[str, ...]) -> str:
    return "; ".join(names)
