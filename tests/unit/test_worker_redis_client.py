"""The worker's Redis client retries a refused connection (a restart), never a timeout (a hung Redis)."""

from __future__ import annotations

import pytest
import redis
from cryptography.fernet import Fernet

from tobitbot.settings import Settings
from tobitbot.wiring import WORKER_REDIS_RETRIES, worker_redis_client


@pytest.fixture
def connection(monkeypatch):
    """One connection of the worker's client as its pool makes them, with backoff sleeps counted."""
    slept: list[float] = []
    monkeypatch.setattr("redis.retry.sleep", slept.append)
    settings = Settings(redis_url="redis://127.0.0.1:1/0", ad_url="ldaps://127.0.0.1", ad_user="u",
                        ad_password="p", ad_base_dn="DC=t", secrets_key=Fernet.generate_key().decode())
    return worker_redis_client(settings).connection_pool.make_connection(), slept


@pytest.mark.parametrize("error, tries", [
    (redis.exceptions.ConnectionError("Connection refused"), WORKER_REDIS_RETRIES + 1),
    (redis.exceptions.BusyLoadingError("Redis is loading the dataset in memory"), WORKER_REDIS_RETRIES + 1),
    # each try of a hung Redis waits socket_timeout, and a write that timed out may have been applied
    (redis.exceptions.TimeoutError("Timeout reading from socket"), 1),
])
def test_a_command_is_sent_again_only_while_redis_refuses_or_loads(connection, error, tries):
    conn, slept = connection
    sent = []

    def command():
        sent.append(1)
        raise error

    with pytest.raises(type(error)):
        conn.retry.call_with_retry(command, lambda _: None)
    assert len(sent) == tries
    assert sum(slept) < 60   # a restart is ridden out for well under a minute, then the worker waits
