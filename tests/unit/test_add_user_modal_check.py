"""The add-user modal's submission check, without Slack: the answer it gives Slack (ack) and
whether it runs the command, for a surname that would be split wrongly, a directory too slow
for Slack's three seconds, and policy conditions on the command's options."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import redis

from bot import add_user_modal
from bot.add_user_modal import AddUserModal
from bot.deps import BotConfig, BotDeps
from commands.customers import CustomerState
from commands.policy import Identity, load_policy_text
from tests.unit.builders import customer

ROOT = Path(__file__).resolve().parents[2]
POLICY = (ROOT / "tests" / "e2e" / "policy.e2e.toml").read_text()


class Reader:
    """acme and globex, answered at once unless `gate` is set: then only once the test opens it."""

    def __init__(self, gate: threading.Event | None = None):
        self.gate = gate

    def customer(self, slug: str) -> CustomerState | None:
        if self.gate is not None:
            self.gate.wait(30)
        return customer(slug=slug) if slug in self.customer_slugs() else None

    def customer_slugs(self) -> list[str]:
        return ["acme", "globex"]


class Operators:
    def identity(self, user_id: str) -> Identity:
        return Identity(user_id, frozenset({"S_OPERATORS"}))


class Submission:
    def __init__(self, policy_text: str = POLICY, reader: Reader | None = None):
        policy = load_policy_text(policy_text)
        deps = BotDeps(redis=redis.Redis(), reader=reader or Reader(), policy=lambda: policy,
                       queue=None, secrets=None, config=BotConfig(support_channel="C_SUPPORT"))
        self.acks: list[dict] = []
        self.ran: list[str] = []
        self.modal = AddUserModal(deps, Operators(), lambda text, *_: self.ran.append(text))

    def submit(self, first: str, last: str, customer_slug: str = "acme") -> dict:
        values = {"customer": customer_slug, "first": first, "last": last}
        view = {"state": {"values": {k: {"value": {"value": v}} for k, v in values.items()}}}
        self.modal.on_submission(lambda **answer: self.acks.append(answer), {"user": {"id": "U_OLGA"}},
                                 view, client=None)
        assert len(self.acks) == 1
        return self.acks[0]


def test_a_surname_of_two_words_is_refused_under_the_last_name_saying_how_it_would_split():
    form = Submission()
    answer = form.submit("Jan", "van  Dijk")
    assert answer["response_action"] == "errors" and list(answer["errors"]) == ["last"]
    error = answer["errors"]["last"]
    assert "given name “Jan van”, surname “Dijk”" in error and "“van-Dijk”" in error
    assert len(error) <= add_user_modal.MAX_ERROR
    assert form.ran == []


def test_given_names_of_several_words_stay_given_names():
    form = Submission()
    assert form.submit("Anna  Maria", "Schmidt") == {}
    assert form.ran == ['add-user acme "Anna Maria Schmidt"']


def test_a_directory_slower_than_slacks_deadline_gets_an_answer_to_try_again(monkeypatch):
    monkeypatch.setattr(add_user_modal, "CHECK_SECONDS", 0.2)
    gate = threading.Event()
    form = Submission(reader=Reader(gate))
    try:
        answer = form.submit("Jane", "Doe")
    finally:
        gate.set()
    assert answer == {"response_action": "errors", "errors": {"customer": add_user_modal.SLOW}}
    assert "Active Directory did not answer in time" in add_user_modal.SLOW
    assert form.ran == []


@pytest.mark.parametrize("slug, refused", [("acme", False), ("globex", True)])
def test_the_policy_sees_all_the_commands_options_as_the_slash_command_does(slug, refused):
    """risky_when on the customer: an option left out would count as risky ("in doubt, risky"),
    and a risky add-user needs a ticket under this policy."""
    policy = POLICY.replace("ticket_for_risky = false", "ticket_for_risky = true").replace(
        '[commands.add-user]\nmin_role = "operator"\n',
        '[commands.add-user]\nmin_role = "operator"\nrisky_when = { customer = "globex" }\n')
    form = Submission(policy)
    answer = form.submit("Jane", "Doe", slug)
    assert (list(answer.get("errors", {})) == ["ticket"]) is refused
    if not refused:
        assert answer == {} and form.ran == [f'add-user {slug} "Jane Doe"']


def test_a_name_without_latin_letters_is_refused_under_the_last_name_pointing_to_login():
    submission = Submission()
    answer = submission.submit("李", "王")
    assert answer["response_action"] == "errors" and submission.ran == []
    assert "No account name can be made" in answer["errors"]["last"]
    assert "login=" in answer["errors"]["last"]
