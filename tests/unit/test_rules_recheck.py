"""R15 across customers (the number's holders anywhere at the provider), R17 for a shared fax
without its booking, and the re-check a job makes before its first step."""

from __future__ import annotations

import pytest

from commands import model as m
from commands.contract import FaxHolder
from commands.errors import RuleViolation
from commands.rules import check
from commands.rules_lookup import canonical_number, fax_holders
from commands.planner import plan
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


@pytest.mark.parametrize("where", ["AD", "PBX"])
def test_a_number_of_another_customer_names_neither_that_customer_nor_its_user(where):
    # the policy may scope the requester to acme: globex and its people are not theirs to see
    with pytest.raises(RuleViolation) as err:
        check(ENABLE, SHARED, (FaxHolder("+49 30 999-999", "globex", "gsmith", where),))
    said = err.value.text()
    assert "another customer" in err.value.message and err.value.rule == "R15"
    assert not {"globex", "gsmith", "999-999", "disable-fax"} & set(said.replace("`", " ").split()), said


# what AD or the PBX holds for the number's holder, typed there by hand (the bot escapes the
# whole text for Slack; the core keeps code spans whole and echoes nothing AD does not vouch for)
HOSTILE = user("asmith", "`Anna`\u202e" + "x" * 60, fax_numbers=("+4930999999",))


HERE = [
    ("in the state only", (JOERG, HOSTILE), ()),
    ("AD holder", (JOERG, HOSTILE), (FaxHolder("+49 30 999 999", "acme", "ASMITH"),)),
    ("PBX route to a name AD lacks", (JOERG,), (FaxHolder("+4930999999", "acme", "<!here>", "PBX"),)),
]


@pytest.mark.parametrize("users, holders", [c[1:] for c in HERE], ids=[c[0] for c in HERE])
def test_a_holder_here_is_named_from_the_state_and_shown_quoted(users, holders):
    with pytest.raises(RuleViolation) as err:
        check(ENABLE, customer(users=users, fax_shared=True), holders)
    said = err.value.text()
    assert err.value.rule == "R15" and "999 999" not in said and "<!here>" not in said, said
    assert "`Anna`" not in said and "\u202e" not in said and "x" * 40 not in said, said
    assert "`disable-fax acme +49 30 999999`" in err.value.hint     # grouped, and parses back


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


@pytest.mark.parametrize("cmd", [m.AddUser("acme", "Anna Schmidt"), ENABLE], ids=type)
def test_the_step_a_job_holds_for_is_its_first(cmd):
    # a run resuming done steps is not admitted again (workers/engine.py): nothing may be left
    # to hold once step 1 is done
    assert plan(cmd, SHARED).steps[0].key == hold_for(cmd).until


def test_the_recheck_counts_every_account_but_the_one_this_request_made():
    full = customer(addon=1, users=(user("asmith", "Anna Schmidt", request="r-1"),))
    add = m.AddUser("acme", "Anna Schmidt")
    assert "R5" in recheck(add, full, "r-1").passed   # a re-run after a crash: its own licence
    with pytest.raises(RuleViolation) as err:
        recheck(add, full, "r-2")                      # another request took the last one
    assert err.value.rule == "R5"
