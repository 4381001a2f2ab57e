"""Contract: fax routes: each number to exactly one existing mailbox (R15)."""

from __future__ import annotations

import pytest

from commands.errors import PermanentBackendError


@pytest.fixture
def two_mailboxes(client, new_user):
    users = [new_user("fax"), new_user("fax")]
    for user in users:
        client.create_mailbox(user, "Fax Test", f"{user}@contract.example", idempotency_key=user)
    return users


def test_a_route_is_added_read_listed_and_removed(client, two_mailboxes, fax_number):
    user, number = two_mailboxes[0], fax_number()
    assert client.get_fax_route(number) is None
    client.add_fax_route(number, user)
    client.add_fax_route(number, user)  # again: the same route, no error
    assert client.get_fax_route(number) == {"number": number, "user": user}
    assert {"number": number, "user": user} in client.list_fax_routes()
    client.remove_fax_route(number)
    assert client.get_fax_route(number) is None
    client.remove_fax_route(number)  # gone is gone: no error


def test_several_numbers_may_reach_one_mailbox(client, two_mailboxes, fax_number):
    user, numbers = two_mailboxes[0], [fax_number(), fax_number()]
    for number in numbers:
        client.add_fax_route(number, user)
    assert all(client.get_fax_route(n)["user"] == user for n in numbers)


def test_a_number_routes_to_exactly_one_mailbox(client, two_mailboxes, fax_number):
    first, second = two_mailboxes
    number = fax_number()
    client.add_fax_route(number, first)
    with pytest.raises(PermanentBackendError, match=r"HTTP 409.*\(R15\)"):
        client.add_fax_route(number, second)
    assert client.get_fax_route(number)["user"] == first


def test_a_route_needs_an_existing_mailbox(client, run_id, fax_number):
    number = fax_number()
    with pytest.raises(PermanentBackendError, match="HTTP 422"):
        client.add_fax_route(number, f"ct-{run_id}-nobody")
    assert client.get_fax_route(number) is None


def test_a_mailbox_that_still_receives_fax_is_not_deleted(client, two_mailboxes, fax_number):
    user, number = two_mailboxes[0], fax_number()
    client.add_fax_route(number, user)
    client.archive_mailbox(user, "export", idempotency_key=f"fax-arch-{user}")
    with pytest.raises(PermanentBackendError, match=r"HTTP 409.*\(R15\)"):
        client.delete_mailbox(user)
    client.remove_fax_route(number)
    client.delete_mailbox(user)
    assert client.get_mailbox(user) is None
