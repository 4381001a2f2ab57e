"""Every catalogue step on the real thing: Samba AD, the Tobit simulator, a real Kamailio.

One case per key of `commands.steps.CATALOGUE` (tests/unit/test_step_catalogue.py checks that
the table is complete): from a world where the step's effect is absent, `verify` says no,
`apply` makes it, `verify` says yes, and where the catalogue lists an undo, `undo` takes the
effect away again. Fax routes are also proved with real SIP INVITEs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import ldap3
import pytest

import workers.steps  # noqa: F401
from commands.steps import CATALOGUE
from tests.fixtures.samba import _tree_delete
from workers.ad import LdapDirectory
from workers.steps import load_all
from workers.steps.base import REGISTRY, Backends, StepContext
from workers.tobit import TobitServers

pytestmark = pytest.mark.integration

ACME = {"customer": "acme"}
JDOE = {**ACME, "user": "jdoe"}
NUMBER = "+4930555100"
NEWCO = "newco"


@dataclass
class World:
    backends: Backends
    samba: Any
    kamailio: Any = None
    neighbours: Any = None

    @property
    def ad(self):
        return self.backends.directory

    @property
    def tobit(self):
        return self.backends.mail.for_customer("acme")


def _mailbox(w: World) -> None:
    w.tobit.set_pool(2 * 5120)
    w.tobit.create_mailbox("jdoe", "Jane Doe", "jdoe@acme.example", idempotency_key="setup-jdoe")


def _fax_target(w: World) -> str:
    return w.neighbours.fax_server.uri


def _pbx_route(w: World) -> None:
    w.backends.pbx.add_fax_route(NUMBER, customer="acme", user="jdoe", mode="shared",
                                 target=_fax_target(w))


def _can_bind(w: World, out: dict[str, Any]) -> None:
    """The handed-out password is the account's: AD accepts it and demands a change (773)."""
    user = w.ad.find_user("acme", "jdoe")
    tls = ldap3.Tls(ca_certs_file=str(w.samba.ca_file), validate=2, valid_names=[w.samba.tls_name])
    conn = ldap3.Connection(ldap3.Server(w.samba.ldaps_url, use_ssl=True, tls=tls),
                            user["upn"], out["secret:password"])
    assert not conn.bind()
    assert "data 773" in conn.result["message"]


def _routes_to_fax_server(w: World, out: dict[str, Any]) -> None:
    assert w.neighbours.caller.invite(w.kamailio.sip_address, NUMBER).status == 200
    assert w.neighbours.fax_server.wait_for("INVITE").user_of("To") == NUMBER


def _not_routed(w: World, out: dict[str, Any]) -> None:
    assert w.neighbours.caller.invite(w.kamailio.sip_address, NUMBER).status == 404


@dataclass(frozen=True)
class Case:
    args: dict[str, Any] | Callable[[World], dict[str, Any]]
    setup: Callable[[World], None] = lambda w: None
    applied: Callable[[World, dict[str, Any]], None] = lambda w, out: None   # more proof
    undone: Callable[[World, dict[str, Any]], None] = lambda w, out: None
    absent_before: bool = True   # False: a reapply step, whose verify cannot see "not yet"
    pbx: bool = False


CASES: dict[str, Case] = {
    "ad.create_customer": Case({"customer": NEWCO, "display_name": "NewCo AG"}),
    "ad.set_contract": Case({**ACME, "key": "book:tobit-addon", "value": "12"}),
    "ad.add_domain": Case({**ACME, "domain": "acme-shop.example"}),
    "ad.remove_domain": Case({**ACME, "domain": "acme.example"}),
    "ad.create_user": Case({**ACME, "given_name": "Jörg", "surname": "Müller", "display_name":
                            "Jörg Müller", "email": None, "solo": False}),
    "ad.set_password": Case({**JDOE, "must_change": True}, applied=_can_bind, absent_before=False,
                            setup=lambda w: w.ad.set_enabled("acme", "jdoe", True)),
    "ad.enable_user": Case(JDOE),
    "ad.disable_user": Case(JDOE, setup=lambda w: w.ad.set_enabled("acme", "jdoe", True)),
    "ad.delete_user": Case(JDOE),
    "ad.add_to_group": Case({**JDOE, "group": "fax-users"}),
    "ad.remove_from_group": Case({**JDOE, "group": "fax-users"},
                                 setup=lambda w: w.ad.add_to_group("acme", "jdoe", "fax-users")),
    "ad.add_fax_number": Case({**JDOE, "number": NUMBER}),
    "ad.remove_fax_number": Case({**JDOE, "number": NUMBER},
                                 setup=lambda w: w.ad.add_fax_number("acme", "jdoe", NUMBER)),
    "tobit.set_pool": Case({**ACME, "pool_mb": 3 * 5120}),
    "tobit.create_mailbox": Case({**JDOE, "display_name": "Jane Doe", "mail": "jdoe@acme.example"},
                                 setup=lambda w: w.tobit.set_pool(5120)),
    "tobit.set_activesync": Case({**JDOE, "enabled": False}, setup=_mailbox),
    "tobit.set_signature": Case({**JDOE, "text": "Jane Doe\nACME GmbH, Berlin"}, setup=_mailbox),
    "tobit.archive_mailbox": Case({**JDOE, "mode": "export"}, setup=_mailbox,
                                  applied=lambda w, out: out["archive_id"]),
    "tobit.delete_mailbox": Case(JDOE, setup=lambda w: (
        _mailbox(w), w.tobit.archive_mailbox("jdoe", "archive", idempotency_key="setup-archive"))),
    "tobit.add_fax_route": Case({**ACME, "number": NUMBER, "user": "jdoe"}, setup=_mailbox),
    "tobit.remove_fax_route": Case({**ACME, "number": NUMBER}, setup=lambda w: (
        _mailbox(w), w.tobit.add_fax_route(NUMBER, "jdoe"))),
    "pbx.add_fax_route": Case(lambda w: {**JDOE, "number": NUMBER, "mode": "shared",
                                         "target": _fax_target(w)},
                              applied=_routes_to_fax_server, undone=_not_routed, pbx=True),
    "pbx.remove_fax_route": Case({**ACME, "number": NUMBER}, setup=_pbx_route,
                                 applied=_not_routed, undone=_routes_to_fax_server, pbx=True),
}


@pytest.fixture
def world(request, samba_dc, ad_settings, customer_ou, tobit_url, tobit_simulator):
    customer_ou("acme")
    conn = samba_dc.connect()
    _tree_delete(conn, f"OU={NEWCO},OU=Customers,{samba_dc.base_dn}")
    conn.unbind()
    directory = LdapDirectory(**ad_settings)
    directory.create_user("acme", given_name="Jane", surname="Doe", display_name="Jane Doe",
                          email=None, solo=False, marker="catalogue-setup")
    mail = TobitServers(tobit_simulator.token, {"acme": tobit_url}.get)
    case = CASES[request.param]
    pbx = kamailio = neighbours = None
    if case.pbx:
        kamailio = request.getfixturevalue("kamailio")
        pbx = request.getfixturevalue("kamailio_pbx")
        neighbours = request.getfixturevalue("sip_neighbours")
    yield World(Backends(directory, mail, pbx), samba_dc, kamailio, neighbours)
    conn = samba_dc.connect()
    _tree_delete(conn, f"OU={NEWCO},OU=Customers,{samba_dc.base_dn}")
    conn.unbind()


@pytest.mark.parametrize("world", sorted(CASES), indirect=True)
def test_the_step_applies_verifies_and_undoes_on_the_real_backend(world, request):
    load_all()
    key = request.node.callspec.params["world"]
    case, impl, spec = CASES[key], REGISTRY[key], CATALOGUE[key]
    case.setup(world)
    args = case.args(world) if callable(case.args) else dict(case.args)
    b, ctx = world.backends, StepContext(f"req-catalogue-{key}")
    if case.absent_before:
        assert not impl.verify(b, args, ctx), "effect already there before apply"
    out = impl.apply(b, args, ctx) or {}
    ctx.values.update({k: v for k, v in out.items() if not k.startswith("secret:")})
    assert impl.verify(b, args, ctx), "apply reported success, verify does not see it"
    case.applied(world, out)
    assert set(spec.outputs) <= {k for k in out if not k.startswith("secret:")} | {"password"}
    if spec.undoable:
        impl.undo(b, args, ctx)
        assert not impl.verify(b, args, ctx), "undo left the effect in place"
        case.undone(world, out)
