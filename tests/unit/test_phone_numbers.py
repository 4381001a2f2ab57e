"""Fax numbers as people write them: every German form of one line is one E.164 number."""

from __future__ import annotations

import pytest

from commands import model as m
from commands.parser import parse
from commands.phone import e164, show_phone
from commands.values import BadValue

BERLIN = "+49301234567"


@pytest.mark.parametrize("text", [
    "+49 30 1234567",
    "+49301234567",
    "+49 030 123 4567",          # the trunk 0 typed after the country code: the same line
    "+49 (0)30 1234567",
    "+49(0)301234567",
    "0049 30 1234567",
    "0049 030 1234567",
    "030 1234567",               # German national forms: Germany is the default country
    "030/1234567",
    "030-123 45 67",
    "(030) 1234567",
    "030.1234567",
    "+49-30-1234567",
    "+49\u00a030\u20111234567",  # a non-breaking space and dash, pasted from a web page
])
def test_each_german_form_is_one_e164_number(text):
    assert e164(text) == BERLIN


@pytest.mark.parametrize("text, expected", [
    ("040 555123", "+4940555123"),
    ("0151 23456789", "+4915123456789"),
    ("+43 1 5123456", "+4315123456"),       # another country keeps its own code
    ("+1 202 555 0100", "+12025550100"),
])
def test_other_numbers(text, expected):
    assert e164(text) == expected


@pytest.mark.parametrize("text", [
    "+49 30",               # too short to be a line
    "1234567",              # no area code
    "+0301234567",          # no country has code 0
    "+49 30 1234567 ext 5", # an extension reaches no fax
    "0800 FAXME",           # letters: no vanity numbers
    "030 1234567; 040 1",
    "",
])
def test_what_is_no_number_is_refused_showing_the_expected_form(text):
    with pytest.raises(BadValue) as err:
        e164(text)
    assert "`+49 30 1234567`" in err.value.hint and "`030 1234567`" in err.value.hint


def test_the_parser_takes_the_national_form_and_the_trunk_zero_as_the_same_number():
    assert parse("enable-fax acme jdoe +49 030 123 4567") == m.EnableFax("acme", "jdoe", BERLIN)
    assert parse("enable-fax acme jdoe 030 1234567") == m.EnableFax("acme", "jdoe", BERLIN)
    assert parse("disable-fax acme 030/1234567") == m.DisableFax("acme", BERLIN)


@pytest.mark.parametrize("number, shown", [
    (BERLIN, "+49 30 1234567"),
    ("+4915123456789", "+49 1512 3456789"),
    ("+12025550100", "+1 202-555-0100"),
    ("0301234567", "0301234567"),           # not E.164 (typed into AD by hand): shown as it is
])
def test_numbers_are_shown_grouped_for_people(number, shown):
    assert show_phone(number) == shown


def test_a_line_typed_with_its_trunk_zero_is_refused_where_it_already_routes():
    """The report: `+49 030 123 4567` was stored as a second number beside `+49301234567`."""
    from commands.errors import RuleViolation
    from commands.planner import plan
    from tests.unit.builders import customer, user

    state = customer(users=(user("jdoe", "Jane Doe", fax_numbers=(BERLIN,)), user("asmith", "Anna Smith")),
                     fax_shared=True)
    with pytest.raises(RuleViolation) as err:
        plan(parse("enable-fax acme asmith +49 030 123 4567"), state)
    assert err.value.rule == "R15" and "Jane Doe" in err.value.message


def test_a_number_shown_in_a_hint_parses_back_to_the_same_number():
    hint_command = f"disable-fax acme {show_phone(BERLIN)}"
    assert parse(hint_command) == m.DisableFax("acme", BERLIN)
