"""The tobit.* steps through TobitServers against the simulator: a user's whole life."""

from __future__ import annotations

import workers.steps.tobit  # noqa: F401  (registers the tobit.* steps)
from workers.steps.base import REGISTRY, Backends, StepContext
from workers.tobit import TobitServers


def run(backends, ctx, key, **args):
    """What the engine does: skip when verified, else apply and verify."""
    impl = REGISTRY[key]
    if impl.verify(backends, args, ctx):
        return impl.recall(backends, args, ctx) if impl.recall else {}
    outputs = impl.apply(backends, args, ctx) or {}
    assert impl.verify(backends, args, ctx), key
    return outputs


def test_a_user_is_provisioned_and_removed_without_losing_mail(tobit_simulator, tobit_url):
    servers = TobitServers(tobit_simulator.token, {"acme": tobit_url}.get)
    backends = Backends(directory=None, mail=servers, pbx=None)
    ctx = StepContext("req-42")
    acme = {"customer": "acme"}
    for _ in range(2):  # a re-run of the whole job changes nothing
        run(backends, ctx, "tobit.set_pool", **acme, pool_mb=2 * 5120)
        run(backends, ctx, "tobit.create_mailbox", **acme, user="jdoe", display_name="Jane Doe",
            mail="jane@acme.de")
        run(backends, ctx, "tobit.set_activesync", **acme, user="jdoe", enabled=False)
        run(backends, ctx, "tobit.set_signature", **acme, user="jdoe", text="Acme GmbH, Berlin")
        run(backends, ctx, "tobit.add_fax_route", **acme, number="+4930123456", user="jdoe")
    server = servers.for_customer("acme")
    box = server.get_mailbox("jdoe")
    assert (box["activesync"], box["signature"]) == (False, "Acme GmbH, Berlin")
    assert [b["user"] for b in server.list_mailboxes()] == ["jdoe"]

    removal = StepContext("req-43")
    archive_ids = set()
    for _ in range(2):
        run(backends, removal, "tobit.remove_fax_route", **acme, number="+4930123456")
        archive_ids.add(run(backends, removal, "tobit.archive_mailbox", **acme, user="jdoe",
                            mode="export")["archive_id"])
        run(backends, removal, "tobit.delete_mailbox", **acme, user="jdoe")
    assert len(archive_ids) == 1
    assert server.list_mailboxes() == [] and server.list_fax_routes() == []


def test_undoing_a_new_user_exports_then_removes_the_mailbox(tobit_simulator, tobit_url):
    servers = TobitServers(tobit_simulator.token, {"acme": tobit_url}.get)
    backends = Backends(directory=None, mail=servers, pbx=None)
    ctx, args = StepContext("req-7"), {"customer": "acme", "pool_mb": 5120}
    mailbox = {"customer": "acme", "user": "max", "display_name": "Max", "mail": "max@acme.de"}
    run(backends, ctx, "tobit.set_pool", **args)
    run(backends, ctx, "tobit.create_mailbox", **mailbox)
    REGISTRY["tobit.create_mailbox"].undo(backends, mailbox, ctx)
    REGISTRY["tobit.set_pool"].undo(backends, args, ctx)
    server = servers.for_customer("acme")
    assert server.get_mailbox("max") is None
    assert server.get_pool()["pool_mb"] == 0
