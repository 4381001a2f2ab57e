"""The RQ scheduler of a provisioning worker: it dies with its worker, and a dead one's lock is taken over.

RQ moves a job that waits for its retry interval (the ScheduledJobRegistry) back onto its queue
only in the scheduler holding the queue's lock, `rq:scheduler-lock:<queue>`. The lock lives 61 s
past its last renewal, so after its holder died every retry of the queue waited up to a minute,
the requeued run of a crashed worker's job included. Two causes, two fixes:

- RQ forks the scheduler as a child of the worker; a SIGKILL of the worker alone left it running
  under init, renewing the lock for a worker that no longer existed. It now gets SIGTERM when its
  worker dies (the parent-death signal, as the work horse) and stops as RQ stops it: it releases
  the lock, and another worker's scheduler takes it at that worker's next maintenance.
- A holder can die without releasing (the whole machine, a SIGKILL of the scheduler itself, Redis
  down as it stops). A live scheduler renews its heartbeat every second; a worker whose own
  scheduler is not running watches the holder's heartbeat and, when it has not moved for
  SCHEDULER_DEAD_SECONDS of the watcher's own clock (no clock comparison between machines),
  releases the lock with RQ's owner-checked release, then takes it. A holder that was only frozen
  finds the lock taken at its next heartbeat and drops it (RQ does that); at worst it moves one
  batch of due jobs once more, and the journal keeps steps from running twice.

We did not shorten the lock's TTL: RQ computes it as `interval + 60` in three places, and
overriding them all would copy its lock code. Requeueing an abandoned job at once would bypass the
scheduler only for crashes, not for retries of backend faults that a dead holder delays as much.
"""

from __future__ import annotations

import logging
import signal
import time

import redis
from rq.scheduler import SCHEDULER_KEY_TEMPLATE, RQScheduler
from rq.scripts import release_lock

from workers.parent_death import death_signal_setter

log = logging.getLogger(__name__)

SCHEDULER_DEAD_SECONDS = 5   # a holder's 1 s heartbeat standing still this long counts as dead


class ProvisioningScheduler(RQScheduler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._still: dict[str, tuple[bytes, bytes | None, float]] = {}   # queue -> holder, beat, since
        self._die_with_worker = None
        self.clock = time.monotonic   # the watcher's own clock (a test's runs faster)

    def start(self):
        # start() runs in the worker, work() in the forked child; SIGTERM, not SIGKILL: RQ's
        # handler stops the scheduler after releasing its lock
        self._die_with_worker = death_signal_setter(signal.SIGTERM)
        return super().start()

    def work(self):
        if self._die_with_worker is not None:
            self._die_with_worker()
        super().work()

    def release_dead_holders(self, connection: redis.Redis) -> list[str]:
        """Release each of our queues' locks whose holder's heartbeat stood still too long."""
        released = []
        for queue in sorted(self._queue_names):
            key = self.get_locking_key(queue)
            holder = connection.get(key)
            if holder is None or holder.decode() == self.name:
                self._still.pop(queue, None)
                continue
            beat = connection.hget(SCHEDULER_KEY_TEMPLATE % holder.decode(), "last_heartbeat")
            seen = self._still.get(queue)
            if seen is None or seen[:2] != (holder, beat):
                self._still[queue] = (holder, beat, self.clock())
            elif self.clock() - seen[2] >= SCHEDULER_DEAD_SECONDS:
                del self._still[queue]
                if release_lock(connection, key, holder.decode()):
                    log.warning("scheduler %s of queue %s stopped renewing its lock; taking it over",
                                holder.decode(), queue)
                    released.append(queue)
        return released
