"""Splitting command text into words, as Slack delivers it, and quoting words back.

Shell-like, with the quirks of Slack:
- ASCII quotes and the typographic ones Slack clients put in ("…" „…" '…' »…«) all work; any
  double quote closes any double quote, so that „Müller GmbH" and “Müller GmbH” both do.
- A quote opens only at the start of a word or right after `key=`, and closes only before a
  space or the end: apostrophes inside names (O'Brien, D’Angelo) stay literal.
- Inside double quotes, a backslash escapes a backslash or a double quote; that is how `render`
  writes any value.
- Slack sends `&`, `<` and `>` as `&amp;` `&lt;` `&gt;` and may wrap addresses as
  `<mailto:a@b.de|a@b.de>` or `<https://x>`; each word is decoded from that.
- Text longer than MAX_TEXT is refused before it is read: no command needs that much, and
  whatever is typed is audited and mirrored to the audit channel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from commands.errors import ParseError
from commands.mrkdwn import escape
from commands.values import shown

DOUBLE_QUOTES = '"\u201c\u201d\u201e\u201f\u00ab\u00bb'
SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b\u2039\u203a"
QUOTES = DOUBLE_QUOTES + SINGLE_QUOTES
_KEY = re.compile(r"[^\W\d_][\w-]*")
_LINK = re.compile(r"<(mailto:|tel:|https?://)([^<>|]*)(?:\|[^<>]*)?>", re.IGNORECASE)
_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
# characters as Slack sends them (`&` as `&amp;`): set-legal-info with every particular at its
# longest and five directors is about 1,100, so four times that is no real command
MAX_TEXT = 4_000


@dataclass(frozen=True)
class Token:
    """One word; `key` is set for `key=value` words (key as typed, before normalising)."""

    text: str
    key: str | None = None
    value: str = ""


def from_slack(text: str) -> str:
    """Undo Slack's escaping of one word: links to their address, entities to characters."""
    def link(match: re.Match[str]) -> str:
        scheme = match.group(1).lower()
        return match.group(2) if scheme in ("mailto:", "tel:") else match.group(1) + match.group(2)

    return _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], _LINK.sub(link, text))


def to_slack(value: str) -> str:
    """The inverse of `from_slack` for a value that `from_slack` would otherwise change."""
    if from_slack(value) == value:
        return value
    return escape(value)


def _quoted(text: str, start: int) -> tuple[str, int]:
    """The content of the quote opened at `start`, and the index after its closing quote."""
    double = text[start] in DOUBLE_QUOTES
    closers = DOUBLE_QUOTES if double else SINGLE_QUOTES
    chars: list[str] = []
    i = start + 1
    while i < len(text):
        c = text[i]
        if double and c == "\\" and i + 1 < len(text) and text[i + 1] in "\\" + DOUBLE_QUOTES:
            chars.append(text[i + 1])
            i += 2
            continue
        if c in closers and (i + 1 == len(text) or text[i + 1].isspace()):
            return "".join(chars), i + 1
        chars.append(c)
        i += 1
    opened = text[start:start + 20]
    raise ParseError(f"The quote at `{shown(opened)}` is not closed.",
                     hint='Close it with a matching quote: `"Jane Doe"`. '
                          "A quote ends only before a space or at the end.")


def _bare(text: str, start: int) -> tuple[str, int]:
    end = start
    while end < len(text) and not text[end].isspace():
        end += 1
    return text[start:end], end


def lex(text: str) -> list[Token]:
    """The words of `text`; raises ParseError for an unclosed quote or an over-long text."""
    if len(text) > MAX_TEXT:
        raise ParseError(f"The command is {len(text):,} characters long; a command has at most "
                         f"{MAX_TEXT:,}.",
                         hint="Check what was pasted: no command needs more than a few hundred "
                              "characters.")
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
        elif text[i] in QUOTES:
            word, i = _quoted(text, i)
            tokens.append(Token(from_slack(word)))
        else:
            word, end = _bare(text, i)
            key, eq, rest = word.partition("=")
            if not eq or not _KEY.fullmatch(key):
                tokens.append(Token(from_slack(word)))
                i = end
                continue
            if rest[:1] and rest[0] in QUOTES:
                value, i = _quoted(text, i + len(key) + 1)
            else:
                value, i = rest, end
            value = from_slack(value)
            tokens.append(Token(f"{key}={value}", key, value))
    return tokens


def tokenize(text: str) -> list[str]:
    """The words of `text`, quotes removed: `add-user acme "Jane Doe"` -> 3 words."""
    return [token.text for token in lex(text)]


def quote(value: str) -> str:
    """`value` written as one word that `lex` reads back as exactly `value`."""
    value = to_slack(value)
    if value and value[0] not in QUOTES and "=" not in value and not any(c.isspace() for c in value):
        return value
    escaped = value.replace("\\", "\\\\")
    for q in DOUBLE_QUOTES:
        escaped = escaped.replace(q, "\\" + q)
    return f'"{escaped}"'
