"""Publishes job events to Redis streams: one bounded stream per job, one shared for the bot."""

from __future__ import annotations

import redis

from commands.events import JOB_STREAM, OUTCOMES_STREAM, JobEvent

JOB_STREAM_MAXLEN = 200
OUTCOMES_MAXLEN = 10_000


class RedisPublisher:
    def __init__(self, client: redis.Redis):
        self._redis = client

    def __call__(self, event: JobEvent) -> None:
        body = {"event": event.to_json()}
        with self._redis.pipeline() as pipe:
            pipe.xadd(JOB_STREAM.format(request_id=event.request_id), body,
                      maxlen=JOB_STREAM_MAXLEN, approximate=True)
            pipe.xadd(OUTCOMES_STREAM, body, maxlen=OUTCOMES_MAXLEN, approximate=True)
            pipe.execute()
