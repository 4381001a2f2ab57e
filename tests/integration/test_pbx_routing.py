"""Fax calls through a real Kamailio: inbound routing (R15, R16) and outbound masking (R17).

Routes are set through the adapter under test (KamailioPbx); the calls are real SIP INVITEs
with a T.38 offer, and the assertions look at what arrived at each neighbour.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration

NUMBER = "+4930123456"
DESTINATION = "+4989555000"   # whom the customer faxes


def fax_server_target(neighbours, mailbox="jdoe"):
    host, port = neighbours.fax_server.address
    return f"sip:{mailbox}@{host}:{port}"


def trunk_target(neighbours):
    host, port = neighbours.trunk.address
    return f"sip:xcapi@{host}:{port}"


def add_shared(pbx, neighbours, number=NUMBER, customer="acme", user="jdoe"):
    pbx.add_fax_route(number, customer=customer, user=user, mode="shared",
                      target=fax_server_target(neighbours, user))


def send_fax(neighbours, kamailio, number=NUMBER, customer="acme", mailbox="jdoe", extra=()):
    """The fax server sends a fax for `mailbox` as `number` (the contract in README.md)."""
    headers = [("X-Tobit-Customer", customer), ("X-Tobit-Mailbox", mailbox),
               ("X-Tobit-Fax-Number", number), *extra]
    return neighbours.fax_server.invite(kamailio.sip_address, DESTINATION, headers=headers)


def test_an_unrouted_number_gets_404(kamailio, sip_neighbours):
    reply = sip_neighbours.caller.invite(kamailio.sip_address, NUMBER)
    assert reply.status == 404
    assert not any(peer.received for peer in (sip_neighbours.fax_server, sip_neighbours.trunk))


def test_a_shared_number_reaches_the_fax_server_for_its_mailbox(kamailio, kamailio_pbx, sip_neighbours):
    add_shared(kamailio_pbx, sip_neighbours)
    reply = sip_neighbours.caller.invite(kamailio.sip_address, NUMBER,
                                         headers=[("X-Tobit-Mailbox", "spoofed")])
    assert reply.status == 200
    arrived = sip_neighbours.fax_server.wait_for("INVITE")
    assert arrived.request_uri == fax_server_target(sip_neighbours)
    assert arrived.user_of("To") == NUMBER
    # the fax server learns whose fax it is from the PBX, never from the caller
    assert arrived.all("X-Tobit-Mailbox") == ["jdoe"]
    assert arrived.header("X-Tobit-Customer") == "acme"
    assert "m=image" in arrived.body and "t38" in arrived.body
    # the caller's ACK follows the recorded route to the fax server
    assert sip_neighbours.fax_server.wait_for("ACK").request_uri.startswith("sip:faxserver@")
    assert sip_neighbours.trunk.received == []


def test_a_dedicated_number_reaches_the_customers_trunk(kamailio, kamailio_pbx, sip_neighbours):
    kamailio_pbx.add_fax_route(NUMBER, customer="acme", user="jdoe", mode="dedicated",
                               target=trunk_target(sip_neighbours))
    assert sip_neighbours.caller.invite(kamailio.sip_address, NUMBER).status == 200
    arrived = sip_neighbours.trunk.wait_for("INVITE")
    assert arrived.request_uri == trunk_target(sip_neighbours)
    assert arrived.user_of("To") == NUMBER
    # our internal headers stay inside the provider
    assert not [n for n, _ in arrived.headers if n.lower().startswith("x-tobit-")]
    assert sip_neighbours.fax_server.received == []


def test_a_removed_number_gets_404_again(kamailio, kamailio_pbx, sip_neighbours):
    add_shared(kamailio_pbx, sip_neighbours)
    assert sip_neighbours.caller.invite(kamailio.sip_address, NUMBER).status == 200
    kamailio_pbx.remove_fax_route(NUMBER)
    assert sip_neighbours.caller.invite(kamailio.sip_address, NUMBER).status == 404
    assert len(sip_neighbours.fax_server.requests("INVITE")) == 1


def test_an_outgoing_shared_fax_leaves_masked_as_the_customers_number(kamailio, kamailio_pbx,
                                                                      sip_neighbours):
    add_shared(kamailio_pbx, sip_neighbours)
    reply = send_fax(sip_neighbours, kamailio,
                     extra=[("P-Asserted-Identity", "<sip:faxserver@provider.internal>")])
    assert reply.status == 200
    left = sip_neighbours.carrier.wait_for("INVITE")
    assert left.user_of("From") == NUMBER
    assert left.all("P-Asserted-Identity") == [f"<sip:{NUMBER}@127.0.0.1>"]
    assert left.user_of("To") == DESTINATION
    assert left.request_uri.startswith(f"sip:{DESTINATION}@")
    assert not [n for n, _ in left.headers if n.lower().startswith("x-tobit-")]
    # uac restores the fax server's own From on the way back, so its dialog still matches
    assert reply.user_of("From") == "faxserver"


# the fax server may only send as a shared number of exactly the mailbox it names
REFUSED_SENDS = [
    ("acme", "mmuster", NUMBER),          # another mailbox of the same customer
    ("globex", "jdoe", NUMBER),           # another customer
    ("acme", "jdoe", "+4930999999"),      # a number that is not routed at all
    ("acme", "jdoe", "not-a-number"),
]


@pytest.mark.parametrize("customer,mailbox,number", REFUSED_SENDS)
def test_the_fax_server_cannot_send_as_someone_elses_number(customer, mailbox, number, kamailio,
                                                            kamailio_pbx, sip_neighbours):
    add_shared(kamailio_pbx, sip_neighbours)
    reply = send_fax(sip_neighbours, kamailio, number=number, customer=customer, mailbox=mailbox)
    assert reply.status == 403
    assert sip_neighbours.carrier.received == []


def test_a_dedicated_number_is_not_masked_for_the_fax_server(kamailio, kamailio_pbx, sip_neighbours):
    # dedicated faxes leave through the customer's own PBX (R16), never through our carrier
    kamailio_pbx.add_fax_route(NUMBER, customer="acme", user="jdoe", mode="dedicated",
                               target=trunk_target(sip_neighbours))
    assert send_fax(sip_neighbours, kamailio).status == 403
    assert sip_neighbours.carrier.received == []


def test_only_the_fax_servers_address_gets_masking(kamailio, kamailio_pbx, sip_neighbours):
    add_shared(kamailio_pbx, sip_neighbours)
    headers = [("X-Tobit-Customer", "acme"), ("X-Tobit-Mailbox", "jdoe"),
               ("X-Tobit-Fax-Number", NUMBER)]
    # from anywhere else, the same INVITE is just a call to DESTINATION, which is not ours
    reply = sip_neighbours.caller.invite(kamailio.sip_address, DESTINATION, headers=headers)
    assert reply.status == 404
    assert sip_neighbours.carrier.received == []
