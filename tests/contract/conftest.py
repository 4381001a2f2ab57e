"""Contract tests of the Tobit provisioning API, through TobitHttpClient.

By default they run against the simulator, in-process. Before go-live, point them at the
provider's real endpoint of a test customer:

    .venv/bin/pytest tests/contract --tobit-url https://tobit.test-customer.example \
        --tobit-token "$TOBIT_TOKEN" [--tobit-ca-file ca.pem]

They create mailboxes with names unique to the run and remove them afterwards (exported first,
as the API demands), and put the pool back as they found it. Tests that need the simulator's
fill-a-mailbox control skip against a real endpoint.
"""

from __future__ import annotations

import itertools
import os
import uuid

import pytest

from workers.tobit import TobitHttpClient


def pytest_addoption(parser):
    group = parser.getgroup("tobit contract")
    group.addoption("--tobit-url", default=os.environ.get("TOBIT_CONTRACT_URL"),
                    help="base URL of a real provisioning endpoint (default: in-process simulator)")
    group.addoption("--tobit-token", default=os.environ.get("TOBIT_CONTRACT_TOKEN"),
                    help="its bearer token (default: $TOBIT_CONTRACT_TOKEN)")
    group.addoption("--tobit-ca-file", default=None, help="CA bundle for its TLS certificate")


def _option(config, name):
    try:
        return config.getoption(name)
    except ValueError:  # the option is registered only when pytest starts in tests/contract
        return None


@pytest.fixture(scope="session")
def tobit_endpoint(request):
    """(base_url, token, ca_file) of the endpoint under test."""
    url = _option(request.config, "--tobit-url")
    if url:
        token = _option(request.config, "--tobit-token")
        if not token:
            pytest.exit("--tobit-url needs --tobit-token (or $TOBIT_CONTRACT_TOKEN)", 2)
        return url.rstrip("/"), token, _option(request.config, "--tobit-ca-file")
    simulator = request.getfixturevalue("tobit_simulator")
    return simulator.url_for("contract"), simulator.token, None


@pytest.fixture(scope="session")
def run_id():
    return uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def client(tobit_endpoint):
    base_url, token, ca_file = tobit_endpoint
    tobit = TobitHttpClient(base_url, token, ca_file=ca_file)
    yield tobit
    tobit.close()


@pytest.fixture(scope="session")
def is_simulator(client):
    return client.health()["simulator"] is True


@pytest.fixture(scope="session", autouse=True)
def pool_with_room(client):
    """Make sure mailboxes can be created; put the pool back afterwards."""
    before = client.get_pool()
    client.set_pool(max(before["pool_mb"], before["used_mb"] + 50 * 1024))
    yield
    client.set_pool(max(before["pool_mb"], client.get_pool()["used_mb"]))


@pytest.fixture(scope="session")
def serial():
    return itertools.count()


@pytest.fixture
def new_user(client, run_id, serial):
    """Makes mailbox names unique to this run; removes their mailboxes and routes afterwards.

    Unique across the whole run, not just the test: a name used again would meet its
    predecessor's Idempotency-Keys and get the old answer replayed.
    """
    made: list[str] = []

    def make(label: str = "u") -> str:
        name = f"ct-{run_id}-{label}-{next(serial)}"
        made.append(name)
        return name

    yield make
    for route in client.list_fax_routes():
        if route["user"] in made:
            client.remove_fax_route(route["number"])
    for name in made:
        if client.get_mailbox(name) is not None:
            client.archive_mailbox(name, "export", idempotency_key=f"cleanup-{name}")
            client.delete_mailbox(name)


@pytest.fixture
def fax_number(run_id, serial):
    """Unique E.164 test numbers for this run (+49 30 99 ...)."""
    return lambda: f"+493099{int(run_id, 16) % 10**5:05d}{next(serial) % 1000:03d}"

