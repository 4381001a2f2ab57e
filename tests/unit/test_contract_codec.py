"""The contract encoding on a customer's OU: entries, decoding, round trips, foreign values."""

from __future__ import annotations

import pytest

from commands.contract import Bookings, CustomerState, Domain, LegalInfo, PbxLink, UserState
from commands.contract_codec import ENTRY_MAX, decode, encode, encode_entry, parse_entry
from commands.errors import UserError

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


def test_foreign_and_malformed_entries_are_ignored():
    entries = encode(FULL) + ["Industrie", "crm:tier=gold", "tobitbot:book:cti=maybe",
                              "tobitbot:book:tobit-solo=many", "tobitbot:pbx:x=other sip:a"]
    state = decode("acme", entries, FULL.display_name, ["acme.de", "acme-shop.de"])
    # malformed values of ours read as "not booked" (deny in doubt), not as the earlier value
    assert state.bookings.cti is False and state.bookings.tobit_solo == 0
    assert [link.site for link in state.pbx_links] == ["berlin", "hamburg"]


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
