"""The ad.* steps on the in-memory FakeDirectory, one by one and through the engine."""

from __future__ import annotations

import pytest

import workers.steps.ad  # noqa: F401  (registers the ad.* steps)
from commands import events
from commands.errors import NotFound
from commands.plan import Plan, Step
from commands.steps import CATALOGUE
from tests.fakes.directory import FakeDirectory
from workers.engine import Engine
from workers.steps.base import REGISTRY, Backends, StepContext

AD_KEYS = sorted(k for k in CATALOGUE if k.startswith("ad."))


@pytest.fixture
def fake():
    directory = FakeDirectory()
    directory.create_customer("acme", "ACME GmbH")
    directory.add_domain("acme", "acme.de")
    directory.create_user("acme", given_name="Jane", surname="Doe", display_name="Jane Doe",
                          email=None, solo=False, marker="earlier")
    return directory


@pytest.fixture
def backends(fake):
    return Backends(directory=fake, mail=None, pbx=None)


def test_every_ad_step_is_implemented_with_undo_where_catalogued():
    for key in AD_KEYS:
        assert key in REGISTRY, key
        assert (REGISTRY[key].undo is not None) == CATALOGUE[key].undoable, key


# (key, args): applied on the fixture's world, then verified, then undone and checked again
CASES = [
    ("ad.create_customer", {"customer": "newco", "display_name": "NewCo AG"}),
    ("ad.set_contract", {"customer": "acme", "key": "book:tobit-addon", "value": "10"}),
    ("ad.add_domain", {"customer": "acme", "domain": "acme-shop.de"}),
    ("ad.remove_domain", {"customer": "acme", "domain": "acme.de"}),
    ("ad.create_user", {"customer": "acme", "given_name": "Jörg", "surname": "Müller",
                        "display_name": "Jörg Müller", "email": None, "solo": False}),
    ("ad.enable_user", {"customer": "acme", "user": "jdoe"}),
    ("ad.add_to_group", {"customer": "acme", "user": "jdoe", "group": "activesync-users"}),
    ("ad.add_fax_number", {"customer": "acme", "user": "jdoe", "number": "+4930111"}),
]


@pytest.mark.parametrize("key, args", CASES, ids=[c[0] for c in CASES])
def test_apply_verify_undo(backends, key, args):
    impl, ctx = REGISTRY[key], StepContext("req-1")
    assert not impl.verify(backends, args, ctx)
    ctx.values.update(impl.apply(backends, args, ctx) or {})
    assert impl.verify(backends, args, ctx)
    impl.undo(backends, args, ctx)
    assert not impl.verify(backends, args, ctx)


@pytest.mark.parametrize("do, undo", [
    ("ad.enable_user", "ad.disable_user"),
    ("ad.add_to_group", "ad.remove_from_group"),
    ("ad.add_fax_number", "ad.remove_fax_number"),
])
def test_opposite_steps_undo_each_other(backends, do, undo):
    args = {"customer": "acme", "user": "jdoe", "group": "fax-users", "number": "+4930222"}
    ctx = StepContext("req-1")
    REGISTRY[do].apply(backends, args, ctx)
    assert not REGISTRY[undo].verify(backends, args, ctx)
    REGISTRY[undo].apply(backends, args, ctx)
    assert REGISTRY[undo].verify(backends, args, ctx)
    REGISTRY[undo].undo(backends, args, ctx)
    assert REGISTRY[do].verify(backends, args, ctx)


def test_set_contract_undo_restores_the_previous_value(backends, fake):
    fake.set_contract("acme", "book:tobit-addon", "5")
    args = {"customer": "acme", "key": "book:tobit-addon", "value": "10"}
    ctx = StepContext("req-1")
    ctx.values.update(REGISTRY["ad.set_contract"].apply(backends, args, ctx))
    REGISTRY["ad.set_contract"].undo(backends, args, ctx)
    assert fake.get_contract("acme")["book:tobit-addon"] == "5"


def test_create_user_is_marked_and_recalled(backends, fake):
    args = dict(CASES[4][1])
    ctx = StepContext("req-7")
    out = REGISTRY["ad.create_user"].apply(backends, args, ctx)
    assert out == {"sam": "jmueller", "upn": "jmueller@acme.de", "mail": "jmueller@acme.de"}
    assert REGISTRY["ad.create_user"].recall(backends, args, ctx) == out
    assert REGISTRY["ad.create_user"].apply(backends, args, ctx) == out   # no namesake
    assert [u.sam for u in fake.customer("acme").users] == ["jdoe", "jmueller"]


def test_set_password_hands_out_a_secret_that_was_really_set(backends, fake):
    args = {"customer": "acme", "user": "jdoe", "must_change": True}
    out = REGISTRY["ad.set_password"].apply(backends, args, StepContext("req-1"))
    assert list(out) == ["secret:password"]
    assert fake.passwords["jdoe"] == (out["secret:password"], True)
    assert "jdoe" not in out["secret:password"].lower()
    assert REGISTRY["ad.set_password"].verify(backends, args, StepContext("req-1"))


def test_unknown_customer_surfaces_as_not_found(backends):
    with pytest.raises(NotFound, match="did you mean `acme`"):
        REGISTRY["ad.enable_user"].apply(backends, {"customer": "acm", "user": "x"}, StepContext("r"))


class _Journal:
    def __init__(self):
        self.done, self.vals = set(), {}

    def done_steps(self):
        return set(self.done)

    def values(self):
        return dict(self.vals)

    def mark_done(self, index, values):
        self.done.add(index)
        self.vals = dict(values)

    def mark_undone(self, index):
        self.done.discard(index)

    def attempts(self):
        return 1


class _Secrets:
    def __init__(self):
        self.stored = {}

    def put(self, request_id, name, value):
        self.stored[(request_id, name)] = value


def _add_user_plan() -> Plan:
    user = {"customer": "acme", "user": "${sam}"}
    return Plan("add-user acme Jörg Müller", "acme", (
        Step("ad", "create_user", {"customer": "acme", "given_name": "Jörg", "surname": "Müller",
                                   "display_name": "Jörg Müller", "email": None, "solo": False},
             "create AD account"),
        Step("ad", "set_password", {**user, "must_change": True}, "set password"),
        Step("ad", "enable_user", user, "enable account"),
        Step("ad", "add_to_group", {**user, "group": "tobit-users"}, "add to tobit-users"),
    ))


def test_engine_runs_add_user_and_a_rerun_duplicates_nothing(backends, fake):
    published, secrets = [], _Secrets()
    engine = Engine(backends, published.append, secrets)
    engine.run("req-9", _add_user_plan(), _Journal(), final_attempt=True)
    user = fake.find_user("acme", "jmueller")
    assert user["enabled"] and user["groups"] == ["tobit-users"] and user["must_change"]
    assert secrets.stored[("req-9", "password")] == fake.passwords["jmueller"][0]
    # the journal is lost: the whole plan runs again and finds its own account by the marker
    published.clear()
    engine.run("req-9", _add_user_plan(), _Journal(), final_attempt=True)
    assert [u.sam for u in fake.customer("acme").users] == ["jdoe", "jmueller"]
    kinds = [e.kind for e in published if e.step]
    assert kinds == [events.STEP_SKIPPED, events.STEP_DONE, events.STEP_SKIPPED, events.STEP_SKIPPED]
