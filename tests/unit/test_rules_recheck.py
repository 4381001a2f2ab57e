"""R15 across customers (the number's holders anywhere at the provider), R17 for a shared fax
without its booking, and the re-check a job makes before its first step."""

from __future__ import annotations

import pytest

from commands import model as m
from commands.contract import FaxHolder
from commands.errors import RuleViolation
from commands.rules import check
from commands.rules_lookup import canonical_number, fax_holders
from commands.rules_recheck import FAX_NUMBERS_LOCK, Hold, hold_for, recheck
from tests.unit.builders import customer, user

JOERG = user()
SHARED = customer(users=(JOERG,), fax_shared=True)
ENABLE = m.EnableFax("acme", "jmueller", "+4930999999")

# (case id, where the number is already in use, the rule that refuses or None)
HOLDERS = [
    ("free", (), None),
    ("another number elsewhere", (FaxHolder("+4930111111", "globex", "gsmith"),), None),
    ("this user's own number", (FaxHolder("+4930999999", "acme", "JMueller"),), None),
    ("in AD at another customer", (FaxHolder("+4930999999", "globex", "gsmith"),), "R15"),
    ("typed by hand at another customer", (FaxHolder("+49 30 999-999", "globex", "gsmith"),), "R15"),
    ("routed at another customer's PBX", (FaxHolder("+4930999999", "globex", "gsmith", "PBX"),), "R15"),
    ("routed to another user here", (FaxHolder("+4930999999", "acme", "asmith", "PBX"),), "R15"),
]


@pytest.mark.parametrize("holders, rule", [c[1:] for c in HOLDERS], ids=[c[0] for c in HOLDERS])
def test_a_number_reaches_one_mailbox_in_the_whole_provider(holders, rule):
    if rule is None:
        assert "R15" in check(ENABLE, SHARED, holders).passed
        return
    with pytest.raises(RuleViolation) as err:
        check(ENABLE, SHARED, holders)
    assert err.value.rule == rule


def test_a_number_of_another_customer_names_that_customer_not_its_user():
    with pytest.raises(RuleViolation) as err:
        check(ENABLE, SHARED, (FaxHolder("+4930999999", "globex", "gsmith"),))
    assert "another customer (`globex`)" in err.value.message and "gsmith" not in err.value.message
    assert "`disable-fax globex +49 30 999999`" in err.value.hint     # grouped, and parses back


def test_a_shared_fax_without_its_booking_is_refused_naming_r17():
    with pytest.raises(RuleViolation) as err:
        check(ENABLE, customer(users=(JOERG,)))
    assert err.value.rule == "R17" and "fax-shared" in err.value.hint


def test_numbers_compare_in_e164_however_typed():
    assert canonical_number("+49 30 999-999") == canonical_number("+4930999999") == "+4930999999"


class Reader:
    def __init__(self, holders):
        self.asked, self._holders = [], holders

    def fax_holders(self, number):
        self.asked.append(number)
        return self._holders


def test_the_door_asks_the_reader_for_the_holders_of_an_enable_fax_number_only():
    held = [FaxHolder("+4930999999", "globex", "gsmith")]
    reader = Reader(held)
    assert fax_holders(reader, ENABLE) == tuple(held)
    assert fax_holders(reader, m.ShowPlan(ENABLE)) == tuple(held)
    assert fax_holders(reader, m.AddUser("acme", "Anna Schmidt")) == ()
    assert reader.asked == ["+4930999999", "+4930999999"]


def test_jobs_hold_the_customer_licences_or_every_number_until_the_consuming_step():
    assert hold_for(m.AddUser("acme", "Anna Schmidt")) == Hold("licences:acme", "ad.create_user")
    assert hold_for(ENABLE) == Hold(FAX_NUMBERS_LOCK, "ad.add_fax_number")
    assert hold_for(m.ResetPassword("acme", "jmueller")) is None


def test_the_recheck_counts_every_account_but_the_one_this_request_made():
    full = customer(addon=1, users=(user("asmith", "Anna Schmidt", request="r-1"),))
    add = m.AddUser("acme", "Anna Schmidt")
    assert "R5" in recheck(add, full, "r-1").passed   # a re-run after a crash: its own licence
    with pytest.raises(RuleViolation) as err:
        recheck(add, full, "r-2")                      # another request took the last one
    assert err.value.rule == "R5"
