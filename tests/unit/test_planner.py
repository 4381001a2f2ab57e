"""Plans per command: the steps in order, their key arguments, and conformance to the catalogue."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands import model as m
from commands.catalogue import SPECS_BY_NAME
from commands.contract import LegalInfo, PbxLink
from commands.errors import RuleViolation, UserError
from commands.parser import parse
from commands.plan import Plan
from commands.planner import plan
from commands.steps import CATALOGUE
from tests.unit.builders import LEGAL, customer, user
from tests.unit.test_rules import CASES

JOERG = user()
FAXER = user("fsend", "Frank Sender", fax_numbers=("+4930123456", "+4930123457"))
BERLIN = PbxLink("berlin", "xcapi", "sip:trunk@pbx.acme.de")
GB = 1024

ALLOWED = [(c[0], c[1], c[2]) for c in CASES if c[3] is None]


def keys(p: Plan) -> list[str]:
    return [s.key for s in p.steps]


@pytest.mark.parametrize("cmd, state", [c[1:] for c in ALLOWED], ids=[c[0] for c in ALLOWED])
def test_every_step_is_in_the_catalogue_with_exactly_its_arguments(cmd, state):
    p = plan(cmd, state)
    for s in p.steps:
        assert s.key in CATALOGUE
        assert tuple(s.args) == CATALOGUE[s.key].args
        assert s.summary and "\n" not in s.summary
    assert Plan.from_json(json.loads(json.dumps(p.to_json()))) == p


@pytest.mark.parametrize("cmd, state", [c[1:] for c in ALLOWED], ids=[c[0] for c in ALLOWED])
def test_references_only_to_outputs_of_earlier_steps(cmd, state):
    produced: set[str] = set()
    for s in plan(cmd, state).steps:
        for value in s.args.values():
            if isinstance(value, str) and value.startswith("${"):
                assert value[2:-1] in produced, f"{s.key} uses {value} before it exists"
        produced |= set(CATALOGUE[s.key].outputs)


def test_onboard_records_the_contract():
    p = plan(m.OnboardCustomer("neu", "Neu GmbH", "enterprise-service", "https://t.neu"), None)
    assert keys(p) == ["ad.create_customer"] + ["ad.set_contract"] * 3
    assert [(s.args["key"], s.args["value"]) for s in p.steps[1:]] == [
        ("base", "enterprise-service"), ("mail-product", "tobit"), ("tobit-url", "https://t.neu")]
    assert p.checks == ("R6",) and p.customer == "neu"


def test_booking_licences_records_the_total_then_grows_the_pool():
    p = plan(m.Book("acme", "tobit-addon", 3), customer(addon=5, extra_storage_gb=2))
    assert keys(p) == ["ad.set_contract", "tobit.set_pool"]
    assert p.steps[0].args == {"customer": "acme", "key": "book:tobit-addon", "value": "8"}
    assert p.steps[1].args["pool_mb"] == 8 * 5 * GB + 2 * GB


def test_cancelling_shrinks_the_pool_before_the_booking():
    p = plan(m.Cancel("acme", "tobit-addon", 2), customer(addon=5))
    assert keys(p) == ["tobit.set_pool", "ad.set_contract"]
    assert p.steps[0].args["pool_mb"] == 3 * 5 * GB
    assert p.steps[1].args["value"] == "3"


def test_cancelling_everything_removes_the_key():
    p = plan(m.Cancel("acme", "extra-storage"), customer(extra_storage_gb=4))
    assert p.steps[-1].args == {"customer": "acme", "key": "book:extra-storage", "value": None}


def test_booking_an_option_leaves_the_pool_alone():
    p = plan(m.Book("acme", "mailstore"), customer())
    assert keys(p) == ["ad.set_contract"]
    assert p.steps[0].args["value"] == "yes"


def test_booking_dedicated_fax_records_the_site_link():
    p = plan(m.Book("acme", "fax-dedicated", pbx="xcapi", trunk="sip:t@pbx", site="berlin"), customer())
    assert [(s.args["key"], s.args["value"]) for s in p.steps] == [
        ("pbx:berlin", "xcapi sip:t@pbx"), ("book:fax-dedicated", "yes")]


def test_cancelling_the_last_dedicated_site_cancels_the_booking():
    state = customer(fax_dedicated=True, pbx=(BERLIN,))
    p = plan(m.Cancel("acme", "fax-dedicated", site="berlin"), state)
    assert [(s.args["key"], s.args["value"]) for s in p.steps] == [
        ("pbx:berlin", None), ("book:fax-dedicated", None)]


def test_set_domain_adds_it_and_records_the_certificate():
    p = plan(m.SetDomain("acme", "ACME.com"), customer())
    assert keys(p) == ["ad.add_domain", "ad.set_contract"]
    assert p.steps[0].args["domain"] == "acme.com"
    assert p.steps[1].args == {"customer": "acme", "key": "tls:acme.com", "value": "no"}
    assert p.warnings and "tls=yes" in p.warnings[0]


def test_set_legal_info_re_signs_every_user():
    state = customer(users=(JOERG, FAXER))
    p = plan(m.SetLegalInfo("acme", seat="München", managing_directors=("A B", "C D")), state)
    assert keys(p) == ["ad.set_contract"] * 2 + ["tobit.set_signature"] * 2
    assert p.steps[1].args["value"] == "A B; C D"
    assert "Sitz der Gesellschaft: München" in p.steps[2].args["text"]
    assert [s.args["user"] for s in p.steps[2:]] == ["jmueller", "fsend"]


def test_incomplete_legal_info_signs_nobody():
    p = plan(m.SetLegalInfo("acme", company="ACME"), customer(legal=LegalInfo(), users=(JOERG,)))
    assert keys(p) == ["ad.set_contract"]
    assert "form, seat" in p.warnings[0]


def test_add_user_builds_the_account_then_enables_it_last():
    p = plan(m.AddUser("acme", "Jörg Müller", email="joerg@acme.de"), customer())
    assert keys(p) == [
        "ad.create_user", "ad.add_to_group", "ad.add_to_group", "tobit.create_mailbox",
        "tobit.set_activesync", "tobit.set_signature", "ad.set_password", "ad.enable_user"]
    create = p.steps[0].args
    assert (create["given_name"], create["surname"], create["email"]) == ("Jörg", "Müller", "joerg@acme.de")
    assert [s.args["group"] for s in p.steps[1:3]] == ["tobit-users", "activesync-users"]
    assert p.steps[3].args["mail"] == "${mail}"
    assert p.steps[4].args["enabled"] is True
    assert "Registergericht: Amtsgericht Charlottenburg" in p.steps[5].args["text"]
    assert p.steps[6].args["must_change"] is True
    assert p.steps[0].summary == "create AD account for Jörg Müller in acme"


def test_add_user_without_activesync_and_solo():
    p = plan(m.AddUser("acme", "Eva Extern", solo=True, activesync=False), customer(solo=1))
    assert [s.args.get("group") for s in p.steps if s.key == "ad.add_to_group"] == ["tobit-users"]
    assert next(s for s in p.steps if s.key == "tobit.set_activesync").args["enabled"] is False
    assert p.steps[0].args["solo"] is True
    assert any("no Windows desktop client" in n for n in p.notes)


def test_remove_user_archives_first_and_unroutes_its_faxes():
    state = customer(users=(FAXER,), fax_shared=True, mailstore=True)
    p = plan(m.RemoveUser("acme", "fsend@acme.de", "archive"), state)
    assert keys(p) == [
        "tobit.archive_mailbox", "pbx.remove_fax_route", "tobit.remove_fax_route",
        "pbx.remove_fax_route", "tobit.remove_fax_route", "ad.disable_user",
        "tobit.delete_mailbox", "ad.delete_user"]
    assert p.steps[0].args == {"customer": "acme", "user": "fsend", "mode": "archive"}


@pytest.mark.parametrize("cmd, expected", [
    (m.EnableActiveSync("acme", "jmueller"), [("ad.add_to_group", None), ("tobit.set_activesync", True)]),
    (m.DisableActiveSync("acme", "jmueller"), [("tobit.set_activesync", False), ("ad.remove_from_group", None)]),
])
def test_activesync(cmd, expected):
    p = plan(cmd, customer(users=(JOERG,)))
    assert [(s.key, s.args.get("enabled")) for s in p.steps] == expected


def test_reset_password_must_be_changed():
    p = plan(m.ResetPassword("acme", "jmueller"), customer(users=(JOERG,)))
    assert [s.to_json()["args"] for s in p.steps] == [
        {"customer": "acme", "user": "jmueller", "must_change": True}]


def test_shared_fax_routes_to_the_fax_server_masked_as_its_number():
    p = plan(m.EnableFax("acme", "jmueller", "+4930999999"), customer(users=(JOERG,), fax_shared=True),
             fax_server_uri="sip:fax@fax.provider.de")
    assert keys(p) == ["ad.add_fax_number", "ad.add_to_group", "tobit.add_fax_route", "pbx.add_fax_route"]
    assert p.steps[-1].args == {"customer": "acme", "number": "+4930999999", "user": "jmueller",
                                "mode": "shared", "target": "sip:fax@fax.provider.de"}
    assert "masked as +49 30 999999" in p.steps[-1].summary     # grouped for people
    assert "R17" in p.checks


def test_dedicated_fax_routes_to_the_sites_trunk():
    state = customer(users=(JOERG,), fax_dedicated=True, pbx=(BERLIN,))
    p = plan(m.EnableFax("acme", "jmueller", "+4930999999", mode="dedicated", site="berlin"), state)
    assert p.steps[-1].args["target"] == "sip:trunk@pbx.acme.de"
    assert p.steps[-1].args["mode"] == "dedicated"


def test_disable_fax_unroutes_at_the_pbx_first():
    p = plan(m.DisableFax("acme", "+4930123456"), customer(users=(FAXER,)))
    assert keys(p) == ["pbx.remove_fax_route", "tobit.remove_fax_route", "ad.remove_fax_number"]
    last = plan(m.DisableFax("acme", "+4930123456"),
                customer(users=(user("fsend", "Frank Sender", fax_numbers=("+4930123456",)),)))
    assert keys(last)[-1] == "ad.remove_from_group"


@pytest.mark.parametrize("cmd", [m.Quota("acme"), m.ListUsers("acme"), m.Licences("acme"),
                                 m.FaxNumbers("acme"), m.ShowCustomer("acme"),
                                 m.ShowUser("acme", "jmueller"), m.Help(), m.ShowPlan(m.Quota("acme"))])
def test_reports_have_no_steps(cmd):
    assert plan(cmd, customer(users=(JOERG,))).steps == ()


def test_plan_carries_risk_checks_and_refuses_like_the_rules():
    p = plan(m.Book("acme", "tobit-addon", 1), customer(), risky=True)
    assert p.risky and p.checks == ("R1", "R3", "R7")
    with pytest.raises(RuleViolation):
        plan(m.Book("acme", "cti"), customer(base_service="enterprise-service"))


def test_plans_are_deterministic():
    cmd, state = m.AddUser("acme", "Jörg Müller"), customer()
    assert plan(cmd, state).fingerprint() == plan(cmd, state).fingerprint()


def test_rendered_plan_numbers_steps_names_rules_and_warns():
    from commands.plan_render import render_plan

    p = plan(m.SetDomain("acme", "acme.com"), customer())
    text = render_plan(p)
    lines = text.splitlines()
    assert lines[0] == "*Plan* for `set-domain acme acme.com`"
    assert lines[1] == "1. `ad` add mail domain acme.com to acme"
    assert lines[2].startswith("2. `ad` record TLS certificate for acme.com")
    assert "Rules checked: R8" in lines
    assert lines[-1].startswith(":warning: a paid TLS certificate may be needed")


def test_rendered_plan_shows_no_step_arguments_and_escapes_names():
    from commands.plan_render import render_plan

    p = plan(m.AddUser("acme", "Jörg Müller"), customer())
    text = render_plan(p)
    assert "Registergericht" not in text  # the signature text is an argument, not shown
    assert "${sam}" not in text
    assert render_plan(Plan("x <!here>", "acme", ())).startswith("*Plan* for `x &lt;!here&gt;`")
    assert "Nothing to change." in render_plan(Plan("quota acme", "acme", ()))


RICH = customer(addon=5, solo=2, fax_shared=True, fax_dedicated=True, mailstore=True,
                pbx=(PbxLink("hamburg", "xcapi", "sip:t@h"), PbxLink("main", "gateway", "sip:g@m")),
                users=(user("jdoe", "Jane Doe", fax_numbers=("+4940555123",)), JOERG))
EXAMPLES = [ex for spec in SPECS_BY_NAME.values() for ex in spec.examples]


@pytest.mark.parametrize("text", EXAMPLES)
def test_every_help_example_parses_and_plans_within_the_catalogue(text):
    cmd = parse(text)
    try:
        p = plan(cmd, None if isinstance(cmd, m.OnboardCustomer) else RICH)
    except UserError as err:
        assert err.text()
        return
    assert all(tuple(s.args) == CATALOGUE[s.key].args for s in p.steps)


USERS = st.builds(
    user, sam=st.sampled_from(["jdoe", "jmueller", "extern"]),
    name=st.sampled_from(["Jane Doe", "Jörg Müller"]), solo=st.booleans(),
    used_mb=st.none() | st.integers(0, 60 * GB),
    fax_numbers=st.lists(st.sampled_from(["+4930123456", "+4940555123"]), max_size=2, unique=True)
    .map(tuple))
STATES = st.builds(
    customer, users=st.lists(USERS, max_size=3, unique_by=lambda u: u.sam).map(tuple),
    addon=st.integers(0, 4), solo=st.integers(0, 2), extra_storage_gb=st.integers(0, 20),
    fax_shared=st.booleans(), fax_dedicated=st.booleans(), mailstore=st.booleans(),
    base_service=st.sampled_from(["enterprise-desktop", "enterprise-service", None]),
    mail_product=st.sampled_from(["tobit", "exchange"]),
    legal=st.sampled_from([LEGAL, LegalInfo()]), domains=st.sampled_from([(), ("acme.de",)]),
    pbx=st.sampled_from([(), (PbxLink("main", "xcapi", "sip:t@m"),)]))
PRODUCTS = st.sampled_from(m.PRODUCTS)
COMMANDS = st.one_of(
    st.builds(m.Book, st.just("acme"), PRODUCTS, st.none() | st.integers(1, 5),
              pbx=st.sampled_from(["xcapi", "other", None]), trunk=st.just("sip:x@y")),
    st.builds(m.Cancel, st.just("acme"), PRODUCTS, st.none() | st.integers(1, 5),
              site=st.sampled_from([None, "main"])),
    st.builds(m.AddUser, st.just("acme"), st.sampled_from(["Anna Schmidt", "Info Team"]),
              email=st.sampled_from([None, "anna@acme.de"]), solo=st.booleans(),
              activesync=st.booleans()),
    st.builds(m.RemoveUser, st.just("acme"), st.sampled_from(["jdoe", "extern", "nobody"]),
              st.sampled_from(["archive", "export"])),
    st.builds(m.EnableFax, st.just("acme"), st.sampled_from(["jdoe", "jmueller"]),
              st.sampled_from(["+4930123456", "+4940555123"]),
              mode=st.sampled_from(["shared", "dedicated"])),
    st.builds(m.DisableFax, st.just("acme"), st.sampled_from(["+4930123456", "+4940555123"])),
    st.builds(m.SetLegalInfo, st.just("acme"), seat=st.sampled_from([None, "Köln"])),
    st.builds(m.DisableActiveSync, st.just("acme"), st.sampled_from(["jdoe", "jmueller"])),
)


@given(COMMANDS, STATES)
@settings(max_examples=400, deadline=None)
def test_any_command_on_any_contract_is_refused_or_planned_never_crashes(cmd, state):
    try:
        p = plan(cmd, state)
    except UserError as err:
        assert err.text()
        return
    for s in p.steps:
        assert tuple(s.args) == CATALOGUE[s.key].args
    if isinstance(cmd, (m.Book, m.Cancel)):  # R5/R7: a plan never leaves the contract short
        pools = [s.args["pool_mb"] for s in p.steps if s.key == "tobit.set_pool"]
        used = state.used_mb
        assert all(used is not None and used <= pool for pool in pools if pool < state.pool_mb)
