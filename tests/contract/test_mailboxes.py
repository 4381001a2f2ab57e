"""Contract: mailboxes: create, ActiveSync (R11), signature (R12), archive before delete (R19)."""

from __future__ import annotations

import hashlib

import pytest

from commands.errors import PermanentBackendError
from tests.contract.controls import fill_mailbox


def create(client, user, **changes):
    fields = {"display_name": "Contract Test", "mail": f"{user}@contract.example", **changes}
    return client.create_mailbox(user, fields["display_name"], fields["mail"],
                                 idempotency_key=_key("create", user, *fields.values()))


def _key(*parts: str) -> str:
    return "ct-" + hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def test_a_new_mailbox_is_empty_with_activesync_on(client, new_user):
    user = new_user()
    box = create(client, user)
    assert box == {"user": user, "display_name": "Contract Test",
                   "mail": f"{user}@contract.example", "activesync": True, "signature": "",
                   "used_mb": 0, "archived": False, "archive_id": None, "archive_mode": None}
    assert client.get_mailbox(user) == box
    assert user in [b["user"] for b in client.list_mailboxes()]


def test_creating_again_changes_nothing_but_the_given_fields(client, new_user):
    user = new_user()
    create(client, user)
    client.set_signature(user, "Kept GmbH")
    again = create(client, user, display_name="Renamed")
    assert again["display_name"] == "Renamed" and again["signature"] == "Kept GmbH"
    assert [b["user"] for b in client.list_mailboxes()].count(user) == 1


def test_an_address_belongs_to_one_mailbox(client, new_user):
    first, second = new_user(), new_user()
    create(client, first)
    with pytest.raises(PermanentBackendError, match="HTTP 409"):
        create(client, second, mail=f"{first}@contract.example")


def test_activesync_and_signature_are_per_mailbox(client, new_user):
    user, other = new_user(), new_user()
    create(client, user)
    create(client, other)
    client.set_activesync(user, False)
    client.set_signature(user, "Acme GmbH, Sitz Berlin, AG Charlottenburg HRB 1, GF: J. Doe")
    box = client.get_mailbox(user)
    assert box["activesync"] is False and box["signature"].startswith("Acme GmbH")
    assert client.get_mailbox(other)["activesync"] is True
    client.set_activesync(user, True)
    assert client.get_mailbox(user)["activesync"] is True


def test_settings_on_a_missing_mailbox_are_refused(client, run_id):
    ghost = f"ct-{run_id}-ghost"
    assert client.get_mailbox(ghost) is None
    for change in (lambda: client.set_activesync(ghost, False),
                   lambda: client.set_signature(ghost, "x"),
                   lambda: client.archive_mailbox(ghost, "export", idempotency_key=ghost)):
        with pytest.raises(PermanentBackendError, match="HTTP 404"):
            change()


def test_delete_is_refused_until_archived_then_idempotent(client, new_user):
    user = new_user()
    create(client, user)
    with pytest.raises(PermanentBackendError, match=r"HTTP 409.*\(R19\)"):
        client.delete_mailbox(user)
    archive = client.archive_mailbox(user, "archive", idempotency_key=f"arch-{user}")
    assert archive["mode"] == "archive" and archive["user"] == user and archive["archive_id"]
    box = client.get_mailbox(user)
    assert (box["archived"], box["archive_id"], box["archive_mode"]) == (
        True, archive["archive_id"], "archive")
    client.delete_mailbox(user)
    assert client.get_mailbox(user) is None
    client.delete_mailbox(user)  # gone is gone: no error


def test_an_archive_with_the_same_key_happens_once(client, new_user):
    user = new_user()
    create(client, user)
    first = client.archive_mailbox(user, "export", idempotency_key=f"once-{user}")
    assert client.archive_mailbox(user, "export", idempotency_key=f"once-{user}") == first
    assert client.get_mailbox(user)["archive_id"] == first["archive_id"]
    other = client.archive_mailbox(user, "export", idempotency_key=f"twice-{user}")
    assert other["archive_id"] != first["archive_id"]


def test_a_key_reused_for_another_request_is_refused(client, new_user):
    user = new_user()
    create(client, user)
    client.archive_mailbox(user, "export", idempotency_key=f"reuse-{user}")
    with pytest.raises(PermanentBackendError, match="HTTP 422"):
        client.archive_mailbox(user, "archive", idempotency_key=f"reuse-{user}")


def test_the_archive_answer_is_replayed_after_the_mailbox_is_gone(client, new_user):
    user = new_user()
    create(client, user)
    first = client.archive_mailbox(user, "export", idempotency_key=f"replay-{user}")
    client.delete_mailbox(user)
    assert client.archive_mailbox(user, "export", idempotency_key=f"replay-{user}") == first


def test_the_pool_bounds_mail_and_new_mailboxes(client, new_user, is_simulator):
    if not is_simulator:
        pytest.skip("needs the simulator's fill-a-mailbox control")
    user, late = new_user(), new_user()
    create(client, user)
    pool = client.get_pool()
    room = pool["pool_mb"] - pool["used_mb"]
    with pytest.raises(PermanentBackendError, match=r"HTTP 409.*\(R7\)"):
        fill_mailbox(client, user, room + 1)
    fill_mailbox(client, user, room)  # one mailbox may use more than its share (R7)
    assert client.get_mailbox(user)["used_mb"] == room
    assert client.get_pool()["used_mb"] == pool["pool_mb"]
    with pytest.raises(PermanentBackendError, match=r"HTTP 409.*\(R7\)"):
        create(client, late)
    fill_mailbox(client, user, 0)
    create(client, late)
