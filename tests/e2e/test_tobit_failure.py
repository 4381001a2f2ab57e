"""A request that fails for good half-way: the AD account is made, then the customer's Tobit
server refuses the mailbox (its storage pool is full, R7). The thread says which steps ran and
which did not and offers Retry and Undo; Undo, pressed by someone allowed to, removes the account."""

from __future__ import annotations

import random

import pytest

from tests.fixtures.slack import PEOPLE
from tobitbot.demo_customer import seed_customer
from workers.tobit import TobitHttpClient

pytestmark = pytest.mark.e2e
SUPPORT = "C_SUPPORT"
CUSTOMER = "fullco"


@pytest.fixture
def full_pool(bot_stack):
    """A customer whose Tobit server has no room for another mailbox."""
    url = bot_stack.tobit_url_for(CUSTOMER)
    tobit = TobitHttpClient(url, bot_stack.env["TOBITBOT_TOBIT_TOKEN"])
    seed_customer(bot_stack.directory, tobit, CUSTOMER, display_name="Full GmbH", tobit_url=url,
                  domain="fullco.example")
    tobit.set_pool(0)
    return tobit


def _buttons(message) -> list[str]:
    return [e["action_id"] for b in (message.blocks or []) if b["type"] == "actions" for e in b["elements"]]


def _thread(slack, ts):
    return list(slack.thread(SUPPORT, ts))


def test_a_permanent_tobit_refusal_lists_the_steps_and_undo_removes_the_account(bot_stack, full_pool):
    slack, directory = bot_stack.slack, bot_stack.directory
    name = "Ulla Undo" + "".join(random.choice("abcdefghijklmnop") for _ in range(4))
    slack.slash_command(PEOPLE.operator, SUPPORT, text=f'add-user {CUSTOMER} "{name}"')
    request = slack.wait_for(lambda: next((m for m in slack.messages(SUPPORT) if name in m.text), None),
                             timeout=10)
    # the final reply (the status line above it says "Failed" too, without buttons)
    failure = slack.wait_for(lambda: next((m for m in _thread(slack, request.ts)
                                           if m.text.startswith(":x: Failed") and _buttons(m)), None),
                             timeout=60)
    account = next(u for u in directory.customer(CUSTOMER).users if u.display_name == name)
    assert not account.enabled   # enabling comes last: a half-done request leaves no usable account

    completed, not_run = failure.text.split("*Not run:*")
    assert "create Tobit mailbox" in failure.text.split("\n")[0] and "R7" in failure.text
    assert f"create AD account for {name}" in completed and "tobit-users" in completed
    assert "create Tobit mailbox" in not_run and f"enable the AD account of {name}" in not_run
    assert "*Retry*" in failure.text and "*Undo*" in failure.text
    assert _buttons(failure) == ["tobit_retry", "tobit_undo"]
    assert full_pool.list_mailboxes() == []

    # someone without a role cannot undo it
    told = len(slack.ephemerals(user=PEOPLE.nobody))
    slack.block_action(PEOPLE.nobody, SUPPORT, failure.ts, "tobit_undo")
    slack.wait_for(lambda: any(":no_entry:" in e.text for e in slack.ephemerals(user=PEOPLE.nobody)[told:]),
                   timeout=10)
    assert directory.find_user(CUSTOMER, account.sam) is not None

    slack.block_action(PEOPLE.operator, SUPPORT, failure.ts, "tobit_undo")
    undone = slack.wait_for(lambda: next((m for m in _thread(slack, request.ts)
                                          if m.text.startswith(":leftwards_arrow_with_hook: Undone")), None),
                            timeout=60)
    assert f"create AD account for {name}" in undone.text and "tobit-users" in undone.text
    assert directory.find_user(CUSTOMER, account.sam) is None
    assert [u for u in directory.customer(CUSTOMER).users if u.display_name == name] == []
