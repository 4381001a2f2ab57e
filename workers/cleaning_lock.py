"""The lock that lets one worker at a time clean a queue's registries, held as long as its holder cleans.

Two cleaners at once both find the same abandoned job in the StartedJobRegistry and both retry it
(RQ's cleanup reads the expired entries, then files each), so its request ran twice. RQ's lock
holds `1` for 899 s and is deleted unconditionally: a worker killed while cleaning stalled every
recovery for 15 minutes, and with a shorter lifetime a slow cleaner (a Redis restart ridden out
mid-cleanup) outlived its lock, overlapped with the next cleaner and then deleted that one's lock.
Here the lock names its holder, a keeper thread renews it while the holder cleans, so only a dead
(or frozen) holder's lock runs out, and it is released only by its holder (compare-and-delete).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from rq.scripts import acquire_or_refresh_lock, release_lock

log = logging.getLogger(__name__)
RENEWALS_PER_LIFETIME = 3   # a renewal may be late by two thirds of the lifetime before it lapses


@contextmanager
def cleaning_lock(connection: redis.Redis, key: str, owner: str, seconds: int) -> Iterator[bool]:
    """True inside if `owner` holds `key` (for `seconds` past its last renewal); False if another does."""
    if not connection.set(key, owner, nx=True, ex=seconds):
        yield False
        return
    stop = threading.Event()
    keeper = threading.Thread(target=_keep, args=(connection, key, owner, seconds, stop),
                              name=f"keeper of {key}", daemon=True)
    keeper.start()
    try:
        yield True
    finally:
        stop.set()
        keeper.join()   # no thread left behind when the worker forks its next work horse
        release_lock(connection, key, owner)


def _keep(connection: redis.Redis, key: str, owner: str, seconds: int, stop: threading.Event) -> None:
    while not stop.wait(seconds / RENEWALS_PER_LIFETIME):
        try:
            if acquire_or_refresh_lock(connection, key, owner, seconds) == "taken":
                log.warning("%s: the lock %s lapsed and was taken by %s while cleaning",
                            owner, key, connection.get(key))
                return
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
            log.warning("%s: lock %s not renewed, Redis unreachable (%s)", owner, key, exc)
