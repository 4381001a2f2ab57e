"""A job's admission: its command's rules checked again on fresh state, under the lock they need.

Why, and which commands: commands/rules_recheck.py. The lock is redis-py's Lock, named for what
it holds (one customer's licences, every fax number), taken before the state is read and kept
until the step that consumes what the rule counted is done (`Held.step_done`), so the next
job's check sees it. Its token is the request id: a re-run of a request whose work horse died
holding the lock takes it over at once instead of waiting for it to expire.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import redis
from redis.exceptions import LockError, LockNotOwnedError
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
# outlives the re-check and the consuming step on a slow AD (each LDAP call may take 15 s, and
# creating an account makes about six); a holder that died frees it after this at the latest
LOCK_TIMEOUT_S = 300
LOCK_WAIT_S = LOCK_TIMEOUT_S + 30   # longer than the timeout: a dead holder's lock runs out first


@dataclass
class Held:
    """The lock a job holds from its re-check on, and the step after which it lets go."""

    lock: Lock | None = None
    until: str | None = None

    def step_done(self, key: str) -> None:
        if key == self.until:
            self.release()

    def release(self) -> None:
        if self.lock is None:
            return
        lock, self.lock = self.lock, None
        try:
            lock.release()
        except LockError:   # it ran out first: a check made meanwhile may not have seen this step
            log.warning("lock %s expired before its step was done (timeout %s s)", lock.name,
                        LOCK_TIMEOUT_S)


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
        held = Held(self._lock(hold.lock, request_id), hold.until)
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
        lock = self._redis.lock(LOCK_KEY.format(name=name), timeout=LOCK_TIMEOUT_S,
                                blocking_timeout=LOCK_WAIT_S, thread_local=False)
        token = request_id.encode()
        if self._redis.get(lock.name) == token:   # an earlier run of this request died holding it
            lock.local.token = token
            try:
                lock.reacquire()   # its full timeout again, from now
                return lock
            except LockNotOwnedError:   # it ran out just now: take it as anyone would
                lock.local.token = None
        if not lock.acquire(token=token):
            raise RetryableBackendError("redis", f"another request has held `{name}` for over "
                                                 f"{LOCK_WAIT_S} s")
        return lock
