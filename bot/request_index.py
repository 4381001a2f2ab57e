"""Which requests were asked recently: sorted sets of request ids by the time they were asked.

One set for all requests, one per customer and one per requester, so `jobs`, `jobs acme` and
`jobs mine` each read one set. A request is indexed when it is first saved (`NX` keeps the
first time on every later save); ids older than the records' lifetime are trimmed on write.
"""

from __future__ import annotations

import time

import redis

ALL_KEY = "tobitbot:requests:recent"
CUSTOMER_KEY = "tobitbot:requests:customer:{customer}"
USER_KEY = "tobitbot:requests:user:{user}"


def index_request(pipe: redis.client.Pipeline, request_id: str, customer: str | None,
                  requester: str, keep_seconds: int) -> None:
    """Queue the index writes for one saved request on `pipe` (the save's own pipeline)."""
    now = time.time()
    keys = [ALL_KEY, USER_KEY.format(user=requester)]
    if customer:
        keys.append(CUSTOMER_KEY.format(customer=customer))
    for key in keys:
        pipe.zadd(key, {request_id: now}, nx=True)
        pipe.zremrangebyscore(key, "-inf", now - keep_seconds)
        pipe.expire(key, keep_seconds)


def recent_ids(client: redis.Redis, *, customer: str | None = None, requester: str | None = None,
               scan: int = 500) -> list[tuple[str, float]]:
    """(request id, asked at), newest first, at most `scan`; the caller filters what the person
    may see and cuts to the limit they asked for."""
    key = (CUSTOMER_KEY.format(customer=customer) if customer
           else USER_KEY.format(user=requester) if requester else ALL_KEY)
    rows = [(rid.decode(), score) for rid, score in client.zrevrange(key, 0, scan - 1, withscores=True)]
    if customer and requester and rows:
        mine = client.zmscore(USER_KEY.format(user=requester), [rid for rid, _ in rows])
        rows = [row for row, score in zip(rows, mine) if score is not None]
    return rows


def asked_at(client: redis.Redis, request_id: str) -> float | None:
    return client.zscore(ALL_KEY, request_id)
