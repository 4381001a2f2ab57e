"""The simulated directory the sandbox falls back to: one state shared through a file, no secrets."""

from __future__ import annotations

import pytest

from commands.errors import NotFound
from tobitbot.directory_simulator import FileDirectory


def _user(directory, given="Jane", surname="Doe"):
    return directory.create_user("acme", given_name=given, surname=surname,
                                 display_name=f"{given} {surname}", email=None, solo=False,
                                 marker=f"m-{given}")


def test_two_instances_on_one_file_see_each_others_changes(tmp_path):
    bot, worker = FileDirectory(tmp_path / "ad.json"), FileDirectory(tmp_path / "ad.json")
    worker.create_customer("acme", "Acme GmbH")
    worker.add_domain("acme", "acme.example")
    made = _user(worker)
    worker.add_to_group("acme", made["sam"], "tobit-users")
    found = bot.find_user("acme", "jdoe")
    assert found["mail"] == "jdoe@acme.example" and found["groups"] == ["tobit-users"]
    assert bot.customer_slugs() == ["acme"] and bot.customer("acme").users[0].sam == "jdoe"
    assert _user(bot)["sam"] == "jdoe"                     # the marker makes it idempotent
    assert _user(bot, "John")["sam"] != "jdoe"             # names stay unique across instances


def test_passwords_never_reach_the_file(tmp_path):
    directory = FileDirectory(tmp_path / "ad.json")
    directory.create_customer("acme", "Acme GmbH")
    sam = _user(directory)["sam"]
    directory.set_password("acme", sam, "Geheim-123-Passwort!", True)
    text = (tmp_path / "ad.json").read_text()
    assert "Geheim-123-Passwort!" not in text and '"must_change": true' in text


def test_unknown_customers_are_refused_like_the_real_directory(tmp_path):
    directory = FileDirectory(tmp_path / "ad.json")
    directory.create_customer("acme", "Acme GmbH")
    with pytest.raises(NotFound) as refusal:
        directory.get_contract("acmee")
    assert "did you mean `acme`" in str(refusal.value.hint)
    with pytest.raises(AttributeError):
        directory.no_such_method


def test_a_name_ad_cannot_take_fails_the_step_as_ad_does_not_as_an_internal_error(tmp_path):
    from commands.errors import PermanentBackendError

    directory = FileDirectory(tmp_path / "ad.json")
    directory.create_customer("acme", "Acme GmbH")
    with pytest.raises(PermanentBackendError) as refused:
        _user(directory, "李", "王")
    assert refused.value.backend == "AD" and "no Latin letters" in refused.value.message
    assert "login=" in refused.value.message                  # the hint: what to type instead
    with pytest.raises(PermanentBackendError, match="unknown contract key"):
        directory.set_contract("acme", "no-such-key", "1")     # a ValueError, as LdapDirectory says it
    with pytest.raises(NotFound):                              # refusals AD also raises stay as they are
        directory.find_user("acmee", "jdoe")


def test_the_engine_reports_the_simulators_refusal_with_its_text(tmp_path):
    from commands.plan import Plan, Step
    from workers.engine import Engine, StepFailed
    from workers.steps import load_all
    from workers.steps.base import Backends

    class Journal:  # a first run: nothing done yet
        def done_steps(self):
            return set()

        def values(self):
            return {}

        def attempts(self):
            return 1

    load_all()
    directory = FileDirectory(tmp_path / "ad.json")
    directory.create_customer("acme", "Acme GmbH")
    published = []
    plan = Plan('add-user acme "李 王"', "acme", (Step("ad", "create_user", {
        "customer": "acme", "given_name": "李", "surname": "王", "display_name": "李 王",
        "email": None, "solo": False}, "create AD account"),))
    with pytest.raises(StepFailed) as failed:
        Engine(Backends(directory, None, None), published.append, None).run(
            "r-cjk", plan, Journal(), final_attempt=True)
    assert "no Latin letters" in failed.value.event.error and "internal error" not in failed.value.event.error
    assert published[-1].kind == "failed"
