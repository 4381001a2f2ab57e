"""The sandbox seeds its demo customer on every start: a rerun must not undo what its user did."""

from __future__ import annotations

from tests.fakes.directory import FakeDirectory
from tests.fakes.mailserver import FakeMailServer
from tobitbot.demo_customer import seed_customer


def _seed(directory, mail, url="http://127.0.0.1:4001/acme", licences=10):
    seed_customer(directory, mail, "acme", display_name="Acme GmbH", tobit_url=url,
                  domain="acme.example", licences=licences)


def test_a_new_customer_gets_the_whole_contract_and_its_pool():
    directory, mail = FakeDirectory(), FakeMailServer(pool_mb=0)
    _seed(directory, mail)
    state = directory.customer("acme")
    assert state.base_service == "enterprise-desktop" and state.bookings.tobit_addon == 10
    assert state.bookings.fax_shared and state.legal.is_complete()
    assert state.tobit_url == "http://127.0.0.1:4001/acme"
    assert mail.pool_mb == 10 * 5120


def test_a_rerun_keeps_bookings_pool_and_legal_info_and_follows_the_new_tobit_url():
    directory, mail = FakeDirectory(), FakeMailServer(pool_mb=0)
    _seed(directory, mail)
    # what the sandbox's user did in between: more licences, fax cancelled, a new seat
    directory.set_contract("acme", "book:tobit-addon", "12")
    directory.set_contract("acme", "book:fax-shared", None)
    directory.set_contract("acme", "legal:seat", "Hamburg")
    mail.set_pool(12 * 5120)
    mail.calls.clear()

    _seed(directory, mail, url="http://127.0.0.1:4999/acme")

    state = directory.customer("acme")
    assert state.bookings.tobit_addon == 12 and not state.bookings.fax_shared
    assert state.legal.seat == "Hamburg"
    assert state.tobit_url == "http://127.0.0.1:4999/acme"
    assert mail.pool_mb == 12 * 5120 and mail.calls == []


def test_a_rerun_fills_in_missing_keys_that_are_not_bookings():
    directory, mail = FakeDirectory(), FakeMailServer(pool_mb=0)
    _seed(directory, mail)
    directory.set_contract("acme", "legal:register-number", None)
    _seed(directory, mail)
    assert directory.customer("acme").legal.register_number == "HRB 123456 B"


def test_a_seed_cut_short_is_finished_by_the_next_run():
    directory, mail = FakeDirectory(), FakeMailServer(pool_mb=0)
    directory.create_customer("acme", "Acme GmbH")
    directory.set_contract("acme", "mail-product", "tobit")   # the first run stopped here
    _seed(directory, mail)
    state = directory.customer("acme")
    assert state.bookings.tobit_addon == 10 and state.bookings.fax_shared
    assert state.legal.is_complete() and mail.pool_mb == 10 * 5120


def test_a_new_tobit_server_gets_the_pool_the_customer_has_booked():
    directory = FakeDirectory()
    _seed(directory, FakeMailServer(pool_mb=0))
    directory.set_contract("acme", "book:tobit-addon", "3")
    fresh = FakeMailServer(pool_mb=0)       # e.g. the Tobit simulator's state was removed
    _seed(directory, fresh)
    assert fresh.pool_mb == 3 * 5120
