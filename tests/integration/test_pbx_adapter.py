"""KamailioPbx against a real Kamailio: the Pbx port's contract, persistence and error mapping."""

from __future__ import annotations

import os
import signal
import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest

from commands.errors import PermanentBackendError, RetryableBackendError
from workers.pbx import KamailioPbx
from workers.steps import pbx as pbx_steps  # noqa: F401  (registers the steps)
from workers.steps.base import REGISTRY, Backends, StepContext

pytestmark = pytest.mark.integration

FAX_SERVER = "sip:jdoe@fax.provider.example:5060"
TRUNK = "sip:xcapi@pbx.acme.example;transport=udp"


def shared(number="+4930123456", customer="acme", user="jdoe"):
    return {"number": number, "customer": customer, "user": user, "mode": "shared",
            "target": FAX_SERVER}


def add(pbx, route):
    pbx.add_fax_route(route["number"], **{k: v for k, v in route.items() if k != "number"})


def test_add_get_list_remove(kamailio_pbx):
    route = shared()
    dedicated = {**shared("+4940111222", user="mmuster"), "mode": "dedicated", "target": TRUNK}
    assert kamailio_pbx.get_fax_route(route["number"]) is None
    add(kamailio_pbx, route)
    add(kamailio_pbx, route)   # again: same effect as once
    add(kamailio_pbx, dedicated)
    assert kamailio_pbx.get_fax_route(route["number"]) == route
    assert kamailio_pbx.list_fax_routes() == [route, dedicated]
    kamailio_pbx.remove_fax_route(route["number"])
    kamailio_pbx.remove_fax_route(route["number"])   # already gone is done
    assert kamailio_pbx.get_fax_route(route["number"]) is None
    assert kamailio_pbx.list_fax_routes() == [dedicated]


def test_the_same_mailbox_may_change_mode_and_target(kamailio_pbx):
    add(kamailio_pbx, shared())
    moved = {**shared(), "mode": "dedicated", "target": TRUNK}
    add(kamailio_pbx, moved)
    assert kamailio_pbx.get_fax_route("+4930123456") == moved


@pytest.mark.parametrize("owner", [shared(user="mmuster"), shared(customer="globex")],
                         ids=["other mailbox", "other customer"])
def test_one_number_cannot_route_to_two_mailboxes(kamailio_pbx, owner):
    add(kamailio_pbx, owner)
    with pytest.raises(PermanentBackendError, match=r"already routes to mailbox .*\(R15\)"):
        add(kamailio_pbx, shared())
    assert kamailio_pbx.get_fax_route("+4930123456") == owner


def test_racing_adds_of_one_number_leave_exactly_one_mailbox(kamailio, kamailio_pbx):
    users = [f"user{i}" for i in range(8)]

    def try_add(user):
        pbx = KamailioPbx(kamailio.rpc_url)   # own session per thread, like separate workers
        try:
            add(pbx, shared(user=user))
            return user
        except PermanentBackendError:
            return None
        finally:
            pbx.close()

    with ThreadPoolExecutor(len(users)) as pool:
        winners = [u for u in pool.map(try_add, users) if u]
    assert len(winners) == 1
    assert kamailio_pbx.get_fax_route("+4930123456")["user"] == winners[0]


# what the PBX refuses at its edge, so that nothing can break its SQL or its packed values
BAD_ROUTES = [
    {**shared(), "number": "4930123456"},
    {**shared(), "number": "+49 30 123456"},
    {**shared(), "mode": "both"},
    {**shared(), "customer": "acme'; DROP TABLE fax_routes; --"},
    {**shared(), "user": "j,doe"},
    {**shared(), "target": "http://example.com"},
    {**shared(), "target": 'sip:a@b",x'},
]


@pytest.mark.parametrize("route", BAD_ROUTES)
def test_bad_routes_are_refused_and_not_stored(kamailio, kamailio_pbx, route):
    with pytest.raises(PermanentBackendError):
        add(kamailio_pbx, route)
    assert kamailio_pbx.list_fax_routes() == []
    with sqlite3.connect(kamailio.db_path) as db:
        assert db.execute("SELECT count(*) FROM fax_routes").fetchone() == (0,)


def test_routes_survive_a_restart(kamailio, kamailio_pbx, sip_neighbours):
    kept, dropped = shared(), shared("+4940111222", user="mmuster")
    add(kamailio_pbx, kept)
    add(kamailio_pbx, dropped)
    kamailio_pbx.remove_fax_route(dropped["number"])
    kamailio.restart()
    assert kamailio_pbx.list_fax_routes() == [kept]
    # and it routes calls, not only answers RPCs
    host, port = sip_neighbours.fax_server.address
    add(kamailio_pbx, {**kept, "target": f"sip:jdoe@{host}:{port}"})
    kamailio.restart()
    assert sip_neighbours.caller.invite(kamailio.sip_address, kept["number"]).status == 200
    assert sip_neighbours.caller.invite(kamailio.sip_address, dropped["number"]).status == 404


def test_reload_picks_up_an_edited_route_table(kamailio, kamailio_pbx):
    with sqlite3.connect(kamailio.db_path) as db:
        db.execute("INSERT INTO fax_routes (number, customer, mailbox, mode, target) "
                   "VALUES ('+4930123456', 'acme', 'jdoe', 'shared', ?)", (FAX_SERVER,))
    db.close()
    assert kamailio_pbx.get_fax_route("+4930123456") is None
    kamailio_pbx.reload()
    assert kamailio_pbx.get_fax_route("+4930123456") == shared()


@pytest.mark.parametrize("call", [
    lambda pbx: pbx.get_fax_route("+4930123456"),
    lambda pbx: pbx.list_fax_routes(),
    lambda pbx: add(pbx, shared()),
    lambda pbx: pbx.remove_fax_route("+4930123456"),
], ids=["get", "list", "add", "remove"])
def test_a_pbx_that_is_down_is_a_retryable_error(kamailio, kamailio_pbx, call):
    kamailio.stop()
    with pytest.raises(RetryableBackendError, match="pbx: .*ConnectionError"):
        call(kamailio_pbx)


def test_a_wrong_url_is_a_permanent_error(kamailio):
    pbx = KamailioPbx(kamailio.rpc_url.replace("/RPC", "/elsewhere"))
    with pytest.raises(PermanentBackendError, match="HTTP 403"):
        pbx.list_fax_routes()
    pbx.close()


def test_the_steps_apply_verify_and_undo_on_the_real_pbx(kamailio_pbx):
    backends = Backends(directory=None, mail=None, pbx=kamailio_pbx)
    args, ctx = {**shared(), "target": TRUNK, "mode": "dedicated"}, StepContext("req-1")
    step = REGISTRY["pbx.add_fax_route"]
    assert not step.verify(backends, args, ctx)
    step.apply(backends, args, ctx)
    assert step.verify(backends, args, ctx)
    step.undo(backends, args, ctx)
    assert kamailio_pbx.get_fax_route(args["number"]) is None


def test_a_busy_route_table_is_retryable_and_routes_nothing_meanwhile(kamailio, kamailio_pbx):
    # another writer holds the SQLite file (an admin's sqlite3 shell, a backup)
    other = sqlite3.connect(kamailio.db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(RetryableBackendError, match="could not store the route"):
            add(kamailio_pbx, shared())
        # the file first, then memory: a route that is not stored does not route either
        assert kamailio_pbx.get_fax_route("+4930123456") is None
    finally:
        other.execute("ROLLBACK")
        other.close()
    add(kamailio_pbx, shared())   # the retry the job queue would make
    assert kamailio_pbx.get_fax_route("+4930123456") == shared()


def test_a_hung_pbx_is_a_retryable_timeout(kamailio):
    pbx = KamailioPbx(kamailio.rpc_url, timeout=0.3)
    os.killpg(kamailio.proc.pid, signal.SIGSTOP)   # accepts connections, answers nothing
    try:
        with pytest.raises(RetryableBackendError, match="Timeout"):
            pbx.get_fax_route("+4930123456")
    finally:
        os.killpg(kamailio.proc.pid, signal.SIGCONT)
        pbx.close()
