"""Initial passwords that Active Directory's default complexity policy accepts.

AD's rule: at least 3 of 4 classes (upper, lower, digit, symbol) and not containing the
account name or any 3+ character part of the display name. We draw all 4 classes, and redraw
if a name part slipped in by chance, so the password never depends on which 3 AD counts.
"""

from __future__ import annotations

import re
import secrets
import string

CLASSES = (string.ascii_uppercase, string.ascii_lowercase, string.digits, "!#%+-.=?@_~")
# no look-alikes (0/O, 1/l/I) so that a password read out over the phone survives
_AMBIGUOUS = set("0O1lI")
_POOLS = tuple("".join(c for c in cls if c not in _AMBIGUOUS) for cls in CLASSES)
_ALL = "".join(_POOLS)


def generate_password(length: int = 20, avoid: tuple[str, ...] = ()) -> str:
    """A random password of `length` with every class, containing no part of `avoid` names."""
    if length < len(_POOLS):
        raise ValueError(f"a password needs at least {len(_POOLS)} characters")
    banned = _name_parts(avoid)
    while True:
        chars = [secrets.choice(pool) for pool in _POOLS]
        chars += [secrets.choice(_ALL) for _ in range(length - len(chars))]
        secrets.SystemRandom().shuffle(chars)
        password = "".join(chars)
        if not any(part in password.lower() for part in banned):
            return password


def _name_parts(names: tuple[str, ...]) -> set[str]:
    # AD splits the display name at , . - _ # whitespace and tab, and ignores parts under 3 chars
    parts = set()
    for name in names:
        parts.update(p.lower() for p in re.split(r"[,.\-_#\s]+", name) if len(p) >= 3)
    return parts
