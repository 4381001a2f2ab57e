"""Account names: from a person's name to a unique sAMAccountName that AD accepts.

German names are transliterated the German way (ä -> ae, not a), other diacritics are dropped
(é -> e, ł -> l), and what is left is cut to AD's 20 characters. A name already taken gets a number,
still within 20 characters: jdoe, jdoe2, jdoe3, ...

A name without Latin letters or digits ("李 王") gives no account name; `unnamable` says so at the
door, before anything runs, so that the request asks for `login=` instead of failing at step 1.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Callable, Collection

from commands.errors import ParseError

SAM_MAX = 20  # sAMAccountName: 20 characters in the pre-Windows 2000 logon name
DEFAULT_FORMAT = "{first_initial}{last}"

_GERMAN = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ẞ": "SS"}
# Latin letters that Unicode does not decompose into base letter + mark (else they would vanish)
_UNDECOMPOSABLE = {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "æ": "ae",
                   "Æ": "Ae", "œ": "oe", "Œ": "Oe", "þ": "th", "Þ": "Th", "ð": "d", "ı": "i"}
_SPELLED_OUT = str.maketrans(_GERMAN | _UNDECOMPOSABLE)
_NOT_ALLOWED = re.compile(r"[^a-z0-9.-]")
_FORMAT_KEYS = ("first", "last", "first_initial")


def transliterate(text: str) -> str:
    """Lowercase ASCII in [a-z0-9.-]: German umlauts spelled out, other marks stripped."""
    text = text.translate(_SPELLED_OUT)
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_ALLOWED.sub("", ascii_only.lower())


def split_full_name(full_name: str) -> tuple[str, str]:
    """(given names, surname): the last word is the surname.

    Simple and predictable rather than clever: "Anna Maria Schmidt" -> ("Anna Maria",
    "Schmidt"), a double-barrelled "Müller-Lüdenscheidt" stays whole, but particles are not
    recognised ("Jan van Dijk" -> ("Jan van", "Dijk")). A single word is the surname.
    """
    words = full_name.split()
    if not words:
        return "", ""
    return " ".join(words[:-1]), words[-1]


def unnamable(given_name: str, surname: str) -> tuple[str, ...]:
    """The parts of a name ("first name", "surname") with nothing to make an account name of.

    Both parts are asked for, whatever the configured format uses: the door does not know the
    format, and an account made of one initial ("l" for "Li 王") helps nobody either."""
    parts = (("first name", given_name), ("surname", surname))
    return tuple(what for what, part in parts if not _clean(transliterate(part)))


def account_name(given_name: str, surname: str, fmt: str = DEFAULT_FORMAT,
                 taken: Callable[[str], bool] | Collection[str] = ()) -> str:
    """A sAMAccountName for the person: 1..20 chars of [a-z0-9.-], not `taken`."""
    is_taken = taken if callable(taken) else _member_of(taken)
    first = transliterate(given_name)
    last = transliterate(surname)
    try:
        raw = fmt.format(first=first, last=last, first_initial=first[:1])
    except (KeyError, IndexError) as exc:
        raise ValueError(f"account name format {fmt!r} may only use {_FORMAT_KEYS}") from exc
    base = _clean(raw)
    if not base:
        raise ParseError(f"cannot build an account name from {given_name!r} {surname!r}: "
                         "no Latin letters or digits in it",
                         hint="give the account name with `login=`")
    if not is_taken(base[:SAM_MAX]):
        return base[:SAM_MAX]
    for number in range(2, 10 ** 6):
        suffix = str(number)
        candidate = _clean(base[:SAM_MAX - len(suffix)]) + suffix
        if not is_taken(candidate):
            return candidate
    raise ParseError(f"every account name for {given_name!r} {surname!r} is taken")


def _clean(name: str) -> str:
    # AD refuses a trailing dot; a leading or trailing hyphen only looks like a typo
    return _NOT_ALLOWED.sub("", name)[:SAM_MAX].strip(".-")


def _member_of(names: Collection[str]) -> Callable[[str], bool]:
    folded = {n.casefold() for n in names}
    return lambda name: name.casefold() in folded
