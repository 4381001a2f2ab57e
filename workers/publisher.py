"""Publishes job events to Redis streams: one bounded stream per job, one shared for the bot.

Each RQ job gives its request at most one outcome. A job can end without its own code saying
so (its work horse killed, its worker gone); the worker then publishes the outcome for it with
`publish_outcome_once`, which the job's own outcome, or an earlier report, makes a no-op.
"""

from __future__ import annotations

import redis

from commands.events import FINAL, JOB_STREAM, OUTCOMES_STREAM, JobEvent

JOB_STREAM_MAXLEN = 200
OUTCOMES_MAXLEN = 10_000
OUTCOME_KEY = "tobitbot:rq-job:{job_id}:outcome"   # set with the outcome of that RQ job
OUTCOME_TTL = 30 * 24 * 3600                       # RQ keeps failed jobs this long (failure_ttl)


class RedisPublisher:
    def __init__(self, client: redis.Redis, job_id: str | None = None):
        self._redis = client
        self._job_id = job_id

    def __call__(self, event: JobEvent) -> None:
        with self._redis.pipeline() as pipe:   # MULTI: the outcome and its mark, or neither
            self._add(pipe, event)
            pipe.execute()

    def publish_outcome_once(self, event: JobEvent) -> bool:
        """Publish `event` unless this job has an outcome already; say whether it was published."""
        key = OUTCOME_KEY.format(job_id=self._job_id)
        with self._redis.pipeline() as pipe:
            try:
                pipe.watch(key)
                if pipe.exists(key):
                    return False
                pipe.multi()
                self._add(pipe, event)
                pipe.execute()
            except redis.WatchError:   # another report got there first
                return False
        return True

    def _add(self, pipe, event: JobEvent) -> None:
        body = {"event": event.to_json()}
        pipe.xadd(JOB_STREAM.format(request_id=event.request_id), body,
                  maxlen=JOB_STREAM_MAXLEN, approximate=True)
        pipe.xadd(OUTCOMES_STREAM, body, maxlen=OUTCOMES_MAXLEN, approximate=True)
        if self._job_id is not None and event.kind in FINAL:
            pipe.set(OUTCOME_KEY.format(job_id=self._job_id), event.kind, ex=OUTCOME_TTL)
