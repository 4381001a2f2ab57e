"""Every pre-checkable service rule, allowed and refused, as a table of cases."""

from __future__ import annotations

from dataclasses import replace

import pytest

from commands import model as m
from commands.catalogue import SPECS_BY_NAME
from commands.contract import LegalInfo, PbxLink
from commands.errors import NotFound, ParseError, RuleViolation
from commands.rules import check
from commands.rules_users import LEGAL_KEYS
from tests.unit.builders import LEGAL, customer, user

JOERG = user()
SOLO = user("extern", "Eva Extern", solo=True)
FAXER = user("fsend", "Frank Sender", fax_numbers=("+4930123456",))
BERLIN = PbxLink("berlin", "xcapi", "sip:trunk@pbx.acme.de")
EXCHANGE = customer(addon=0, mail_product="exchange")
NO_BASE = customer(addon=0, base_service=None)
FULL = customer(addon=1, users=(JOERG,))

# (case id, command, state, the rule that must refuse it or None when allowed)
CASES = [
    # R1 tobit-addon needs a base service
    ("R1 book addon with base", m.Book("acme", "tobit-addon", 5), customer(addon=0), None),
    ("R1 book addon without base", m.Book("acme", "tobit-addon", 5), NO_BASE, "R1"),
    ("R1 base none", m.Book("acme", "tobit-addon", 5), customer(addon=0, base_service="none"), "R1"),
    # R2 solo needs addon licences; solo users need solo licences
    ("R2 book solo on addon", m.Book("acme", "tobit-solo", 1), customer(), None),
    ("R2 book solo without addon", m.Book("acme", "tobit-solo", 1), customer(addon=0), "R2"),
    ("R2 add solo user", m.AddUser("acme", "Eva Extern", solo=True), customer(solo=1), None),
    ("R2 add solo user unbooked", m.AddUser("acme", "Eva Extern", solo=True), customer(), "R2"),
    ("R2 cancel addon under solo", m.Cancel("acme", "tobit-addon"), customer(solo=2), "R2"),
    # R3 Tobit or Exchange, never both
    ("R3 book addon on tobit", m.Book("acme", "tobit-addon", 1), customer(), None),
    ("R3 book addon on exchange", m.Book("acme", "tobit-addon", 1), EXCHANGE, "R3"),
    ("R3 book fax on exchange", m.Book("acme", "fax-shared"), EXCHANGE, "R3"),
    ("R3 add user on exchange", m.AddUser("acme", "Jörg Müller"), EXCHANGE, "R3"),
    # R4 options on top of Tobit Service; cti only with enterprise-desktop
    ("R4 cti on desktop", m.Book("acme", "cti"), customer(), None),
    ("R4 cti on service", m.Book("acme", "cti"), customer(base_service="enterprise-service"), "R4"),
    ("R4 mailstore", m.Book("acme", "mailstore"), customer(), None),
    ("R4 mailstore without tobit", m.Book("acme", "mailstore"), customer(addon=0), "R4"),
    ("R4 extra storage", m.Book("acme", "extra-storage", 10), customer(), None),
    ("R4 cancel addon under options", m.Cancel("acme", "tobit-addon"), customer(mailstore=True), "R4"),
    # R5 one named person per mailbox, within the licences
    ("R5 add within licences", m.AddUser("acme", "Anna Schmidt"), customer(addon=2, users=(JOERG,)), None),
    ("R5 add beyond licences", m.AddUser("acme", "Anna Schmidt"), FULL, "R5"),
    ("R5 role name info", m.AddUser("acme", "Info Acme"), customer(), "R5"),
    ("R5 role name office", m.AddUser("acme", "Office Berlin"), customer(), "R5"),
    ("R5 role mailbox", m.AddUser("acme", "Anna Schmidt", email="fax@acme.de"), customer(), "R5"),
    ("R5 one word", m.AddUser("acme", "Buchhalter"), customer(), "R5"),
    ("R5 digits", m.AddUser("acme", "User 2"), customer(), "R5"),
    ("R5 umlauts and particles", m.AddUser("acme", "Hans-Peter von der Höhe"), customer(), None),
    ("R5 apostrophe", m.AddUser("acme", "Seán O'Brien"), customer(), None),
    ("R5 address taken", m.AddUser("acme", "Anna Schmidt", email="jmueller@acme.de"),
     customer(users=(JOERG,)), "R5"),
    ("R5 cancel licences in use", m.Cancel("acme", "tobit-addon", 1), FULL, "R5"),
    ("R5 cancel free licences", m.Cancel("acme", "tobit-addon", 3), customer(users=(JOERG,)), None),
    ("R5 cancel more than booked", m.Cancel("acme", "tobit-addon", 9), customer(), "R5"),
    ("R5 cancel solo in use", m.Cancel("acme", "tobit-solo"), customer(solo=1, users=(SOLO,)), "R5"),
    # R6 one customer, one Tobit server: onboarded once
    ("R6 onboard new", m.OnboardCustomer("neu", "Neu GmbH", "enterprise-service", "https://t"), None, None),
    ("R6 onboard existing", m.OnboardCustomer("acme", "ACME", "enterprise-service", "https://t"),
     customer(), "R6"),
    # R7 the pool: 5 GB per mailbox plus extra storage, never below usage
    ("R7 shrink within usage", m.Cancel("acme", "tobit-addon", 2), customer(users=(JOERG,)), None),
    ("R7 shrink below usage", m.Cancel("acme", "tobit-addon", 4),
     customer(users=(user(used_mb=9 * 1024),)), "R7"),
    ("R7 cancel storage in use", m.Cancel("acme", "extra-storage"),
     customer(addon=1, extra_storage_gb=10, users=(user(used_mb=8 * 1024),)), "R7"),
    ("R7 cancel storage unused", m.Cancel("acme", "extra-storage"),
     customer(addon=1, extra_storage_gb=10, users=(user(used_mb=1024),)), None),
    ("R7 shrink with usage unknown", m.Cancel("acme", "tobit-addon", 1),
     customer(users=(user(used_mb=None),)), "R7"),
    ("R7 grow with usage unknown", m.Book("acme", "tobit-addon", 1),
     customer(users=(user(used_mb=None),)), None),
    # R8 own domains: mail only on them
    ("R8 address on own domain", m.AddUser("acme", "Anna Schmidt", email="anna@ACME.de"), customer(), None),
    ("R8 address on foreign domain", m.AddUser("acme", "Anna Schmidt", email="anna@gmail.com"),
     customer(), "R8"),
    ("R8 address without own domain", m.AddUser("acme", "Anna Schmidt", email="anna@acme.de"),
     customer(domains=()), "R8"),
    ("R8 default address", m.AddUser("acme", "Anna Schmidt"), customer(domains=()), None),
    ("R8 domain without certificate", m.SetDomain("acme", "acme.com"), customer(), None),
    # R11 ActiveSync per user
    ("R11 disable activesync", m.DisableActiveSync("acme", "jmueller"), FULL, None),
    ("R11 enable activesync", m.EnableActiveSync("acme", "jmueller"), FULL, None),
    # R12 the signature's legal particulars first
    ("R12 add user with legal info", m.AddUser("acme", "Anna Schmidt"), customer(), None),
    ("R12 add user without legal info", m.AddUser("acme", "Anna Schmidt"),
     customer(legal=replace(LEGAL, register_number=None)), "R12"),
    ("R12 add user with no directors", m.AddUser("acme", "Anna Schmidt"),
     customer(legal=LegalInfo()), "R12"),
    ("R12 set legal info partly", m.SetLegalInfo("acme", company="ACME"), customer(legal=LegalInfo()), None),
    # R15 a number routes to exactly one mailbox, with the matching booking
    ("R15 enable shared", m.EnableFax("acme", "jmueller", "+4930999999"),
     customer(users=(JOERG,), fax_shared=True), None),
    ("R17 enable shared unbooked", m.EnableFax("acme", "jmueller", "+4930999999"),
     customer(users=(JOERG,)), "R17"),
    ("R15 number taken", m.EnableFax("acme", "jmueller", "+4930123456"),
     customer(users=(JOERG, FAXER), fax_shared=True), "R15"),
    ("R15 second number same mailbox", m.EnableFax("acme", "fsend", "+4930999999"),
     customer(users=(FAXER,), fax_shared=True), None),
    ("R15 not E.164", m.EnableFax("acme", "jmueller", "030123456"),
     customer(users=(JOERG,), fax_shared=True), "R15"),
    ("R15 book fax without tobit", m.Book("acme", "fax-shared"), customer(addon=0), "R15"),
    ("R15 cancel fax in use", m.Cancel("acme", "fax-shared"),
     customer(users=(FAXER,), fax_shared=True), "R15"),
    ("R15 cancel fax unused", m.Cancel("acme", "fax-shared"),
     customer(users=(JOERG,), fax_shared=True), None),
    ("R15 cancel shared beside dedicated, mode unknown", m.Cancel("acme", "fax-shared"),
     customer(users=(FAXER,), fax_shared=True, fax_dedicated=True, pbx=(BERLIN,)), "R15"),
    ("R15 disable fax", m.DisableFax("acme", "+4930123456"), customer(users=(FAXER,)), None),
    # R16 dedicated fax through an XCAPI PBX or a rented gateway, per site
    ("R16 book dedicated xcapi", m.Book("acme", "fax-dedicated", pbx="xcapi",
                                       trunk="sip:t@pbx.acme.de", site="berlin"), customer(), None),
    ("R16 book dedicated gateway", m.Book("acme", "fax-dedicated", pbx="gateway",
                                          trunk="sip:gw@acme.de"), customer(), None),
    ("R16 book dedicated other pbx", m.Book("acme", "fax-dedicated", pbx="other",
                                            trunk="sip:x@acme.de"), customer(), "R16"),
    ("R16 book dedicated without trunk", m.Book("acme", "fax-dedicated", pbx="xcapi"), customer(), "R16"),
    ("R16 enable dedicated at linked site",
     m.EnableFax("acme", "jmueller", "+4930999999", mode="dedicated", site="berlin"),
     customer(users=(JOERG,), fax_dedicated=True, pbx=(BERLIN,)), None),
    ("R16 enable dedicated at unlinked site",
     m.EnableFax("acme", "jmueller", "+4930999999", mode="dedicated", site="main"),
     customer(users=(JOERG,), fax_dedicated=True, pbx=(BERLIN,)), "R16"),
    ("R16 enable dedicated unbooked",
     m.EnableFax("acme", "jmueller", "+4930999999", mode="dedicated", site="berlin"),
     customer(users=(JOERG,), fax_shared=True, pbx=(BERLIN,)), "R16"),
    # R17 shared fax (the masking number is in the plan; see test_planner)
    ("R17 enable shared passes R17", m.EnableFax("acme", "jmueller", "+4930999999"),
     customer(users=(JOERG,), fax_shared=True), None),
    # R19 archive needs mailstore, export always works
    ("R19 remove with export", m.RemoveUser("acme", "jmueller", "export"), FULL, None),
    ("R19 remove with archive", m.RemoveUser("acme", "jmueller", "archive"),
     customer(addon=1, users=(JOERG,), mailstore=True), None),
    ("R19 archive without mailstore", m.RemoveUser("acme", "jmueller", "archive"), FULL, "R19"),
]


@pytest.mark.parametrize("cmd, state, rule", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule(cmd, state, rule):
    if rule is None:
        check(cmd, state)
    else:
        with pytest.raises(RuleViolation) as err:
            check(cmd, state)
        assert err.value.rule == rule, err.value.text()
        assert err.value.message


ALLOWED_PASSES = [(c[0].split()[0], c[1], c[2]) for c in CASES if c[3] is None]


@pytest.mark.parametrize("rule, cmd, state", ALLOWED_PASSES, ids=[c[0] for c in CASES if c[3] is None])
def test_allowed_command_names_its_rule_as_passed(rule, cmd, state):
    assert rule in check(cmd, state).passed


def test_every_precheckable_rule_is_covered_both_ways():
    refused = {c[3] for c in CASES if c[3]}
    allowed = {c[0].split()[0] for c in CASES if c[3] is None}
    wanted = {f"R{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 12, 15, 16, 19)}
    assert wanted <= refused and wanted <= allowed
    assert {"R11", "R17"} <= allowed  # nothing to refuse: only defaults and records


@pytest.mark.parametrize("cmd", [
    m.AddUser("acme", "Jörg Müller"), m.Book("acme", "cti"), m.Quota("acme"), m.ListUsers("acme"),
    m.ResetPassword("acme", "x"), m.DisableFax("acme", "+4930123456"),
])
def test_unknown_customer_is_not_found(cmd):
    with pytest.raises(NotFound, match="acme"):
        check(cmd, None)


@pytest.mark.parametrize("cmd", [
    m.RemoveUser("acme", "jmuller", "export"), m.ShowUser("acme", "jmuller"),
    m.EnableFax("acme", "jmuller", "+4930999999"), m.ResetPassword("acme", "jmueller@acme.d"),
])
def test_unknown_user_suggests_the_closest(cmd):
    with pytest.raises(NotFound) as err:
        check(cmd, customer(users=(JOERG, FAXER), fax_shared=True))
    assert "Did you mean `jmueller" in err.value.hint


def test_unknown_fax_number_suggests_the_closest():
    with pytest.raises(NotFound) as err:
        check(m.DisableFax("acme", "+4930123457"), customer(users=(FAXER,)))
    assert "+49 30 123456" in err.value.hint     # numbers are shown grouped for people


def test_r8_domain_without_certificate_warns_with_the_command_to_record_it():
    report = check(m.SetDomain("acme", "acme.com"), customer())
    assert report.warnings == ("a paid TLS certificate may be needed for `acme.com`; record it with "
                               "`set-domain acme acme.com tls=yes` once in place (R8)",)
    assert check(m.SetDomain("acme", "acme.com", tls_certificate=True), customer()).warnings == ()


def test_r12_names_the_missing_fields_and_the_command_to_type():
    legal = replace(LEGAL, seat=None, managing_directors=())
    with pytest.raises(RuleViolation) as err:
        check(m.AddUser("acme", "Anna Schmidt"), customer(legal=legal))
    assert "seat, directors" in err.value.message
    assert "`set-legal-info acme seat=... directors=...`" in err.value.hint


def test_legal_hints_use_the_option_names_the_parser_knows():
    options = {p.field: p.key for p in SPECS_BY_NAME["set-legal-info"].options}
    assert LEGAL_KEYS == options


def test_r16_other_pbx_offers_a_gateway_or_shared_fax():
    with pytest.raises(RuleViolation) as err:
        check(m.Book("acme", "fax-dedicated", pbx="other", trunk="sip:x@y"), customer())
    assert "pbx=gateway" in err.value.hint and "`book acme fax-shared`" in err.value.hint


def test_r15_names_the_owner_of_a_taken_number():
    with pytest.raises(RuleViolation, match="Frank Sender"):
        check(m.EnableFax("acme", "jmueller", "+4930123456"),
              customer(users=(JOERG, FAXER), fax_shared=True))


def test_r19_archive_refusal_hints_export():
    with pytest.raises(RuleViolation) as err:
        check(m.RemoveUser("acme", "jmueller", "archive"), FULL)
    assert "mail=export" in err.value.hint


def test_r7_usage_unknown_refuses_in_doubt_with_a_hint():
    with pytest.raises(RuleViolation) as err:
        check(m.Cancel("acme", "tobit-addon", 1), customer(users=(user(used_mb=None),)))
    assert "quota acme" in err.value.hint


def test_solo_without_activesync_warns():
    report = check(m.AddUser("acme", "Eva Extern", solo=True, activesync=False), customer(solo=1))
    assert any("browser client" in w for w in report.warnings)


@pytest.mark.parametrize("cmd", [m.Book("acme", "extra-storage"), m.Book("acme", "tobit-addon", 0)])
def test_impossible_quantities_are_parse_errors(cmd):
    with pytest.raises(ParseError):
        check(cmd, customer())


def test_cancel_of_an_absent_booking_is_not_found():
    with pytest.raises(NotFound, match="mailstore"):
        check(m.Cancel("acme", "mailstore"), customer())


def test_reports_and_help_need_no_rule():
    assert check(m.Help(), None).passed == ()
    assert check(m.Quota("acme"), customer()).passed == ()


def test_cancelling_one_dedicated_site_of_several_names_the_numbers_at_risk():
    hamburg = PbxLink("hamburg", "xcapi", "sip:t@h")
    state = customer(users=(FAXER,), fax_dedicated=True, pbx=(BERLIN, hamburg))
    report = check(m.Cancel("acme", "fax-dedicated", site="berlin"), state)
    assert report.warnings == ("any fax number routed through site berlin loses its connection; check "
                               "+4930123456 (R16)",)
