"""Values of the control reports (`jobs`, `job`, `audit`): durations, request ids, tickets, flags.

Same contract as `commands.values`: a converter takes the text as typed and returns the value or
raises BadValue saying what to type instead; `show_*` is its inverse for `render`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from commands.values import BadValue, boolean, shown

_UNITS = (("d", 86400), ("h", 3600), ("m", 60))
_DURATION = re.compile(r"(?:(\d{1,3})d)?(?:(\d{1,4})h)?(?:(\d{1,6})m)?")
MAX_SINCE = 400 * 86400      # beyond a year the audit channel export is the better tool
MAX_LIMIT = 100
_REQUEST_ID = re.compile(r"r-[0-9a-f]{10}")
# Ticket ids of any tracker: SUP-1234, INC0012345, #4711; the policy's pattern is checked later.
_TICKET = re.compile(r"[A-Za-z0-9#][A-Za-z0-9._/#-]{0,39}")


def duration(text: str) -> int:
    """Seconds in `7d`, `24h`, `30m` or `1d12h`: how far back a report looks."""
    match = _DURATION.fullmatch(text.strip().lower())
    seconds = sum(int(n or 0) * unit for n, (_, unit) in zip(match.groups(), _UNITS)) if match else 0
    if seconds <= 0:
        raise BadValue(f"`{shown(text)}` is not a duration.",
                       "Write days, hours or minutes: `since=7d`, `since=24h`, `since=30m`.")
    if seconds > MAX_SINCE:
        raise BadValue(f"`{shown(text)}` reaches back more than {MAX_SINCE // 86400} days.",
                       "Use `tobitbot audit export` for older entries.")
    return seconds


def show_duration(seconds: int) -> str:
    """The shortest text `duration` reads back as `seconds` (whole minutes): 90000 -> `1d1h`."""
    parts, rest = [], seconds
    for unit, size in _UNITS:
        if rest >= size:
            parts.append(f"{rest // size}{unit}")
            rest %= size
    return "".join(parts) or "0m"


def request_id(text: str) -> str:
    """A request id as the bot shows it under every request message: `r-` and ten hex digits."""
    value = text.strip().strip("`").lower()
    if _REQUEST_ID.fullmatch(value):
        return value
    raise BadValue(f"`{shown(text)}` is not a request id.",
                   "Copy it from under the request message, e.g. `job r-1a2b3c4d5e`; "
                   "`jobs` lists recent ones.")


def ticket(text: str) -> str:
    """A ticket reference as typed (`SUP-1234`); whether it fits the policy's pattern is the
    policy's business."""
    if _TICKET.fullmatch(text):
        return text
    raise BadValue(f"`{shown(text)}` is not a ticket reference.", "For example `ticket=SUP-1234`.")


def limit(text: str) -> int:
    if re.fullmatch(r"[0-9]{1,3}", text) and 1 <= int(text) <= MAX_LIMIT:
        return int(text)
    raise BadValue(f"`{shown(text)}` is not a number of rows.",
                   f"Write a whole number from 1 to {MAX_LIMIT}: `limit=20`.")


def flag_word(word: str) -> Callable[[str], bool]:
    """A switch that is on when its word is typed alone (`mine`), or given as `word=yes|no`."""

    def convert(text: str) -> bool:
        if text.lower() == word:
            return True
        try:
            return boolean(text)
        except BadValue:
            raise BadValue(f"`{shown(text)}` is not `{word}`.",
                           f"Write `{word}` on its own, or `{word}=yes`.") from None

    return convert


def show_flag(word: str) -> Callable[[bool], str]:
    return lambda on: word if on else "no"
