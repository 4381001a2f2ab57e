"""Rules that one request alone cannot break, broken by two at once or across customers.

R5: N+1 add-users for N free licences, all accepted at the door while the workers are held
(SIGSTOP), then run by two real workers at the same time: N accounts, one refusal naming R5,
nothing of it made. R15: a number that already reaches a mailbox of another customer is
refused before any step, whether AD records it (at the door) or only the PBX routes it (in the
job), without naming that customer; and of two enable-fax of one number at two customers at
once, one routes it and the other is refused (R15) with nothing changed. Real Samba AD, Redis, the Tobit simulator and Kamailio, signed slash commands.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import uuid

import pytest
import redis

from tests.fixtures.slack import PEOPLE, request_id_of, letters
from commands.phone import show_phone
from commands.rules_recheck import FAX_NUMBERS_LOCK
from tobitbot.demo_customer import seed_customer
from workers.admission import LOCK_KEY
from workers.journal import RedisJournal
from workers.tobit import TobitHttpClient

pytestmark = pytest.mark.e2e
SUPPORT = "C_SUPPORT"
OPERATORS = (PEOPLE.operator, PEOPLE.admin, PEOPLE.approver)   # different people, each may add users
FINAL = (":white_check_mark: Done", ":no_entry: Refused", ":x:")



def _tobit(bot_stack, slug: str) -> TobitHttpClient:
    return TobitHttpClient(bot_stack.tobit_url_for(slug), bot_stack.env["TOBITBOT_TOBIT_TOKEN"])


def _final(slack, request) -> str | None:
    # the first reply is the status line, edited in place; the outcome comes after it
    return next((m.text for m in slack.thread(SUPPORT, request.ts)[2:] if m.text.startswith(FINAL)), None)


@pytest.fixture
def held_workers(bot_stack):
    """Stop the stack's workers while requests are accepted; `release()` lets them go, with a
    second worker beside them, so that two jobs run at the same time."""
    bot = bot_stack.bot
    stopped = list(bot.worker_procs)
    for proc in stopped:
        os.kill(proc.pid, signal.SIGSTOP)
    extra = []

    def release():
        extra.append(bot.start_worker())
        for proc in stopped:
            os.kill(proc.pid, signal.SIGCONT)

    try:
        yield release
    finally:
        for proc in stopped:
            os.kill(proc.pid, signal.SIGCONT)
        from tobitbot.servers.process import stop

        for proc in extra:   # back to the one worker the other tests expect
            stop(proc)
            bot.worker_procs.remove(proc)


@pytest.mark.parametrize("free", [1, 2])
def test_n_plus_one_concurrent_add_users_for_n_free_licences_make_exactly_n(bot_stack, held_workers, free):
    slack, directory = bot_stack.slack, bot_stack.directory
    slug = f"lic-{uuid.uuid4().hex[:6]}"
    seed_customer(directory, _tobit(bot_stack, slug), slug, display_name="Licence Test GmbH",
                  tobit_url=bot_stack.tobit_url_for(slug), domain=f"{slug}.example", licences=free)
    names = [f"Lena {letters(6).title()}" for _ in range(free + 1)]
    before = {m.ts for m in slack.messages(SUPPORT)}

    sending = [threading.Thread(target=slack.slash_command,
                                args=(OPERATORS[i % len(OPERATORS)], SUPPORT), kwargs={"text": f'add-user {slug} "{name}"'})
               for i, name in enumerate(names)]
    for thread in sending:
        thread.start()
    for thread in sending:
        thread.join()
    # every one passed the door (nothing has run yet) and is queued
    requests = slack.wait_for(lambda: (r := [m for m in slack.messages(SUPPORT) if m.ts not in before
                                             and slug in m.text]) and len(r) == free + 1 and r, timeout=20)
    slack.wait_for(lambda: all(any(m.text.startswith(":hourglass") for m in slack.thread(SUPPORT, r.ts)[1:])
                               for r in requests), timeout=20)
    held_workers()

    outcomes = slack.wait_for(lambda: all(_final(slack, r) for r in requests)
                              and [_final(slack, r) for r in requests], timeout=120)
    done = [o for o in outcomes if o.startswith(":white_check_mark: Done")]
    refused = [o for o in outcomes if o.startswith(":no_entry: Refused")]
    assert (len(done), len(refused)) == (free, 1), outcomes
    assert "(R5)" in refused[0] and "nothing was changed" in refused[0]

    # nothing half-made: the refused request has no account, not even a disabled one, and no mailbox
    state = directory.customer(slug)
    assert len(state.users) == free and all(u.enabled for u in state.users)
    assert {u.display_name for u in state.users} < set(names)
    assert len(_tobit(bot_stack, slug).list_mailboxes()) == free
    refused_request = next(r for r in requests if _final(slack, r).startswith(":no_entry"))
    client = redis.Redis.from_url(bot_stack.env["TOBITBOT_REDIS_URL"])
    assert client.hget(f"tobitbot:job:{request_id_of(refused_request)}:journal", "done") is None


@pytest.fixture
def pbx(bot_stack):
    if bot_stack.kamailio is None:
        pytest.skip("kamailio is not installed: run scripts/install-system.sh")
    from workers.pbx import KamailioPbx

    return KamailioPbx(bot_stack.kamailio.rpc_url)


def _account(directory, slug: str) -> dict:
    surname = "Fax" + letters(6)
    return directory.create_user(slug, given_name="Nina", surname=surname, display_name=f"Nina {surname}",
                                 email=None, solo=False, marker=uuid.uuid4().hex)


def _enable_fax(bot_stack, slug: str, sam: str, number: str):
    """Send enable-fax as the operator (approved if the policy says it is risky); the request
    message and its outcome, or None and the door's refusal."""
    slack = bot_stack.slack
    before = {m.ts for m in slack.messages(SUPPORT)}
    seen = len(slack.ephemerals(user=PEOPLE.operator))
    slack.slash_command(PEOPLE.operator, SUPPORT, text=f"enable-fax {slug} {sam} {number} mode=shared")

    def answered():
        request = next((m for m in slack.messages(SUPPORT) if m.ts not in before and sam in m.text), None)
        # refusals show the number grouped for people
        refusal = next((e for e in slack.ephemerals(user=PEOPLE.operator)[seen:] if show_phone(number) in e.text),
                       None)
        return (request, None) if request else (None, refusal.text) if refusal else None

    request, refusal = slack.wait_for(answered, timeout=10)
    if request is None:
        return None, refusal
    if "needs approval" in request.text:
        client = redis.Redis.from_url(bot_stack.env["TOBITBOT_REDIS_URL"])
        slack.wait_for(lambda: client.exists(f"tobitbot:approval:msg:{SUPPORT}:{request.ts}"))
        slack.reaction_added(PEOPLE.approver, SUPPORT, request.ts, "white_check_mark")
    return request, slack.wait_for(lambda: _final(slack, request), timeout=60)


@pytest.mark.parametrize("held_by", ["AD", "PBX"])
def test_enable_fax_of_a_number_reaching_another_customer_is_refused_before_any_step(bot_stack, pbx, held_by):
    directory = bot_stack.directory
    number = "+4940" + "".join(random.choice("0123456789") for _ in range(7))
    owner, newcomer = _account(directory, "acme"), _account(directory, "globex")
    if held_by == "AD":   # recorded at acme, as enable-fax's first step leaves it
        directory.add_fax_number("acme", owner["sam"], number)
    else:                 # routed to acme at the PBX only (a route left by hand): AD cannot tell
        pbx.add_fax_route(number, customer="acme", user=owner["sam"], mode="shared",
                          target=bot_stack.env["TOBITBOT_FAX_SERVER_URI"])
    try:
        request, reply = _enable_fax(bot_stack, "globex", newcomer["sam"], number)

        # globex's requester may not see acme: neither it nor its user is named
        assert "R15" in reply and "another customer" in reply, reply
        assert "acme" not in reply and owner["sam"] not in reply, reply
        if held_by == "PBX":   # the door read AD only; the job, checking again, asked the PBX too
            assert request is not None and reply.startswith(":no_entry: Refused") and "nothing was changed" in reply
        assert directory.find_user("globex", newcomer["sam"])["fax_numbers"] == []
        assert "fax-users" not in directory.find_user("globex", newcomer["sam"])["groups"]
        assert _tobit(bot_stack, "globex").get_fax_route(number) is None
        route = pbx.get_fax_route(number)
        assert route is None if held_by == "AD" else route["customer"] == "acme"
    finally:
        if held_by == "PBX":
            pbx.remove_fax_route(number)
        for slug, account in (("acme", owner), ("globex", newcomer)):
            directory.delete_user(slug, account["sam"])


def test_two_enable_fax_of_one_number_at_two_customers_at_once_route_it_once(bot_stack, held_workers, pbx):
    # both pass the door (nothing holds the number yet) and run on two workers at the same time,
    # let go together at the lock; the provider-wide lock lets the second check see the first's
    # number in AD
    slack, directory = bot_stack.slack, bot_stack.directory
    client = redis.Redis.from_url(bot_stack.env["TOBITBOT_REDIS_URL"])
    number = "+4940" + "".join(random.choice("0123456789") for _ in range(7))
    accounts = {"acme": _account(directory, "acme"), "globex": _account(directory, "globex")}
    for slug, account in accounts.items():   # a fax route delivers into a mailbox
        _tobit(bot_stack, slug).create_mailbox(account["sam"], account["sam"], account["mail"],
                                               idempotency_key=uuid.uuid4().hex)
    before = {m.ts for m in slack.messages(SUPPORT)}
    try:
        for person, (slug, account) in zip(OPERATORS, accounts.items()):
            slack.slash_command(person, SUPPORT, text=f"enable-fax {slug} {account['sam']} {number} mode=shared")
        requests = slack.wait_for(lambda: (r := {slug: m for m in slack.messages(SUPPORT) if m.ts not in before
                                                 for slug, a in accounts.items() if a["sam"] in m.text})
                                  and len(r) == 2 and r, timeout=20)
        slack.wait_for(lambda: all(any(m.text.startswith(":hourglass") for m in slack.thread(SUPPORT, r.ts)[1:])
                                   for r in requests.values()), timeout=20)
        # as if a third job were recording a number: both runs start and wait at the lock
        lock = LOCK_KEY.format(name=FAX_NUMBERS_LOCK)
        client.set(lock, "r-third/run", ex=60)
        held_workers()
        slack.wait_for(lambda: all(RedisJournal(client, request_id_of(r)).runs() for r in requests.values()),
                       timeout=20)
        client.delete(lock)

        outcomes = slack.wait_for(lambda: all(_final(slack, r) for r in requests.values())
                                  and {slug: _final(slack, r) for slug, r in requests.items()}, timeout=120)
        won = [slug for slug, o in outcomes.items() if o.startswith(":white_check_mark: Done")]
        lost = [slug for slug, o in outcomes.items() if o.startswith(":no_entry: Refused")]
        assert (len(won), len(lost)) == (1, 1), outcomes
        (winner,), (loser,) = won, lost
        refusal = outcomes[loser]
        assert "(R15)" in refusal and "another customer" in refusal and "nothing was changed" in refusal
        assert winner not in refusal.replace(f"enable-fax {loser}", "")   # the other customer unnamed

        # the loser's job changed nothing anywhere; the winner's number is routed once, to it
        numbers = {slug: directory.find_user(slug, a["sam"]) for slug, a in accounts.items()}
        assert (numbers[winner]["fax_numbers"], numbers[loser]["fax_numbers"]) == ([number], [])
        assert "fax-users" not in numbers[loser]["groups"]
        assert _tobit(bot_stack, loser).get_fax_route(number) is None
        assert _tobit(bot_stack, winner).get_fax_route(number) is not None
        assert pbx.get_fax_route(number)["customer"] == winner
        assert client.hget(f"tobitbot:job:{request_id_of(requests[loser])}:journal", "done") is None
    finally:
        if pbx.get_fax_route(number) is not None:
            pbx.remove_fax_route(number)
        for slug, account in accounts.items():
            tobit = _tobit(bot_stack, slug)
            if tobit.get_fax_route(number) is not None:
                tobit.remove_fax_route(number)
            directory.delete_user(slug, account["sam"])
