"""Phone numbers: parsed from the ways people write them into E.164, and shown grouped.

The one module of `commands/` that uses phonenumbers (tests/unit/test_architecture.py): a
country's trunk prefixes and number lengths are data, not something to write by hand.
"""

from __future__ import annotations

import re

import phonenumbers

from commands.values import BadValue, shown

# A fax number may be typed with spaces, dashes, dots, slashes and brackets (`+49 (0)30 ...`), the
# Unicode spaces and dashes that copy and paste bring mapped to ASCII first; anything else (letters,
# `ext.`, which phonenumbers would read as a vanity number or an extension) is no fax number.
_PHONE_CHARACTERS = re.compile(r"[0-9+ ()./-]+")
_PHONE_SPACES_AND_DASHES = str.maketrans("\u00a0\u2009\u202f\u2010\u2011\u2013", "   ---")
# National forms (`030 1234567`) are German numbers: the provider and its customers are German.
PHONE_REGION = "DE"
_PHONE_HINT = ("Write it in international form with the country code, `+49 30 1234567`, "
               "or as a German number, `030 1234567`.")


def e164(text: str) -> str:
    """A phone number in E.164 form (`+49301234567`), from the ways people write one.

    phonenumbers knows each country's trunk prefix and lengths: `+49 030 ...`, `+49 (0)30 ...`,
    `0049 30 ...`, `030/...` and `030 ...` are one number, which a home-made parser got wrong
    (it kept the trunk 0 of `+49 030 ...`, making a second number for the same line)."""
    plain = text.translate(_PHONE_SPACES_AND_DASHES)
    if not _PHONE_CHARACTERS.fullmatch(plain):
        raise BadValue(f"`{shown(text)}` is not a phone number.", _PHONE_HINT)
    try:
        number = phonenumbers.parse(plain, PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise BadValue(f"`{shown(text)}` is not a phone number.", _PHONE_HINT) from None
    if not phonenumbers.is_valid_number(number):
        raise BadValue(f"`{shown(text)}` is not a valid phone number.", _PHONE_HINT)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def show_phone(number: str) -> str:
    """An E.164 number grouped for people, `+49 30 1234567`: the one way the bot shows a number.

    Anything not in E.164 (a value typed into AD by hand) is shown as it is, not guessed at."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
