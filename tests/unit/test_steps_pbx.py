"""The pbx.* step implementations against the hand-written FakePbx."""

from __future__ import annotations

import json

import pytest

from commands.errors import PermanentBackendError, RetryableBackendError
from commands.steps import CATALOGUE
from tests.fakes.pbx import FakePbx
from workers.steps import pbx as pbx_steps  # noqa: F401  (registers the steps)
from workers.steps.base import REGISTRY, Backends, StepContext

ADD, REMOVE = REGISTRY["pbx.add_fax_route"], REGISTRY["pbx.remove_fax_route"]
FAX_SERVER = "sip:fax.provider.example"
TRUNK = "sip:xcapi@pbx.acme.example:5060"
SHARED = {"customer": "acme", "number": "+4930123456", "user": "jdoe", "mode": "shared",
          "target": FAX_SERVER}
DEDICATED = {**SHARED, "mode": "dedicated", "target": TRUNK}
REMOVE_ARGS = {"customer": "acme", "number": "+4930123456"}


@pytest.fixture
def pbx():
    return FakePbx()


@pytest.fixture
def backends(pbx):
    return Backends(directory=None, mail=None, pbx=pbx)


def route(args):
    return {k: args[k] for k in ("number", "customer", "user", "mode", "target")}


def test_every_pbx_catalogue_step_is_implemented_with_undo():
    for key in (k for k in CATALOGUE if k.startswith("pbx.")):
        assert (REGISTRY[key].undo is not None) == CATALOGUE[key].undoable, key


@pytest.mark.parametrize("args", [SHARED, DEDICATED], ids=["shared", "dedicated"])
def test_add_makes_verify_true_and_undo_removes_what_it_added(args, pbx, backends):
    ctx = StepContext("req-1")
    assert not ADD.verify(backends, args, ctx)
    ADD.apply(backends, args, ctx)
    assert ADD.verify(backends, args, ctx)
    assert pbx.get_fax_route(args["number"]) == route(args)
    json.dumps(ctx.values)  # the journal stores the context as JSON
    ADD.undo(backends, args, ctx)
    assert pbx.routes == {}


def test_changing_a_mailboxs_mode_is_allowed_and_undo_restores_the_old_route(pbx, backends):
    pbx.add_fax_route("+4930123456", customer="acme", user="jdoe", mode="shared", target=FAX_SERVER)
    ctx = StepContext("req-2")
    ADD.apply(backends, DEDICATED, ctx)
    assert pbx.get_fax_route("+4930123456")["target"] == TRUNK
    ADD.undo(backends, DEDICATED, ctx)
    assert pbx.get_fax_route("+4930123456") == route(SHARED)


# a number that already routes elsewhere: (who owns it now) -> refused, nothing written (R15)
OTHER_OWNERS = [("acme", "mmuster"), ("globex", "jdoe")]


@pytest.mark.parametrize("customer,user", OTHER_OWNERS, ids=["other mailbox", "other customer"])
def test_a_number_routes_to_exactly_one_mailbox(customer, user, pbx, backends):
    pbx.add_fax_route("+4930123456", customer=customer, user=user, mode="shared", target=FAX_SERVER)
    writes = list(pbx.calls)
    with pytest.raises(PermanentBackendError, match="R15") as refused:
        ADD.apply(backends, SHARED, StepContext("req-3"))
    assert f"mailbox {user} of customer {customer}" in str(refused.value)
    assert pbx.calls == writes
    assert pbx.get_fax_route("+4930123456")["user"] == user


def test_undo_of_a_skipped_add_leaves_the_existing_route(pbx, backends):
    pbx.add_fax_route("+4930123456", customer="acme", user="jdoe", mode="shared", target=FAX_SERVER)
    ctx = StepContext("req-4")
    assert ADD.verify(backends, SHARED, ctx)   # the engine skips apply: no note
    ADD.undo(backends, SHARED, ctx)
    assert pbx.get_fax_route("+4930123456") == route(SHARED)


def test_remove_and_its_undo(pbx, backends):
    pbx.add_fax_route("+4930123456", customer="acme", user="jdoe", mode="shared", target=FAX_SERVER)
    ctx = StepContext("req-5")
    assert not REMOVE.verify(backends, REMOVE_ARGS, ctx)
    REMOVE.apply(backends, REMOVE_ARGS, ctx)
    assert REMOVE.verify(backends, REMOVE_ARGS, ctx)
    REMOVE.undo(backends, REMOVE_ARGS, ctx)
    assert pbx.get_fax_route("+4930123456") == route(SHARED)


def test_remove_refuses_another_customers_number(pbx, backends):
    pbx.add_fax_route("+4930123456", customer="globex", user="kim", mode="shared", target=FAX_SERVER)
    with pytest.raises(PermanentBackendError, match="globex"):
        REMOVE.apply(backends, REMOVE_ARGS, StepContext("req-6"))
    assert "+4930123456" in pbx.routes


def test_remove_of_an_absent_number_is_done_and_undo_adds_nothing(pbx, backends):
    ctx = StepContext("req-7")
    REMOVE.apply(backends, REMOVE_ARGS, ctx)
    REMOVE.undo(backends, REMOVE_ARGS, ctx)
    assert pbx.routes == {} and pbx.calls == []


@pytest.mark.parametrize("impl,args", [(ADD, SHARED), (REMOVE, REMOVE_ARGS)], ids=["add", "remove"])
def test_a_pbx_outage_is_retryable(impl, args, pbx, backends):
    pbx.down = True
    with pytest.raises(RetryableBackendError):
        impl.apply(backends, args, StepContext("req-8"))
