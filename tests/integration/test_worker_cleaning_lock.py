"""One worker at a time cleans a queue's registries: its lock names it, lasts while it cleans, and
only it releases it. Two cleaners at once both retried the same abandoned job.

Real Redis, real ProvisioningWorkers; RQ's registry cleanup itself is replaced by a stand-in that
records who cleaned while holding what, so that a cleaner can be made slow or made to lose its lock.
"""

from __future__ import annotations

import pytest
import redis
from rq.serializers import JSONSerializer

from tests.fixtures.worker import wait_until
from workers import cleaning_lock, rq_worker
from workers.rq_worker import ProvisioningWorker

pytestmark = pytest.mark.integration
QUEUE = "provisioning-cleaning-lock-test"
KEY = f"rq:clean_registries:{QUEUE}"


@pytest.fixture
def client(redis_url):
    return redis.Redis.from_url(redis_url)


def _worker(client: redis.Redis, name: str) -> ProvisioningWorker:
    worker = ProvisioningWorker([QUEUE], connection=client, serializer=JSONSerializer, name=name)
    worker.redis_settle_seconds = 0   # this test's Redis may have just started
    return worker


@pytest.fixture
def cleaned(monkeypatch):
    """The lock's value each time a worker ran RQ's cleanup, and a hook to run during it."""
    seen: list[bytes | None] = []
    during: list = []

    def stand_in(queue, exc_handlers):
        seen.append(queue.connection.get(KEY))
        if during:
            during.pop(0)()

    monkeypatch.setattr(rq_worker, "clean_registries", stand_in)
    return seen, during


def test_the_lock_names_its_cleaner_and_is_gone_once_it_is_done(client, cleaned):
    seen, _ = cleaned
    _worker(client, "w-first").clean_registries()
    assert seen == [b"w-first"]
    assert not client.exists(KEY)


def test_a_cleaner_whose_lock_lapsed_leaves_the_next_cleaners_lock_alone(client, cleaned):
    seen, during = cleaned
    # the first cleaner was slow, its lock ran out and the next cleaner took it
    during.append(lambda: client.set(KEY, "w-next", ex=30))
    _worker(client, "w-first").clean_registries()
    assert client.get(KEY) == b"w-next"   # it used to delete it, letting a third cleaner in


def _renewals(client: redis.Redis, count: int) -> bool:
    """Wait until the lock's lifetime was set back up `count` times (its TTL went up, not down)."""
    last, renewed = client.pttl(KEY), 0
    while renewed < count:
        now = wait_until(lambda: (ttl := client.pttl(KEY)) != last and [ttl], 30)[0]
        renewed += now > last
        last = now
    return True


def test_a_slow_cleaner_keeps_its_lock_past_its_lifetime_and_no_second_cleaner_starts(client, cleaned,
                                                                                      monkeypatch):
    seen, during = cleaned
    monkeypatch.setattr(rq_worker, "MAINTENANCE_LOCK_SECONDS", 2)
    second = _worker(client, "w-second")

    def slow_then_a_second_cleaner():
        # more renewals than fit in one lifetime: the lock would have lapsed without them
        assert _renewals(client, cleaning_lock.RENEWALS_PER_LIFETIME + 1)
        second.clean_registries()

    during.append(slow_then_a_second_cleaner)
    _worker(client, "w-first").clean_registries()
    assert seen == [b"w-first"]           # the second worker did not clean while the first did
    assert not client.exists(KEY)
