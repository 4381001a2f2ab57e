"""Properties of the language: no text breaks the parser, and canonical text parses back."""

import string

from hypothesis import example, given, settings
from hypothesis import strategies as st

from commands import model as m
from commands.catalogue import SPECS
from commands.errors import ParseError
from commands.lexer import QUOTES, quote, tokenize
from commands.naming import split_full_name, unnamable
from commands.parser import parse
from commands.phone import e164
from commands.render import command_text
from commands.values import BadValue, email, free_text, full_name, login, names_list

# Words that reach deep into the grammar: commands, keys, quotes, Slack's escapes.
VOCABULARY = (
    [s.name for s in SPECS] + ["licenses", "acme", "jdoe", "tobit-addon", "fax-dedicated",
                               "+49", "30", "1234567", "Jane", "Doe", "10", "&amp;", "<https://x.de>"]
    + [f"{p.key}=" for s in SPECS for p in s.params] + list(QUOTES) + ["=", "\\", " ", "\u00a0"]
)
word = st.one_of(st.sampled_from(VOCABULARY), st.text(max_size=8))
phrase = st.lists(word, max_size=12).map(" ".join)


def parses_or_refuses(text: str) -> None:
    try:
        cmd = parse(text)
    except ParseError as err:
        assert err.text()
        return
    assert parse(command_text(cmd)) == cmd


@settings(max_examples=1500)
@given(st.text())
@example('add-user acme "Jane')
@example("plan " * 5000 + "quota acme")
def test_any_text_parses_or_is_refused(text):
    parses_or_refuses(text)


@settings(max_examples=1500)
@given(phrase)
def test_any_phrase_of_the_language_parses_or_is_refused(text):
    parses_or_refuses(text)


@given(st.text())
def test_quote_is_read_back_as_one_word(value):
    assert tokenize(quote(value)) == [value]


# ---- valid commands, in the canonical form the parser builds -------------------------------

def converted(convert, raw):
    """Values the converter accepts, in its output form."""
    def attempt(text):
        try:
            return convert(text)
        except BadValue:
            return None
    return raw.map(attempt).filter(lambda v: v is not None)


letters = st.characters(categories=("L", "M", "N", "P", "S"))
name_text = st.lists(st.text(letters, min_size=1, max_size=8), min_size=1, max_size=4).map(" ".join)
slugs = st.from_regex(r"[a-z][a-z0-9-]{1,31}", fullmatch=True)
sites = st.from_regex(r"[a-z0-9][a-z0-9-]{0,31}", fullmatch=True)
labels = st.from_regex(r"[a-z0-9äöüß]([a-z0-9äöü-]{0,10}[a-z0-9äöü])?", fullmatch=True)
domains = st.tuples(st.lists(labels, min_size=1, max_size=3), st.from_regex(r"[a-z]{2,6}", fullmatch=True)) \
    .map(lambda t: ".".join([*t[0], t[1]]))
emails = converted(email, st.tuples(st.from_regex(r"[A-Za-z0-9._%+'=&-]{1,20}", fullmatch=True), domains)
                   .map("@".join))
users = st.one_of(emails, st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,18}[A-Za-z0-9]", fullmatch=True))
numbers = converted(e164, st.from_regex(r"\+[1-9][0-9]{7,14}", fullmatch=True))
counts = st.integers(1, 100_000)
urls = st.builds(lambda host, path: f"https://{host}{path}", domains,
                 st.from_regex(r"(/[A-Za-z0-9._~%&=?-]{0,12}){0,3}", fullmatch=True))
trunks = st.builds(lambda host, port: f"sip:{host}{port}", domains,
                   st.sampled_from(["", ":5060", ":5061"]))
texts = converted(free_text("text"), name_text)
persons = converted(full_name, name_text.filter(lambda t: " " in t))
directors = converted(names_list, st.lists(name_text, min_size=1, max_size=3).map("; ".join))
COUNTED = ("tobit-addon", "tobit-solo", "extra-storage")


@st.composite
def bookings(draw):
    product = draw(st.sampled_from(m.PRODUCTS))
    quantity = draw(counts) if product in COUNTED else None
    if product != "fax-dedicated":
        return m.Book(draw(slugs), product, quantity)
    pbx = draw(st.sampled_from(["xcapi", "gateway", "other"]))
    trunk = draw(trunks) if pbx != "other" else draw(st.none() | trunks)
    return m.Book(draw(slugs), product, None, pbx, trunk, draw(sites))


@st.composite
def cancellations(draw):
    product = draw(st.sampled_from(m.PRODUCTS))
    quantity = draw(st.none() | counts) if product in COUNTED else None
    site = draw(st.none() | sites) if product == "fax-dedicated" else None
    return m.Cancel(draw(slugs), product, quantity, site)


logins = converted(login, st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,19}", fullmatch=True))


@st.composite
def add_users(draw):
    """A name no account name can be made of needs `login=` (commands/naming.unnamable)."""
    name = draw(persons)
    needs_login = bool(unnamable(*split_full_name(name)))
    login = draw(logins if needs_login else st.none() | logins)
    return m.AddUser(draw(slugs), name, draw(st.none() | emails), draw(st.booleans()),
                     draw(st.booleans()), login)


legal = st.builds(m.SetLegalInfo, slugs, st.none() | texts, st.none() | texts, st.none() | texts,
                  st.none() | texts, st.none() | texts, st.none() | directors).filter(
    lambda c: any(v is not None for v in (c.company, c.legal_form, c.seat, c.register_court,
                                          c.register_number, c.managing_directors)))
fax = st.one_of(st.builds(m.EnableFax, slugs, users, numbers, st.just("shared")),
                st.builds(m.EnableFax, slugs, users, numbers, st.just("dedicated"), sites))

plain_commands = st.one_of(
    st.builds(m.OnboardCustomer, slugs, texts, st.sampled_from((*m.BASE_SERVICES, "none")), urls,
              st.sampled_from(["tobit", "exchange"])),
    bookings(), cancellations(),
    st.builds(m.SetDomain, slugs, domains, st.booleans()),
    legal,
    add_users(),
    st.builds(m.RemoveUser, slugs, users, st.sampled_from(["archive", "export"])),
    *(st.builds(t, slugs, users) for t in (m.ShowUser, m.EnableActiveSync, m.DisableActiveSync,
                                           m.ResetPassword)),
    fax, st.builds(m.DisableFax, slugs, numbers),
    *(st.builds(t, slugs) for t in (m.ShowCustomer, m.ListUsers, m.Quota, m.Licences, m.FaxNumbers)),
)
commands = st.one_of(
    plain_commands, st.builds(m.ShowPlan, plain_commands.filter(lambda c: c.name not in m.REPORTS)),
    st.builds(m.Help, st.none() | st.sampled_from([s.name for s in SPECS])),
)


@settings(max_examples=1000)
@given(commands)
def test_command_text_parses_back_to_the_same_command(cmd):
    assert parse(command_text(cmd)) == cmd


@given(st.text(string.printable))
def test_printable_ascii_never_escapes_as_another_error(text):
    parses_or_refuses(text)
