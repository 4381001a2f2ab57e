"""Names no account name can be made of are refused at the door, and `login=` names the account."""

from __future__ import annotations

import pytest

import workers.steps.ad  # noqa: F401  (registers the ad.* steps)
from commands import model as m
from commands.errors import ParseError, PermanentBackendError, UserError
from commands.help import help_text
from commands.parser import parse
from commands.planner import plan
from tests.fakes.directory import FakeDirectory
from tests.unit.builders import customer, user
from workers.steps.base import REGISTRY, Backends, StepContext


@pytest.mark.parametrize("text, parts", [
    ('add-user acme "李 王"', "first name and surname have"),
    ('add-user acme "Li 王"', "surname has"),
    ('add-user acme "Дмитрий Wang"', "first name has"),
    ('plan add-user acme "李 王"', "first name and surname have"),
    ('add-user acme name="!! ??"', "first name and surname have"),
])
def test_a_name_without_latin_letters_is_refused_at_the_door_naming_login(text, parts):
    with pytest.raises(ParseError) as err:
        parse(text)
    assert "No account name can be made" in err.value.message and parts in err.value.message
    assert "login=NAME" in err.value.hint and "add-user acme" in err.value.hint


@pytest.mark.parametrize("text, login", [
    ('add-user acme "李 王" login=lwang', "lwang"),
    ('add-user acme "李 王" login=L.Wang', "l.wang"),          # AD compares without case
    ('add-user acme "Jane Doe" login=jane_doe-2', "jane_doe-2"),
    ('add-user acme "Jane Doe" login=abcdefghijklmnopqrst', "abcdefghijklmnopqrst"),
])
def test_login_gives_the_account_name(text, login):
    assert parse(text).login == login


@pytest.mark.parametrize("value", [
    "abcdefghijklmnopqrstu",    # 21: AD's sAMAccountName takes 20
    "l.wang.", "-lwang", "l wang", "lwang@acme.de", "l/wang", "lwáng", "l[w]",
])
def test_login_takes_only_what_ad_takes(value):
    with pytest.raises(ParseError, match="not an account name AD takes"):
        parse(f'add-user acme "李 王" login="{value}"')


def test_help_shows_login():
    text = help_text("add-user")
    assert "`login`" in text and 'login=lwang' in text


def test_the_plan_creates_the_account_with_the_given_name():
    p = plan(parse('add-user acme "李 王" login=lwang'), customer())
    create = p.steps[0]
    assert create.key == "ad.create_user" and create.args["sam"] == "lwang"
    assert "as lwang" in create.summary
    assert plan(m.AddUser("acme", "Jane Doe"), customer()).steps[0].args["sam"] is None


def test_a_login_taken_in_the_customer_is_refused_before_anything_runs():
    state = customer(users=(user("lwang", "Lei Wang"),))
    with pytest.raises(UserError, match="`lwang` is already the account of Lei Wang") as err:
        plan(parse('add-user acme "李 王" login=LWang'), state)
    assert "login=" in err.value.hint


def _create(directory, sam, marker):
    args = {"customer": "acme", "given_name": "李", "surname": "王", "display_name": "李 王",
            "email": None, "solo": False, "sam": sam}
    backends = Backends(directory=directory, mail=None, pbx=None)
    return REGISTRY["ad.create_user"].apply(backends, args, StepContext(marker))


def test_the_step_names_the_account_as_given_and_never_numbers_a_taken_one():
    directory = FakeDirectory()
    directory.create_customer("acme", "ACME GmbH")
    assert _create(directory, "lwang", "req-1")["sam"] == "lwang"
    assert _create(directory, "lwang", "req-1")["sam"] == "lwang"     # a re-run finds its own
    with pytest.raises(PermanentBackendError, match="`lwang` is taken"):
        _create(directory, "lwang", "req-2")
