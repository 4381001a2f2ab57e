"""Account names: transliteration, the 20-character cut, numeric suffixes, odd input."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, strategies as st

from commands.errors import ParseError
from commands.naming import account_name, split_full_name, transliterate

SAM = re.compile(r"^[a-z0-9.-]{1,20}$")


@pytest.mark.parametrize("full_name, expected", [
    ("Jörg Müller-Lüdenscheidt", "jmueller-luedenschei"),
    ("Jane Doe", "jdoe"),
    ("Ülrich Äßmann", "uaessmann"),
    ("Zoë Brontë", "zbronte"),
    ("François Dupré", "fdupre"),
    ("Łukasz Żółć", "lzolc"),              # ł has no Unicode decomposition: spelled out
    ("Søren Kierkegaard", "skierkegaard"),
    ("Seán O'Brien", "sobrien"),
    ("Madonna", "madonna"),                 # a single word is the surname
    ("Ana María de la Cruz", "acruz"),      # the last word is the surname, by choice
    ("John Smith-Jones-Featherstonehaugh", "jsmith-jones-feather"),
    ("a*b x)(cn=*", "axcn"),
])
def test_account_name_from_full_name(full_name, expected):
    assert account_name(*split_full_name(full_name)) == expected


@pytest.mark.parametrize("taken, expected", [
    (set(), "jdoe"),
    ({"jdoe"}, "jdoe2"),
    ({"JDOE", "jdoe2"}, "jdoe3"),            # AD compares case-insensitively
])
def test_taken_names_get_a_number(taken, expected):
    assert account_name("Jane", "Doe", taken=taken) == expected


def test_suffix_keeps_within_twenty_characters():
    taken = {"jmueller-luedenschei"} | {f"jmueller-luedensche{n}" for n in range(2, 10)}
    assert account_name("Jörg", "Müller-Lüdenscheidt", taken=taken) == "jmueller-luedensch10"


def test_suffix_never_follows_a_cut_hyphen():
    # 19 characters then "-": cutting for the suffix must not leave "...-2"
    name = account_name("X", "abcdefghijklmnopqr-stu", taken={"xabcdefghijklmnopqr-"[:20].strip("-")})
    assert SAM.match(name) and "-2" not in name


def test_taken_may_be_a_callable():
    asked = []
    assert account_name("Jane", "Doe", taken=lambda n: asked.append(n) or n == "jdoe") == "jdoe2"
    assert asked == ["jdoe", "jdoe2"]


@pytest.mark.parametrize("fmt, expected", [
    ("{first_initial}{last}", "jmueller"),
    ("{first}.{last}", "joerg.mueller"),
    ("{last}{first_initial}", "muellerj"),
])
def test_formats(fmt, expected):
    assert account_name("Jörg", "Müller", fmt=fmt) == expected


def test_unknown_format_key_is_a_programming_error():
    with pytest.raises(ValueError, match="may only use"):
        account_name("Jane", "Doe", fmt="{middle}")


@pytest.mark.parametrize("given_name, surname", [("王", "小明"), ("", ""), ("!!", "--")])
def test_nothing_usable_is_a_clear_user_error(given_name, surname):
    with pytest.raises(ParseError, match="Latin letters") as info:
        account_name(given_name, surname)
    assert "login=" in info.value.text()      # changed: `email=` never named the account


@pytest.mark.parametrize("full_name, expected", [
    ("Jörg Müller-Lüdenscheidt", ("Jörg", "Müller-Lüdenscheidt")),
    ("Anna Maria Schmidt", ("Anna Maria", "Schmidt")),
    ("  Jane   Doe ", ("Jane", "Doe")),
    ("Madonna", ("", "Madonna")),
    ("", ("", "")),
])
def test_split_full_name(full_name, expected):
    assert split_full_name(full_name) == expected


def test_transliterate_capital_umlauts():
    assert transliterate("ÄÖÜ ẞ") == "aeoeuess"


@given(st.text())
def test_any_name_gives_a_valid_name_or_a_parse_error(name):
    try:
        result = account_name(*split_full_name(name))
    except ParseError:
        return
    assert SAM.match(result)


latin = st.characters(min_codepoint=ord("A"), max_codepoint=ord("z")).filter(str.isalpha)


@given(st.text(), latin, st.text(), st.sets(st.text(alphabet="abcdefghij", max_size=20)))
def test_a_name_with_a_latin_letter_always_gets_an_account(before, letter, after, taken):
    result = account_name("", before + letter + after, taken=taken)
    assert SAM.match(result)
    assert result not in taken
    assert not result.endswith(".")
