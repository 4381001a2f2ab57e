"""What a job tells the world while it runs: events published by workers, posted by the bot.

Workers append `JobEvent`s to Redis streams (one bounded stream per job, plus the shared
OUTCOMES stream the bot consumes); this module only defines their shape and names.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

OUTCOMES_STREAM = "tobitbot:outcomes"
JOB_STREAM = "tobitbot:job:{request_id}:events"
SECRET_KEY = "tobitbot:secret:{request_id}:{name}"

# kinds, in the order a job produces them
STARTED = "started"            # the job began (or resumed after a crash / retry)
STEP_DONE = "step_done"        # a step was applied and verified
STEP_SKIPPED = "step_skipped"  # its effect was already there (re-run)
RETRYING = "retrying"          # transient backend failure, RQ will run the job again
SECRET_READY = "secret_ready"  # an encrypted one-time secret waits for the requester
SUCCEEDED = "succeeded"
FAILED = "failed"              # final: says which steps ran and which did not
UNDONE = "undone"              # completed steps were rolled back on request
REFUSED = "refused"            # final: the rules, checked again before step 1, forbid it now
FINAL = frozenset({SUCCEEDED, FAILED, UNDONE, REFUSED})


@dataclass(frozen=True)
class JobEvent:
    request_id: str
    kind: str
    step: int | None = None            # 1-based index of the step concerned
    total: int = 0
    summary: str = ""                  # the step's summary, or the outcome's
    elapsed_ms: int | None = None
    error: str | None = None           # message for people; never a secret, never a trace
    done: tuple[str, ...] = ()         # summaries of the steps completed so far
    pending: tuple[str, ...] = ()      # summaries of the steps not run
    undoable: bool = False             # FAILED: every completed step can be undone
    secret: str | None = None          # SECRET_READY: the secret's name ("password")
    attempt: int = 1
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> "JobEvent":
        data = json.loads(text)
        data["done"] = tuple(data.get("done", ()))
        data["pending"] = tuple(data.get("pending", ()))
        return cls(**data)
