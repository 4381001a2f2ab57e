"""What cannot be done right is refused before anything runs, through the whole bot: a contract
value on a real OU the bot does not know (R3 in doubt), and a name no account name can be made of."""

from __future__ import annotations

import pytest

from commands.contract_codec import encode
from tests.fixtures.samba import CONTRACT, remove_ou, write_customer_ou
from tests.fixtures.slack import PEOPLE

OPERATOR = PEOPLE.operator
SUPPORT = "C_SUPPORT"


def _refusal(slack, *fragments, timeout=10):
    return slack.wait_for(lambda: next((e for e in slack.ephemerals(user=OPERATOR)
                                        if all(f in e.text for f in fragments)), None), timeout=timeout)


@pytest.fixture
def exchange_typed_by_hand(bot_stack):
    """A customer OU written with plain ldap3, as an administrator would: `Exchange` with a capital."""
    entries = [e for e in encode(CONTRACT) if not e.startswith("tobitbot:mail-product=")]
    dn = write_customer_ou(bot_stack.samba, "exco", "ExCo GmbH",
                           [*entries, "tobitbot:mail-product=Exchange"])
    yield "exco"
    remove_ou(bot_stack.samba, dn)


def test_a_contract_value_the_bot_does_not_know_refuses_add_user_with_nothing_run(
        bot_stack, exchange_typed_by_hand):
    slack = bot_stack.slack
    before = len(slack.messages(SUPPORT))
    slack.slash_command(OPERATOR, SUPPORT, text='add-user exco "Jane Doe"')
    refusal = _refusal(slack, "`tobitbot:mail-product=Exchange`")
    assert "`mail-product`" in refusal.text and "`exchange`" in refusal.text   # what is allowed
    assert len(slack.messages(SUPPORT)) == before          # no request posted, no job queued
    conn = bot_stack.samba.connect()
    conn.search(f"OU=exco,OU=Customers,{bot_stack.samba.base_dn}", "(objectClass=user)")
    assert conn.entries == []                       # no account was made


def test_a_name_without_latin_letters_is_refused_at_the_door_and_works_with_login(bot_stack):
    slack, directory = bot_stack.slack, bot_stack.directory
    before = len(slack.messages(SUPPORT))
    slack.slash_command(OPERATOR, SUPPORT, text='add-user acme "李 王"')
    refusal = _refusal(slack, "No account name can be made")
    assert "login=" in refusal.text
    assert len(slack.messages(SUPPORT)) == before          # refused, not acked and failed at step 1

    slack.slash_command(OPERATOR, SUPPORT, text='add-user acme "李 王" login=lwang')
    request = slack.wait_for(lambda: next((m for m in slack.messages(SUPPORT)
                                           if "login=lwang" in m.text), None), timeout=10)
    slack.wait_for(lambda: any(m.text.startswith(":white_check_mark: Done")
                               for m in slack.thread(SUPPORT, request.ts)), timeout=60)
    user = directory.find_user("acme", "lwang")
    assert user is not None and user["enabled"] and user["mail"] == "lwang@acme.example"
