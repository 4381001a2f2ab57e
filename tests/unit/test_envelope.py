"""The request envelope: ticket and break-glass come off the command text, quoting survives."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from commands.envelope import Envelope, open_envelope
from commands.errors import ParseError
from commands.lexer import QUOTES, lex, quote
from commands.parser import parse

CASES = [
    # text, envelope
    ("reset-password acme jdoe", Envelope("reset-password acme jdoe")),
    ("remove-user acme jdoe mail=archive ticket=SUP-1",
     Envelope("remove-user acme jdoe mail=archive", "SUP-1")),
    ("TICKET=SUP-2 remove-user acme jdoe mail=archive",
     Envelope("remove-user acme jdoe mail=archive", "SUP-2")),
    ('add-user acme "Jane Doe" Ticket=" SUP-3 "', Envelope('add-user acme "Jane Doe"', "SUP-3")),
    ('add-user acme „Jörg Müller" ticket=SUP-4', Envelope('add-user acme "Jörg Müller"', "SUP-4")),
    ('set-legal-info acme company="A &amp; B" ticket=SUP-5',
     Envelope('set-legal-info acme company="A & B"', "SUP-5")),
    ('--break-glass reason="customer CEO locked out" reset-password acme jdoe',
     Envelope("reset-password acme jdoe", None, True, "customer CEO locked out")),
    ('--Break-Glass Reason="CEO  locked\tout" reset-password acme jdoe ticket=SUP-6',
     Envelope("reset-password acme jdoe", "SUP-6", True, "CEO locked out")),
    ('/tobit --break-glass reason=urgent reset-password acme jdoe',
     Envelope("/tobit reset-password acme jdoe", None, True, "urgent")),
    ('\u2014break-glass reason=urgent reset-password acme jdoe',      # an autocorrected "--"
     Envelope("reset-password acme jdoe", None, True, "urgent")),
    # the command as the parser knows it: underscores, dashes of any kind
    ('--break-glass reason=ceo reset_password acme jdoe',
     Envelope("reset_password acme jdoe", None, True, "ceo")),
    ('--break-glass reason=ceo reset\u2013password acme jdoe',
     Envelope("reset\u2013password acme jdoe", None, True, "ceo")),
    # a typo is left to the parser, which says "did you mean"
    ('--break-glass reason=ceo reset-pasword acme jdoe',
     Envelope("reset-pasword acme jdoe", None, True, "ceo")),
    # audit owns its ticket=, and its break-glass word is no flag
    ("audit acme ticket=SUP-7", Envelope("audit acme ticket=SUP-7")),
    ("audit break-glass", Envelope("audit break-glass")),
    ('"ticket=SUP-8" x', Envelope('"ticket=SUP-8" x')),       # quoted: a word, not a key
    ('add-user acme "Jane', Envelope('add-user acme "Jane')),  # the parser explains the quote
    ("", Envelope("")),
]


@pytest.mark.parametrize("text,envelope", CASES)
def test_open_envelope(text, envelope):
    assert open_envelope(text) == envelope


REFUSED = [
    # text, words the error must contain
    ("--break-glass reset-password acme jdoe", ["needs a reason", 'reason="']),
    ('--break-glass reason="  " reset-password acme jdoe', ["empty", 'reason="']),
    ("--break-glass reason=x --break-glass reason=y reset-password acme jdoe", ["twice"]),
    ("--break-glass reason=urgent", ["No command", "reset-password"]),
    # misplaced, each told where it goes rather than "unknown option" or "not a command"
    ("reset-password acme jdoe --break-glass", ["goes first", 'reason="']),
    ('reset-password acme jdoe --break-glass reason="x"', ["goes first"]),
    ('ticket=SUP-1 --break-glass reason="x" reset-password acme jdoe', ["goes first"]),
    ("reset-password acme jdoe reason=urgent", ["belongs to `--break-glass`"]),
    ("--break-glass reason=a reason=b reset-password acme jdoe", ["given twice"]),
    ("--break-glass reason=CEO locked out reset-password acme jdoe",
     ["`locked` is not a command", "in quotes"]),
    ("ticket=SUP-1", ["No command"]),
    ("remove-user acme jdoe ticket=SUP-1 ticket=SUP-2", ["twice", "ticket=SUP-1234"]),
    ("remove-user acme jdoe ticket=", ["No value", "ticket=SUP-1234"]),
]


@pytest.mark.parametrize("text,words", REFUSED)
def test_what_to_type_instead(text, words):
    with pytest.raises(ParseError) as caught:
        open_envelope(text)
    assert all(w in caught.value.text() for w in words)


def test_the_opened_command_parses_as_if_the_envelope_was_never_there():
    typed = '--break-glass reason="locked out" add-user acme "Jane Doe" ticket=SUP-9 activesync=no'
    assert parse(open_envelope(typed).text) == parse('add-user acme "Jane Doe" activesync=no')


# ---- properties -----------------------------------------------------------------------------

VOCABULARY = ["--break-glass", "reason=", "ticket=", "TICKET=", "audit", "reset-password", "acme",
              "add-user", "/tobit", "Jane Doe", "a=b", "=", "\\", "&amp;", "<https://x.de>", " "] \
    + list(QUOTES)
word = st.one_of(st.sampled_from(VOCABULARY), st.text(max_size=6))
phrase = st.lists(word, max_size=10).map(" ".join)


def _shape(tokens):
    return [(t.text, t.key, t.value) for t in tokens]


@settings(max_examples=1500)
@given(st.one_of(phrase, st.text()))
@example('--break-glass reason="a')
@example("ticket==")
def test_any_text_opens_or_is_refused_with_parse_error(text):
    try:
        envelope = open_envelope(text)
    except ParseError as err:
        assert err.text()
        return
    assert isinstance(envelope.text, str)
    assert envelope.break_glass == (envelope.reason is not None)
    assert envelope.reason is None or envelope.reason.strip()


@settings(max_examples=800)
@given(phrase)
def test_without_an_envelope_the_words_are_unchanged(text):
    try:
        before = lex(text)
    except ParseError:
        return
    if any((t.key or "").lower() in ("ticket", "reason") for t in before) or any(
            t.key is None and t.text.lower() == "--break-glass" for t in before):
        return
    assert _shape(lex(open_envelope(text).text)) == _shape(before)


command_word = st.sampled_from(["add-user", "reset-password", "remove-user", "quota", "help"])
plain = st.lists(st.one_of(st.sampled_from(["acme", "Jane Doe", "a=b", '"', "O'Brien", "&lt;"]),
                           st.text(min_size=1, max_size=6)), max_size=4)
ticket = st.text(alphabet=st.characters(blacklist_categories=("Zs", "Cc", "Zl", "Zp")),
                 min_size=1, max_size=10)
reason = st.text(min_size=1, max_size=20).filter(lambda r: r.split())


@settings(max_examples=800)
@given(command_word, plain, ticket, reason, st.booleans())
def test_the_envelope_gives_back_what_was_put_in(head, words, ticket_id, why, ticket_first):
    command = " ".join([head] + [quote(w) for w in words])
    if any((t.key or "").lower() in ("ticket", "reason") for t in lex(command)):
        return
    parts = [f"ticket={quote(ticket_id)}", command] if ticket_first else [command, f"ticket={quote(ticket_id)}"]
    envelope = open_envelope(f"--break-glass reason={quote(why)} " + " ".join(parts))
    assert (envelope.ticket, envelope.reason) == (ticket_id.strip() or None, " ".join(why.split()))
    assert _shape(lex(envelope.text)) == _shape(lex(command))
