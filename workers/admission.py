"""A job's admission: its command's rules checked again on fresh state, under the lock they need.

Why, and which commands: commands/rules_recheck.py. The lock is redis-py's Lock, named for what
it holds (one customer's licences, every fax number), taken before the state is read and kept
until the step that consumes what the rule counted is done (`Held.step_done`), so the next
job's check sees it.

The lock belongs to one run of a job, not to its request: each run takes it with a token of its
own, so two live runs of one request (a worker cut off from Redis looks dead after 10 s and its
job is run again) never both hold it. It lives LOCK_TTL_S and the run renews it while it lives
(a thread, as RQ's horse monitor does the job's heartbeat); a run that died lets go within the
TTL, whether it died before its consuming step or after it (a resumed run is not admitted again
and never sees the lock). A re-run after a crash waits that out like any other job; its own
account counts as its own in the re-check (commands/rules_recheck.py).
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, field

import redis
from redis.exceptions import LockError, RedisError
from redis.lock import Lock

from commands import model
from commands.contract import FaxHolder
from commands.errors import RetryableBackendError
from commands.parser import parse
from commands.plan import Plan
from commands.rules_lookup import canonical_number, fax_holders
from commands.rules_recheck import hold_for, recheck
from workers.steps.base import Backends

log = logging.getLogger(__name__)

LOCK_KEY = "tobitbot:lock:{name}"
# short, so that a dead run's lock frees itself soon; a live run renews it every RENEW_EVERY_S,
# which leaves two renewals' room for a slow or briefly unreachable Redis
LOCK_TTL_S = 15
RENEW_EVERY_S = LOCK_TTL_S / 3
# longer than the TTL, so a dead run's lock runs out first; a live holder busy longer than this
# (a slow AD) makes the job retry later rather than block a worker
LOCK_WAIT_S = 2 * LOCK_TTL_S


@dataclass
class Held:
    """The lock a run holds from its re-check on, and the step after which it lets go."""

    lock: Lock | None = None
    until: str | None = None
    _stopped: threading.Event = field(default_factory=threading.Event, repr=False)

    def keep_alive(self) -> "Held":
        """Renew the lock in the background until it is released (or found lost)."""
        if self.lock is not None:
            threading.Thread(target=self._renew_until_released, args=(self.lock,), daemon=True,
                             name=f"renew {self.lock.name}").start()
        return self

    def renew(self) -> None:
        """Make sure the lock is still this run's, for a full TTL, before a step it guards.

        Raises RetryableBackendError when it is not: another run may have checked meanwhile,
        and the step must wait for a run that holds the lock again.
        """
        if self.lock is None:
            return
        try:
            self.lock.reacquire()
        except LockError as exc:
            raise RetryableBackendError("redis", f"the lock `{self.lock.name}` ran out before "
                                                 "its step (Redis unreachable too long?)") from exc
        except RedisError as exc:
            raise RetryableBackendError("redis", f"cannot renew `{self.lock.name}`: {exc}") from exc

    def step_done(self, key: str) -> None:
        if key == self.until:
            self.release()

    def release(self) -> None:
        """Let go; never raises: a lock that cannot be deleted runs out within its TTL."""
        self._stopped.set()
        if self.lock is None:
            return
        lock, self.lock = self.lock, None
        try:
            lock.release()
        except LockError:   # it ran out first: a check made meanwhile may not have seen this step
            log.warning("lock %s expired before its step was done (TTL %s s)", lock.name, LOCK_TTL_S)
        except RedisError as exc:   # the step's own outcome (or error) matters more
            log.warning("cannot release lock %s, it runs out within %s s: %s", lock.name,
                        LOCK_TTL_S, exc)

    def _renew_until_released(self, lock: Lock) -> None:
        while not self._stopped.wait(RENEW_EVERY_S):
            try:
                lock.reacquire()
            except LockError:   # released meanwhile, or ran out: `renew` stops the next step
                if not self._stopped.is_set():
                    log.warning("lock %s ran out while held; renewing stopped", lock.name)
                return
            except RedisError as exc:   # the next tick tries again, within the TTL
                log.warning("cannot renew lock %s: %s", lock.name, exc)


class Admission:
    def __init__(self, client: redis.Redis, backends: Backends):
        self._redis = client
        self._backends = backends

    def admit(self, request_id: str, plan: Plan) -> Held:
        """Check `plan`'s command again and hold what it consumes; release the Held when done.

        Raises UserError (RuleViolation, NotFound) when the rules forbid it now, and
        BackendError when the state cannot be read or the lock not had.
        """
        if not plan.checks:   # hand-made plans (tests, tools) passed no rules to pass again
            return Held()
        cmd = parse(plan.command)
        hold = hold_for(cmd)
        if hold is None:
            return Held()
        held = Held(self._lock(hold.lock, request_id), hold.until).keep_alive()
        try:
            state = self._backends.directory.customer(cmd.customer)
            recheck(cmd, state, request_id, self._fax_holders(cmd))
        except BaseException:
            held.release()
            raise
        return held

    def _fax_holders(self, cmd: model.Command) -> tuple[FaxHolder, ...]:
        """AD's holders of the number, as at the door, and the PBX's: a route left by hand or by
        a half-removed number reaches a mailbox just the same."""
        holders = fax_holders(self._backends.directory, cmd)
        if not isinstance(cmd, model.EnableFax):
            return holders
        number = canonical_number(cmd.number)
        routes = tuple(FaxHolder(r["number"], r["customer"], r["user"], where="PBX")
                       for r in self._backends.pbx.list_fax_routes()
                       if canonical_number(r["number"]) == number)
        return holders + routes

    def _lock(self, name: str, request_id: str) -> Lock:
        lock = self._redis.lock(LOCK_KEY.format(name=name), timeout=LOCK_TTL_S,
                                blocking_timeout=LOCK_WAIT_S, thread_local=False)
        # this run's own token; the request id in it tells who holds the lock
        token = f"{request_id}/{uuid.uuid4().hex}"
        try:
            taken = lock.acquire(token=token)
        except RedisError as exc:   # Redis down or slow: another run may well get it later
            raise RetryableBackendError("redis", f"cannot take `{name}`: {exc}") from exc
        if not taken:
            raise RetryableBackendError("redis", f"another request (or another run of this one) "
                                                 f"has held `{name}` for over {LOCK_WAIT_S} s")
        return lock
