"""Contract: health, authentication, errors as problem+json, the storage pool (R7, R21)."""

from __future__ import annotations

import pytest
import requests

from commands.errors import PermanentBackendError
from tests.contract.controls import fill_mailbox
from workers.tobit import TobitHttpClient


def test_health_names_the_version_and_whether_it_is_a_simulator(client, tobit_endpoint):
    health = client.health()
    assert health["status"] in ("ok", "degraded")
    assert health["version"]
    assert isinstance(health["simulator"], bool)
    if tobit_endpoint[0].startswith("http://"):
        # plain HTTP is allowed only for the simulator on loopback; production is TLS only
        assert health["simulator"] is True and "127.0.0.1" in tobit_endpoint[0]


@pytest.mark.parametrize("token", ["wrong-token", ""])
def test_a_wrong_token_is_refused_with_401(tobit_endpoint, token):
    base_url, _, ca_file = tobit_endpoint
    intruder = TobitHttpClient(base_url, token, ca_file=ca_file, retries=0)
    with pytest.raises(PermanentBackendError, match="HTTP 401"):
        intruder.get_pool()


def test_errors_are_rfc9457_problem_documents(tobit_endpoint):
    base_url, token, ca_file = tobit_endpoint
    verify = ca_file or True
    unauthorised = requests.get(base_url + "/v1/pool", timeout=5, verify=verify)
    missing = requests.get(base_url + "/v1/mailboxes/no-such-user-anywhere", timeout=5,
                           verify=verify, headers={"Authorization": f"Bearer {token}"})
    for response, status in ((unauthorised, 401), (missing, 404)):
        assert response.status_code == status
        assert response.headers["Content-Type"].startswith("application/problem+json")
        problem = response.json()
        assert {"type", "title", "status", "detail"} <= problem.keys()
        assert problem["status"] == status


def test_the_simulator_labels_every_response(client, tobit_endpoint, is_simulator):
    if not is_simulator:
        pytest.skip("only the simulator carries X-Tobit-Simulator")
    response = requests.get(tobit_endpoint[0] + "/v1/pool", timeout=5)
    assert response.headers["X-Tobit-Simulator"] == "true"


def test_the_pool_can_be_set_and_read(client):
    before = client.get_pool()
    client.set_pool(before["pool_mb"] + 1024)
    assert client.get_pool() == {"pool_mb": before["pool_mb"] + 1024, "used_mb": before["used_mb"]}
    client.set_pool(before["pool_mb"])
    assert client.get_pool()["pool_mb"] == before["pool_mb"]


def test_the_pool_cannot_shrink_below_what_is_used(client, new_user, is_simulator):
    if not is_simulator:
        pytest.skip("needs the simulator's fill-a-mailbox control")
    user = new_user("full")
    client.create_mailbox(user, "Pool Test", f"{user}@contract.example", idempotency_key=user)
    fill_mailbox(client, user, 2048)
    used = client.get_pool()["used_mb"]
    assert used >= 2048
    with pytest.raises(PermanentBackendError, match=r"HTTP 409.*\(R7\)"):
        client.set_pool(used - 1)
    fill_mailbox(client, user, 0)
