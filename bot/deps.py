"""What the Slack handlers need, built once by the composition root (tobitbot/wiring.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import redis
from rq import Queue

from bot.audit import AuditLog
from bot.request_store import RequestStore
from bot.secret_inbox import SecretInbox
from commands.contract import ContractReader
from commands.policy import Policy


@dataclass(frozen=True)
class BotConfig:
    fax_server_uri: str = "sip:fax@127.0.0.1:5080"
    audit_channel: str | None = None
    support_channel: str | None = None   # where the add-user modal posts (default: the policy's)
    job_retries: int = 3
    retry_intervals: tuple[int, ...] = (5, 30, 120)
    job_timeout: int = 600


@dataclass
class BotDeps:
    redis: redis.Redis
    reader: ContractReader
    policy: Callable[[], Policy]          # the policy in force (reloadable)
    queue: Queue
    secrets: SecretInbox
    config: BotConfig = field(default_factory=BotConfig)
    requests: RequestStore = field(init=False)
    audit: AuditLog = field(init=False)

    def __post_init__(self) -> None:
        self.requests = RequestStore(self.redis)
        self.audit = AuditLog(self.redis)
