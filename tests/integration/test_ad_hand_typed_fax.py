"""A fax number typed by hand into AD (`+49 30 1234567` or `030 1234567` in the attribute, as an
admin tool lets anyone write it) is the number the bot writes as `+49301234567`: found as its
owner's, refused to a second mailbox (R15), and removed by disable-fax as it is stored. Real
Samba AD."""

from __future__ import annotations

import ldap3
import pytest

from commands import events
from commands import model as m
from commands.errors import RuleViolation
from commands.parser import parse
from commands.planner import plan as make_plan
from commands.rules import check
from workers.ad import LdapDirectory
from workers.engine import Engine
from workers.journal import RedisJournal
from workers.steps import load_all
from workers.steps.base import Backends

pytestmark = pytest.mark.integration
NUMBER = "+49301234567"


@pytest.fixture(params=["+49 30 1234567", "030 1234567"])
def typed(request):
    return request.param


@pytest.fixture
def hand_typed(ad_settings, customer_ou, samba_dc, typed):
    """acme's Jane Doe with the number typed by hand, and John Roe without one."""
    customer_ou("acme")
    directory = LdapDirectory(**ad_settings)
    directory.set_contract("acme", "book:fax-shared", "yes")
    jane, john = (directory.create_user("acme", given_name=g, surname=s, display_name=f"{g} {s}",
                                        email=None, solo=False, marker=f"req-{s}")
                  for g, s in (("Jane", "Doe"), ("John", "Roe")))
    conn = samba_dc.connect()
    conn.modify(jane["dn"], {"facsimileTelephoneNumber": [(ldap3.MODIFY_REPLACE, [typed])]})
    conn.unbind()
    return directory, jane["sam"], john["sam"]


def _stored(samba_dc, dn: str) -> list[str]:
    conn = samba_dc.connect()
    conn.search(dn, "(objectClass=user)", ldap3.BASE,
                attributes=["facsimileTelephoneNumber", "otherFacsimileTelephoneNumber"])
    a = conn.response[0]["attributes"]
    conn.unbind()
    return [*([a["facsimileTelephoneNumber"]] if a.get("facsimileTelephoneNumber") else []),
            *(a.get("otherFacsimileTelephoneNumber") or [])]


def test_a_hand_typed_number_is_its_owners_and_refused_to_another_mailbox(hand_typed):
    directory, jane, john = hand_typed
    state = directory.customer("acme")
    assert state.fax_owner(NUMBER).sam == jane
    with pytest.raises(RuleViolation) as err:   # the customer's own state tells, without a reader
        check(m.EnableFax("acme", john, NUMBER), state)
    assert err.value.rule == "R15" and jane in err.value.message
    # enabling it again for its owner changes nothing: AD keeps the one value as typed
    directory.add_fax_number("acme", jane, NUMBER)
    assert directory.find_user("acme", jane)["fax_numbers"] == [NUMBER]


def test_disable_fax_of_a_hand_typed_number_removes_it_as_stored(hand_typed, typed, samba_dc, redis_url):
    import redis

    load_all()
    directory, jane, _ = hand_typed
    full = make_plan(parse(f"disable-fax acme {typed}"), directory.customer("acme"))
    ad_steps = tuple(s for s in full.steps if s.backend == "ad")   # the PBX and Tobit have no route
    plan = type(full)(full.command, full.customer, ad_steps)
    client = redis.Redis.from_url(redis_url)
    published: list = []

    final = Engine(Backends(directory, None, None), published.append, secrets=None).run(
        "r-disable", plan, RedisJournal(client, "r-disable"), final_attempt=True)

    assert final.kind == events.SUCCEEDED
    assert [e.kind for e in published if e.step == 1] == [events.STEP_DONE]   # not "already gone"
    assert _stored(samba_dc, directory.find_user("acme", jane)["dn"]) == []
