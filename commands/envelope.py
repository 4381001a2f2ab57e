"""What a request says about itself rather than about the change: its ticket and break-glass.

`/tobit --break-glass reason="CEO locked out" reset-password acme jdoe ticket=SUP-12` carries
the command `reset-password acme jdoe` in an envelope: a ticket reference (anywhere, any case of
`ticket=`) and, before the command word only, `--break-glass` with its reason. The envelope is
opened before parsing, so no command's grammar has to know about either; the remaining words
are written back with the lexer's quoting, so `"Jane Doe"` stays one word.

`audit` owns its `ticket=` (it searches by ticket), so there the key is left in place.
"""

from __future__ import annotations

from dataclasses import dataclass

from commands.errors import ParseError
from commands.lexer import Token, lex, quote
from commands.catalogue import find

BREAK_GLASS_FLAG = "--break-glass"
# macOS and Slack's own clients turn a typed `--` into a dash: accept what they made of it
_FLAG_SPELLINGS = frozenset({BREAK_GLASS_FLAG, "\u2014break-glass", "\u2013break-glass",
                             "\u2014-break-glass", "\u2013-break-glass"})
_EXAMPLE = f'`/tobit {BREAK_GLASS_FLAG} reason="customer CEO locked out" reset-password acme jdoe`'
_KEEPS_TICKET = frozenset({"audit"})   # commands with a `ticket=` option of their own


@dataclass(frozen=True)
class Envelope:
    """The command text with the envelope removed, and what the envelope said."""

    text: str
    ticket: str | None = None
    break_glass: bool = False
    reason: str | None = None


def open_envelope(text: str) -> Envelope:
    """Take the ticket and break-glass out of `text`; raises nothing but ParseError."""
    text = text.strip()
    try:
        tokens = lex(text)
    except ParseError:
        # An unclosed quote: the parser says so with the command's usage line.
        return Envelope(text)
    prefix: list[Token] = []
    if tokens and tokens[0].key is None and tokens[0].text.lower() == "/tobit":
        prefix, tokens = tokens[:1], tokens[1:]
    reason, tokens = _break_glass(tokens)
    _refuse_misplaced(tokens, reason is not None)
    head = next((t.text.lower() for t in tokens if t.key is None), None)
    ticket = None
    if head not in _KEEPS_TICKET:
        ticket, tokens = _ticket(tokens)
    if not tokens and (reason is not None or ticket is not None):
        raise ParseError("No command given after the ticket or break-glass reason.",
                         hint=f"Write the command after them, for example {_EXAMPLE}.")
    return Envelope(" ".join(_word(t) for t in prefix + tokens), ticket,
                    reason is not None, reason)


def _is_flag(token: Token) -> bool:
    return token.key is None and token.text.lower() in _FLAG_SPELLINGS


def _break_glass(tokens: list[Token]) -> tuple[str | None, list[Token]]:
    """The reason of a leading `--break-glass reason="..."`, and the words after it."""
    if not tokens or not _is_flag(tokens[0]):
        return None, tokens
    after = tokens[1:]
    if not after or (after[0].key or "").lower() != "reason":
        raise ParseError(f"`{BREAK_GLASS_FLAG}` needs a reason right after it.",
                         hint=f"Say why it cannot wait: {_EXAMPLE}.")
    reason = " ".join(after[0].value.split())
    if not reason:
        raise ParseError(f"The reason after `{BREAK_GLASS_FLAG}` is empty.",
                         hint=f"Say why it cannot wait: {_EXAMPLE}.")
    rest = after[1:]
    if rest and _is_flag(rest[0]):
        raise ParseError(f"`{BREAK_GLASS_FLAG}` is given twice.", hint=f"Give it once: {_EXAMPLE}.")
    words = [t for t in rest if t.key is None]
    if words and find(words[0].text) is None and any(find(t.text) for t in words[1:]):
        # `reason=CEO locked out reset-password ...`: the reason's other words came first
        raise ParseError(f"`{words[0].text}` is not a command.",
                         hint=f"A reason with spaces goes in quotes: {_EXAMPLE}.")
    return reason, rest


def _refuse_misplaced(tokens: list[Token], break_glass: bool) -> None:
    """`--break-glass` or `reason=` anywhere but first: say where they go, not "unknown option"."""
    if any(_is_flag(t) for t in tokens):
        raise ParseError(f"`{BREAK_GLASS_FLAG}` goes first, before the command.",
                         hint=f"For example {_EXAMPLE}.")
    if any((t.key or "").lower() == "reason" for t in tokens):
        what = "is given twice" if break_glass else f"belongs to `{BREAK_GLASS_FLAG}`"
        raise ParseError(f"`reason=` {what}: it goes once, right after `{BREAK_GLASS_FLAG}`, "
                         "before the command.", hint=f"For example {_EXAMPLE}.")


def _ticket(tokens: list[Token]) -> tuple[str | None, list[Token]]:
    found = [t for t in tokens if (t.key or "").lower() == "ticket"]
    if not found:
        return None, tokens
    if len(found) > 1:
        raise ParseError("`ticket=` is given twice.", hint="Give the ticket once: `ticket=SUP-1234`.")
    ticket = found[0].value.strip()
    if not ticket:
        raise ParseError("No value for `ticket=`.", hint="Give the ticket id: `ticket=SUP-1234`.")
    return ticket, [t for t in tokens if t is not found[0]]


def _word(token: Token) -> str:
    if token.key is None:
        return quote(token.text)
    return f"{token.key}={quote(token.value)}"
