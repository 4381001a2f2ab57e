"""The contract encoding on a customer's OU: entries, decoding, round trips, foreign values."""

from __future__ import annotations

import pytest

from commands.contract import Bookings, CustomerState, Domain, LegalInfo, PbxLink, UserState
from commands.contract_codec import (
    ENTRY_MAX, decode, encode, encode_entry, is_known_key, parse_entry,
)
from commands.errors import ContractError, UserError

FULL = CustomerState(
    slug="acme", display_name="ACME Maschinenbau GmbH", base_service="enterprise-desktop",
    tobit_url="https://tobit.acme.example:8443",
    bookings=Bookings(tobit_addon=10, tobit_solo=2, fax_shared=True, mailstore=True, cti=True,
                      extra_storage_gb=20),
    domains=(Domain("acme.de", True), Domain("acme-shop.de", False)),
    legal=LegalInfo(company="ACME Maschinenbau", legal_form="GmbH", seat="Berlin",
                    register_court="Amtsgericht Charlottenburg", register_number="HRB 12345",
                    managing_directors=("Jörg Müller", "Anna Schmidt")),
    pbx_links=(PbxLink("berlin", "xcapi", "sip:trunk@pbx.acme.de"),
               PbxLink("hamburg", "gateway", "sip:gw@10.0.0.5:5060")),
)


@pytest.mark.parametrize("key, value, entry", [
    ("base", "enterprise-desktop", "tobitbot:base=enterprise-desktop"),
    ("book:tobit-addon", "10", "tobitbot:book:tobit-addon=10"),
    ("tobit-url", "https://x.example/a=b", "tobitbot:tobit-url=https://x.example/a=b"),
    ("legal:managing-directors", "A; B", "tobitbot:legal:managing-directors=A; B"),
    ("tls:acme.de", "yes", "tobitbot:tls:acme.de=yes"),
    ("pbx:main", "xcapi sip:t@p", "tobitbot:pbx:main=xcapi sip:t@p"),
])
def test_entries_round_trip(key, value, entry):
    assert encode_entry(key, value) == entry
    assert parse_entry(entry) == (key, value)


@pytest.mark.parametrize("key, value", [
    ("bogus", "1"), ("book:unicorn", "1"), ("tls:", "yes"), ("pbx:", "x y"), ("base", "a\nb"),
])
def test_encode_refuses_what_is_not_in_the_encoding(key, value):
    with pytest.raises(ValueError):
        encode_entry(key, value)


def test_values_longer_than_ad_stores_are_a_user_error():
    room = ENTRY_MAX - len("tobitbot:legal:seat=")
    assert len(encode_entry("legal:seat", "ü" * room)) == ENTRY_MAX    # characters, not bytes
    with pytest.raises(UserError, match=f"at most {room}"):
        encode_entry("legal:seat", "x" * (room + 1))


@pytest.mark.parametrize("entry", [
    "Maschinenbau", "crm:segment=smb", "tobitbot:unknown=1", "tobitbot:base",
])
def test_foreign_entries_are_not_ours(entry):
    assert parse_entry(entry) is None


def test_full_state_round_trips():
    entries = encode(FULL)
    assert decode("acme", entries, FULL.display_name, ["acme.de", "acme-shop.de"]) == FULL


def test_foreign_entries_are_left_alone():
    entries = encode(FULL) + ["Industrie", "crm:tier=gold", "tobitbotish=1"]
    assert decode("acme", entries, FULL.display_name, ["acme.de", "acme-shop.de"]) == FULL


# Changed: a value of ours the bot does not recognise used to be ignored ("not booked"); read as a
# default, `mail-product=Exchange` made an Exchange customer a Tobit one. Now it is refused.
@pytest.mark.parametrize("entry, named, allowed, rule", [
    ("tobitbot:mail-product=Exchange", "mail-product=Exchange", "`tobit`, `exchange`", "R3"),
    ("tobitbot:mail-product=", "mail-product=", "`tobit`, `exchange`", "R3"),
    ("tobitbot:base=enterprise", "base=enterprise", "`enterprise-desktop`", "R1"),
    ("tobitbot:tobit-url=tobit.acme.de", "tobit-url=tobit.acme.de", "`https://`", "R6"),
    ("tobitbot:book:cti=maybe", "book:cti=maybe", "`yes`, `no`", "R4"),
    ("tobitbot:book:tobit-solo=many", "book:tobit-solo=many", "whole number", "R2"),
    ("tobitbot:book:tobit-addon=\u00b2", "book:tobit-addon=\u00b2", "whole number", "R5"),
    ("tobitbot:book:extra-storage=-5", "book:extra-storage=-5", "whole number", "R7"),
    ("tobitbot:tls:acme.de=Yes", "tls:acme.de=Yes", "`yes`, `no`", "R8"),
    ("tobitbot:pbx:x=other sip:a@b.de", "pbx:x=other", "`xcapi SIP-URI`", "R16"),
    ("tobitbot:pbx:x=xcapi", "pbx:x=xcapi", "`gateway SIP-URI`", "R16"),
    ("tobitbot:legal:seat= ", "legal:seat=", "text", "R12"),
])
def test_a_value_the_bot_does_not_know_is_refused_naming_key_value_and_the_allowed(
        entry, named, allowed, rule):
    with pytest.raises(ContractError) as err:
        decode("acme", encode(FULL) + [entry], None, [])
    assert f"`tobitbot:{named}" in err.value.message and "`acme`" in err.value.message
    assert allowed in err.value.message and err.value.rule == rule
    assert "AD administrator" in err.value.hint


@pytest.mark.parametrize("entry, said", [
    ("tobitbot:mail-produkt=exchange", "did you mean `mail-product`"),   # a typo is no default
    ("tobitbot:book:unicorn=yes", "`book:unicorn` is no key"),
    ("tobitbot:base", "not `tobitbot:KEY=VALUE`"),
])
def test_an_entry_of_ours_with_an_unknown_key_is_refused(entry, said):
    with pytest.raises(ContractError, match=said):
        decode("acme", [entry], None, [])


def test_a_key_given_twice_is_refused_since_neither_value_wins():
    with pytest.raises(ContractError, match="`mail-product` twice: `tobit` and `exchange`"):
        decode("acme", ["tobitbot:mail-product=tobit", "tobitbot:mail-product=exchange"], None, [])


def test_refusals_escape_what_ad_holds():
    from bot.messages import refusal

    with pytest.raises(ContractError) as err:
        decode("acme", ["tobitbot:mail-product=<!channel>"], None, [])
    # the core quotes AD's value as it is; the bot escapes the whole refusal once
    assert "`<!channel>`" in err.value.text()
    assert "<!channel>" not in refusal(err.value) and "`&lt;!channel&gt;`" in refusal(err.value)


def test_an_international_domain_has_its_tls_entry():
    entry = encode_entry("tls:müller-bau.de", "yes")      # `set-domain acme müller-bau.de tls=yes`
    state = decode("x", [entry], None, ["müller-bau.de"])
    assert state.domains == (Domain("müller-bau.de", True),)


@pytest.mark.parametrize("entries, attr, expected", [
    ([], "base_service", None),
    ([], "mail_product", "tobit"),
    (["tobitbot:mail-product=exchange"], "mail_product", "exchange"),
    ([], "bookings", Bookings()),
    (["tobitbot:book:tobit-addon=3"], "bookings", Bookings(tobit_addon=3)),
    (["tobitbot:book:fax-dedicated=no"], "bookings", Bookings()),
    (["tobitbot:legal:managing-directors=A;B ;  C"], "legal",
     LegalInfo(managing_directors=("A", "B", "C"))),
])
def test_decode_fields(entries, attr, expected):
    assert getattr(decode("x", entries, None, []), attr) == expected


def test_description_is_the_display_name_and_falls_back_to_the_slug():
    assert decode("x", [], "X AG", []).display_name == "X AG"
    assert decode("x", [], None, []).display_name == "x"


def test_domains_come_from_upn_suffixes_and_tls_from_entries():
    state = decode("x", ["tobitbot:tls:b.de=yes", "tobitbot:tls:gone.de=yes"], None, ["A.de", "b.de"])
    # a tls entry without its suffix is stale and ignored
    assert state.domains == (Domain("a.de", False), Domain("b.de", True))


def test_users_are_passed_through():
    users = (UserState("jdoe", "Jane Doe", "jdoe@acme.de"),)
    assert decode("x", [], None, [], users).users == users


# The prefix in another case or with spaces around it is a value typed for the bot: passed over as
# another tool's, `TOBITBOT:mail-product=exchange` made an Exchange customer a Tobit one (R3).
@pytest.mark.parametrize("entry, meant, rule", [
    ("TOBITBOT:mail-product=exchange", "tobitbot:mail-product=exchange", "R3"),
    ("Tobitbot:mail-product=exchange", "tobitbot:mail-product=exchange", "R3"),
    (" tobitbot:mail-product=exchange", "tobitbot:mail-product=exchange", "R3"),
    ("tobitbot:mail-product=exchange\n", None, "R3"),
    ("\ttobitbot:book:cti=yes ", "tobitbot:book:cti=yes", "R4"),
    ("TOBITBOT:BOOK:TOBIT-ADDON=10", "tobitbot:book:tobit-addon=10", "R5"),
    ("TOBITBOT: mail-product=exchange", "tobitbot:mail-product=exchange", "R3"),
    ("TobitBot:legal:seat=Berlin Mitte", "tobitbot:legal:seat=Berlin Mitte", "R12"),
    ("TOBITBOT:mail-produkt=exchange", "tobitbot:mail-produkt=exchange", None),
])
def test_our_prefix_in_another_case_or_with_spaces_is_refused_naming_what_to_write(
        entry, meant, rule):
    with pytest.raises(ContractError) as err:
        decode("acme", [entry, "crm:tier=gold"], None, [])
    assert "`acme`" in err.value.message and err.value.rule == rule
    assert entry.strip() in err.value.message
    if meant is not None:
        assert f"Write it as `{meant}`" in err.value.hint
    assert "AD administrator" in err.value.hint


@pytest.mark.parametrize("entry", [
    "tobitbotish=1", "TOBITBOT-legacy", " crm:tobitbot:x=1", "tobit:x=1",
])
def test_values_that_only_look_like_ours_stay_another_tools(entry):
    assert decode("acme", encode(FULL) + [entry], FULL.display_name,
                  ["acme.de", "acme-shop.de"]) == FULL


# docs/contract-encoding.md allows plain http only on loopback (the simulators of the sandbox and
# the tests); elsewhere it would carry the Tobit token and the mail unencrypted.
@pytest.mark.parametrize("url, read", [
    ("https://tobit.acme.de", True),
    ("https://203.0.113.5:8443/acme", True),
    ("http://127.0.0.1:8080/acme", True),
    ("http://127.45.1.2:8080", True),
    ("http://[::1]:8080/acme", True),
    ("http://localhost:9000", True),
    ("http://tobit.acme.de", False),
    ("http://203.0.113.5:8080", False),
    ("http://10.0.0.5", False),
    ("http://128.0.0.1", False),
    ("http://0.0.0.0:8080", False),
    ("http://[::2]:8080", False),
    ("http://[::ffff:127.0.0.1]:8080", False),
    ("http://localhost.acme.de", False),
    ("http://127.0.0.1.nip.io", False),
    ("http://user:pw@127.0.0.1:8080", False),            # no credentials, loopback or not (R18)
])
def test_plain_http_is_read_only_on_loopback(url, read):
    entry = f"tobitbot:tobit-url={url}"
    if read:
        assert decode("acme", [entry], None, []).tobit_url == url
    else:
        with pytest.raises(ContractError, match="only on loopback") as err:
            decode("acme", [entry], None, [])
        assert err.value.rule == "R6"


# Keys are matched whole (e70aab0): with `^...$` and match(), `$` also matched before a trailing
# line break, so `tls:acme.de\n` passed as a key: written with it, or read and then never found.
@pytest.mark.parametrize("key", ["tls:acme.de\n", "pbx:berlin\n", "tls:acme.de\r", "pbx:berlin\nx"])
def test_a_key_with_a_line_break_is_no_key(key):
    assert not is_known_key(key)
    with pytest.raises(ValueError):
        encode_entry(key, "yes")
    with pytest.raises(ContractError, match="is no key"):
        decode("acme", [f"tobitbot:{key}=yes"], None, ["acme.de"])


# A value is one line, as encode_entry writes it: one typed with a line break is in doubt.
@pytest.mark.parametrize("key, value", [
    ("mail-product", "exchange\n"), ("book:tobit-addon", "10\n"), ("book:cti", "yes\n"),
    ("tobit-url", "https://tobit.acme.de\n"), ("tls:acme.de", "yes\n"),
    ("pbx:berlin", "xcapi sip:trunk@pbx.acme.de\n"), ("legal:seat", "Berlin\n"),
    ("legal:company", "ACME\r\nMaschinenbau"), ("legal:managing-directors", "A; B\u2028"),
])
def test_a_value_with_a_line_break_is_refused(key, value):
    with pytest.raises(ContractError, match="no value the bot knows"):
        decode("acme", [f"tobitbot:{key}={value}"], None, ["acme.de"])
