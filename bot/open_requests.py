"""One open request per person and command: the same change asked again while the first is
still being checked, queued, running or waiting for approval is answered with the first.

A person who saw no answer (Slack slow, a timeout) types the command again; each copy used to
become a request of its own, and an add-user a second account. The claim is decided in Redis in
one step (a script: set the key unless another open request holds it), so two identical
commands arriving together make one request. The key names the person and the command's
canonical text (`commands.render.command_text`: quoting, spacing and option order do not
matter); its value is the request id and when it was asked. A key whose request has ended
(succeeded, failed, undone, rejected, expired) is taken over by the next one.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from bot.approval_store import ApprovalStore
from bot.dispatch import POSTED, POSTING
from bot.request_store import REQUEST_TTL, RequestStore
from commands.events import FINAL, JOB_STREAM, JobEvent

OPEN_KEY = "tobitbot:open:{user}:{digest}"
CHECKING_SECONDS = 600        # from the door until the request is saved; a crash frees it then
OPEN_SECONDS = REQUEST_TTL    # once saved: its end frees it (see state), this only bounds it
DOOR_TIMEOUT_SECONDS = 1.0

# KEYS[1] the key; ARGV: the holder we saw ("" for none), our value, ttl. 1 = ours now, else
# the holder's value ("" if it vanished meanwhile).
_CLAIM = """
local cur = redis.call('GET', KEYS[1])
if (cur == false and ARGV[1] == '') or cur == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return 1
end
if cur == false then return '' end
return cur
"""
# only the holder may extend or free its claim: a late release must not free a newer request's
_IF_HOLDER = """
local cur = redis.call('GET', KEYS[1])
if cur == false or cur ~= ARGV[1] then return 0 end
if ARGV[2] == '' then return redis.call('DEL', KEYS[1]) end
return redis.call('EXPIRE', KEYS[1], ARGV[2])
"""


def door_client(client: redis.Redis) -> redis.Redis:
    """A client to the same Redis for checks made before Slack is answered: it fails within a
    second when Redis is down, where the default client backs off for up to 14 s (redis-py's
    retries) and Slack's three seconds have long passed. One immediate retry still rides over
    a connection that a Redis restart closed."""
    pool = client.connection_pool
    kwargs = {**pool.connection_kwargs, "socket_timeout": DOOR_TIMEOUT_SECONDS,
              "socket_connect_timeout": DOOR_TIMEOUT_SECONDS, "retry": Retry(NoBackoff(), 1)}
    return redis.Redis(connection_pool=redis.ConnectionPool(connection_class=pool.connection_class,
                                                            **kwargs))


@dataclass(frozen=True)
class EarlierRequest:
    request_id: str
    asked_at: float
    state: str     # "being checked", "being posted", "queued", "running", "waiting for approval"


class OpenRequests:
    def __init__(self, client: redis.Redis):
        self._redis = client
        self._claim = client.register_script(_CLAIM)
        self._if_holder = client.register_script(_IF_HOLDER)
        self._requests = RequestStore(client)
        self._approvals = ApprovalStore(client)

    def claim(self, user: str, command: str, request_id: str,
              asked_at: float) -> EarlierRequest | None:
        """None: `request_id` now holds this person's command; else the open request that does."""
        key, mine = _key(user, command), _value(request_id, asked_at)
        seen = ""
        for _ in range(8):   # each turn, an earlier holder was found ended or gone
            got = self._claim(keys=[key], args=[seen, mine, CHECKING_SECONDS])
            if got == 1:
                return None
            if not got:
                seen = ""
                continue
            held = json.loads(got)
            state = self.state(held["request"], held["at"])
            if state is not None:
                return EarlierRequest(held["request"], held["at"], state)
            seen = got.decode()
        raise redis.RedisError(f"could not decide whether {command!r} of {user} is open")

    def keep(self, user: str, command: str, request_id: str, asked_at: float) -> None:
        """The request is saved: its own state says from now on whether it is open."""
        self._if_holder(keys=[_key(user, command)], args=[_value(request_id, asked_at), OPEN_SECONDS])

    def release(self, user: str, command: str, request_id: str, asked_at: float) -> None:
        """It was refused or failed before it was saved: the same command may be asked again."""
        self._if_holder(keys=[_key(user, command)], args=[_value(request_id, asked_at), ""])

    def state(self, request_id: str, asked_at: float) -> str | None:
        """What an earlier request is doing, or None once it no longer runs or waits."""
        record = self._requests.get(request_id)
        if record is None:
            return "being checked"    # claimed at the door, not yet saved by the dispatcher
        if record.state in (POSTING, POSTED):   # shown in the channel next, then queued
            # a bot that died in between left it so for good: not a reason to refuse forever
            return "being posted" if time.time() - asked_at < CHECKING_SECONDS else None
        if record.state == "pending_approval":
            approval = self._approvals.get(request_id)
            waiting = approval is not None and approval.status == "pending" \
                and approval.expires_at > time.time()
            return "waiting for approval" if waiting else None
        if record.state != "queued":
            return None               # succeeded, failed, undone
        last = self._redis.xrevrange(JOB_STREAM.format(request_id=request_id), count=1)
        if not last:
            return "queued"
        event = JobEvent.from_json(last[0][1][b"event"])
        return None if event.kind in FINAL else "running"


def _key(user: str, command: str) -> str:
    return OPEN_KEY.format(user=user, digest=hashlib.sha256(command.encode()).hexdigest()[:32])


def _value(request_id: str, asked_at: float) -> str:
    return json.dumps({"request": request_id, "at": round(asked_at, 3)})
