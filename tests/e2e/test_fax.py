"""Fax through the whole bot: `/tobit enable-fax` makes a real Kamailio route the number to the
fax server (proved with a SIP INVITE), `/tobit disable-fax` makes it 404 again."""

from __future__ import annotations

import random

import pytest
import redis

from tests.fixtures.slack import PEOPLE

pytestmark = pytest.mark.e2e
SUPPORT = "C_SUPPORT"
OPERATOR, APPROVER = PEOPLE.operator, PEOPLE.approver


@pytest.fixture
def pbx(bot_stack):
    if bot_stack.kamailio is None:
        pytest.skip("kamailio is not installed: run scripts/install-system.sh")
    return bot_stack.kamailio, bot_stack.sip


def _thread(slack, message):
    return [m.text for m in slack.thread(SUPPORT, message.ts)]


def _run(bot_stack, command: str, marker: str):
    """Send the command as the operator, approve it if the policy says it is risky, wait for Done."""
    slack = bot_stack.slack
    before = {m.ts for m in slack.messages(SUPPORT)}
    slack.slash_command(OPERATOR, SUPPORT, text=command)
    request = slack.wait_for(lambda: next((m for m in slack.messages(SUPPORT)
                                           if m.ts not in before and marker in m.text), None), timeout=10)
    if "needs approval" in request.text:
        client = redis.Redis.from_url(bot_stack.env["TOBITBOT_REDIS_URL"])
        slack.wait_for(lambda: client.exists(f"tobitbot:approval:msg:{SUPPORT}:{request.ts}"))
        slack.reaction_added(APPROVER, SUPPORT, request.ts, "white_check_mark")
    slack.wait_for(lambda: any(t.startswith((":white_check_mark: Done", ":x:")) for t in _thread(slack, request)),
                   timeout=60)
    assert any(t.startswith(":white_check_mark: Done") for t in _thread(slack, request)), _thread(slack, request)
    return request


def test_enable_fax_routes_the_number_to_the_fax_server_and_disable_fax_stops_it(bot_stack, pbx):
    kamailio, sip = pbx
    surname = "Fax" + "".join(random.choice("abcdefghijklmnop") for _ in range(5))
    _run(bot_stack, f'add-user acme "Fiona {surname}"', surname)
    user = next(u for u in bot_stack.directory.customer("acme").users if u.display_name == f"Fiona {surname}")
    number = "+4930" + "".join(random.choice("0123456789") for _ in range(7))
    assert sip.caller.invite(kamailio.sip_address, number).status == 404   # not routed yet

    _run(bot_stack, f"enable-fax acme {user.sam} {number} mode=shared", f"enable-fax acme {user.sam}")
    reply = sip.caller.invite(kamailio.sip_address, number)
    assert reply.status == 200
    arrived = next(m for m in reversed(sip.fax_server.requests("INVITE")) if m.user_of("To") == number)
    assert arrived.header("X-Tobit-Customer") == "acme"
    assert arrived.all("X-Tobit-Mailbox") == [user.sam]
    assert sip.trunk.requests("INVITE") == []
    assert number in next(u for u in bot_stack.directory.customer("acme").users if u.sam == user.sam).fax_numbers

    invites = len(sip.fax_server.requests("INVITE"))
    _run(bot_stack, f"disable-fax acme {number}", "disable-fax acme")
    assert sip.caller.invite(kamailio.sip_address, number).status == 404
    assert len(sip.fax_server.requests("INVITE")) == invites
    assert number not in next(u for u in bot_stack.directory.customer("acme").users if u.sam == user.sam).fax_numbers
