"""The worker process's connections, built lazily by a factory that the composition root installs.

Nothing connects at import time. RQ forks a work horse per job; each process builds its own
runtime on first use (sockets must not be shared across a fork).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

import redis

from workers.secret_box import SecretBox
from workers.steps.base import Backends


@dataclass
class Runtime:
    redis: redis.Redis
    backends: Backends
    secrets: SecretBox


_factory: Callable[[], Runtime] | None = None
_runtime: tuple[int, Runtime] | None = None


def install(factory: Callable[[], Runtime]) -> None:
    global _factory, _runtime
    _factory, _runtime = factory, None


def current() -> Runtime:
    global _runtime
    if _factory is None:
        raise RuntimeError("no runtime installed: start workers with `tobitbot worker`")
    if _runtime is None or _runtime[0] != os.getpid():
        _runtime = (os.getpid(), _factory())
    return _runtime[1]
