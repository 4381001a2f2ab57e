"""The tobit.* step implementations against the hand-written FakeMailServer."""

from __future__ import annotations

import json

import pytest

from commands.errors import NotFound, PermanentBackendError
from commands.steps import CATALOGUE
from tests.fakes.mailserver import FakeMailServer, FakeMailServers
from workers.steps import tobit as tobit_steps
from workers.steps.base import REGISTRY, Backends, StepContext

TOBIT_KEYS = sorted(k for k in CATALOGUE if k.startswith("tobit."))
JANE = {"customer": "acme", "user": "jdoe", "display_name": "Jane Doe", "mail": "jane@acme.de"}


@pytest.fixture
def server():
    return FakeMailServer(pool_mb=5120)


@pytest.fixture
def backends(server):
    return Backends(directory=None, mail=FakeMailServers(acme=server), pbx=None)


def ctx(request_id="req-1"):
    return StepContext(request_id)


def with_jane(server):
    server.create_mailbox("jdoe", "Jane Doe", "jane@acme.de", idempotency_key="setup")
    return server


def test_every_tobit_catalogue_step_is_implemented_as_listed():
    for key in TOBIT_KEYS:
        impl = REGISTRY[key]
        assert (impl.undo is not None) == CATALOGUE[key].undoable, key
    assert REGISTRY["tobit.archive_mailbox"].recall is not None


# (step, args, prepare the server) -> after apply, verify holds
APPLY_CASES = [
    ("tobit.set_pool", {"customer": "acme", "pool_mb": 10240}, lambda s: s),
    ("tobit.create_mailbox", JANE, lambda s: s),
    ("tobit.set_activesync", {"customer": "acme", "user": "jdoe", "enabled": False}, with_jane),
    ("tobit.set_signature", {"customer": "acme", "user": "jdoe", "text": "Acme GmbH"}, with_jane),
    ("tobit.archive_mailbox", {"customer": "acme", "user": "jdoe", "mode": "export"}, with_jane),
    ("tobit.add_fax_route", {"customer": "acme", "number": "+4930123", "user": "jdoe"}, with_jane),
]


@pytest.mark.parametrize("key,args,prepare", APPLY_CASES, ids=[c[0] for c in APPLY_CASES])
def test_apply_makes_verify_true(key, args, prepare, server, backends):
    prepare(server)
    impl, c = REGISTRY[key], ctx()
    assert not impl.verify(backends, args, c)
    impl.apply(backends, args, c)
    assert impl.verify(backends, args, c)
    json.dumps(c.values)  # the journal stores the context as JSON


def test_delete_mailbox_after_archive_and_route_removal(server, backends):
    with_jane(server).add_fax_route("+4930123", "jdoe")
    args = {"customer": "acme", "user": "jdoe"}
    with pytest.raises(PermanentBackendError, match="R19"):
        REGISTRY["tobit.delete_mailbox"].apply(backends, args, ctx())
    REGISTRY["tobit.archive_mailbox"].apply(backends, {**args, "mode": "archive"}, ctx())
    with pytest.raises(PermanentBackendError, match="R15"):
        REGISTRY["tobit.delete_mailbox"].apply(backends, args, ctx())
    REGISTRY["tobit.remove_fax_route"].apply(backends, {"customer": "acme", "number": "+4930123"}, ctx())
    REGISTRY["tobit.delete_mailbox"].apply(backends, args, ctx())
    assert REGISTRY["tobit.delete_mailbox"].verify(backends, args, ctx())


def test_archive_rerun_after_delete_gets_the_same_archive_id(server, backends):
    with_jane(server)
    args, c = {"customer": "acme", "user": "jdoe", "mode": "export"}, ctx()
    impl = REGISTRY["tobit.archive_mailbox"]
    first = impl.apply(backends, args, c)
    server.delete_mailbox("jdoe")
    assert impl.verify(backends, args, c)  # the engine skips it on the re-run ...
    assert impl.recall(backends, args, c) == first  # ... and still hands on the archive_id
    assert impl.apply(backends, args, c) == first
    assert not impl.verify(backends, args, ctx("another-request"))
    assert [call for call in server.calls if call[0] == "archive_mailbox"] == [
        ("archive_mailbox", "jdoe", "export")]


def test_archive_in_another_mode_is_not_taken_as_done(server, backends):
    with_jane(server).archive_mailbox("jdoe", "archive", idempotency_key="earlier")
    args = {"customer": "acme", "user": "jdoe", "mode": "export"}
    assert not REGISTRY["tobit.archive_mailbox"].verify(backends, args, ctx())
    recalled = REGISTRY["tobit.archive_mailbox"].recall(
        backends, {**args, "mode": "archive"}, ctx())
    assert recalled == {"archive_id": server.mailboxes["jdoe"]["archive_id"]}


def test_create_mailbox_twice_in_one_request_creates_once(server, backends):
    c = ctx()
    REGISTRY["tobit.create_mailbox"].apply(backends, JANE, c)
    REGISTRY["tobit.create_mailbox"].apply(backends, JANE, c)
    assert [call for call in server.calls if call[0] == "create_mailbox"] == [
        ("create_mailbox", "jdoe")]


def test_idempotency_keys_depend_on_request_step_and_args():
    key = tobit_steps.idempotency_key
    base = key(ctx("r1"), "tobit.create_mailbox", JANE)
    assert base == key(ctx("r1"), "tobit.create_mailbox", dict(reversed(list(JANE.items()))))
    assert base != key(ctx("r2"), "tobit.create_mailbox", JANE)
    assert base != key(ctx("r1"), "tobit.archive_mailbox", JANE)
    assert base != key(ctx("r1"), "tobit.create_mailbox", {**JANE, "mail": "j@acme.de"})
    assert len(base) <= 128 and base.replace("-", "").isalnum()


# (step, args, prepare, what the server must look like again after undo)
UNDO_CASES = [
    ("tobit.set_pool", {"customer": "acme", "pool_mb": 20480}, lambda s: s,
     lambda s: s.pool_mb == 5120),
    ("tobit.set_activesync", {"customer": "acme", "user": "jdoe", "enabled": False}, with_jane,
     lambda s: s.mailboxes["jdoe"]["activesync"] is True),
    ("tobit.set_signature", {"customer": "acme", "user": "jdoe", "text": "new"},
     lambda s: (with_jane(s), s.set_signature("jdoe", "old")),
     lambda s: s.mailboxes["jdoe"]["signature"] == "old"),
    ("tobit.add_fax_route", {"customer": "acme", "number": "+4930123", "user": "jdoe"}, with_jane,
     lambda s: s.routes == {}),
    ("tobit.remove_fax_route", {"customer": "acme", "number": "+4930123"},
     lambda s: (with_jane(s), s.add_fax_route("+4930123", "jdoe")),
     lambda s: s.routes == {"+4930123": "jdoe"}),
    ("tobit.create_mailbox", JANE, lambda s: s, lambda s: s.mailboxes == {}),
]


@pytest.mark.parametrize("key,args,prepare,restored", UNDO_CASES, ids=[c[0] for c in UNDO_CASES])
def test_undo_restores_what_apply_changed(key, args, prepare, restored, server, backends):
    prepare(server)
    c = ctx()
    REGISTRY[key].apply(backends, args, c)
    REGISTRY[key].undo(backends, args, StepContext(c.request_id, json.loads(json.dumps(c.values))))
    assert restored(server)


def test_undoing_a_created_mailbox_exports_it_first(server, backends):
    REGISTRY["tobit.create_mailbox"].apply(backends, JANE, c := ctx())
    REGISTRY["tobit.create_mailbox"].undo(backends, JANE, c)
    assert [call[0] for call in server.calls][-2:] == ["archive_mailbox", "delete_mailbox"]
    assert ("archive_mailbox", "jdoe", "export") in server.calls


def test_undo_after_a_skip_leaves_what_was_there_before(server, backends):
    with_jane(server)
    c = ctx()  # the engine skipped apply: verify said the effect was already there
    assert REGISTRY["tobit.create_mailbox"].verify(backends, JANE, c)
    REGISTRY["tobit.create_mailbox"].undo(backends, JANE, c)
    assert "jdoe" in server.mailboxes


def test_a_customer_without_a_tobit_server_is_not_found(backends):
    with pytest.raises(NotFound, match="tobit_url"):
        REGISTRY["tobit.set_pool"].verify(backends, {"customer": "nobody", "pool_mb": 1}, ctx())


def test_a_full_pool_refuses_a_new_mailbox(server, backends):
    with_jane(server).mailboxes["jdoe"]["used_mb"] = 5120
    with pytest.raises(PermanentBackendError, match="R7"):
        REGISTRY["tobit.create_mailbox"].apply(
            backends, {**JANE, "user": "max", "mail": "max@acme.de"}, ctx())
