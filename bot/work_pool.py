"""The bot's own threads for the work that follows Slack's answer (Web API calls, AD reads).

Bolt runs every listener on a pool of five threads and makes each request's `ack()` wait for
one of them. A Web API call may sleep out a 429's Retry-After or a slow Slack, so a listener
that posts before returning holds a thread for seconds, and the next command's ack waits past
Slack's three seconds: Slack shows "didn't respond" although the command then runs. So listeners
only answer Slack and hand the rest to this pool; its backlog is bounded, and a full pool says
so at once (the caller tells the person to try again) instead of queueing without end.
"""

from __future__ import annotations

import inspect
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

log = logging.getLogger(__name__)
THREADS = 16        # Web API calls wait on the network, not the CPU
BACKLOG = 400       # waiting and running together; beyond it a request is refused, not queued


class WorkPool:
    def __init__(self, threads: int = THREADS, backlog: int = BACKLOG):
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="tobitbot-work")
        self._slots = threading.BoundedSemaphore(backlog)

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
        """Run `fn(*args, **kwargs)` on the pool; False (and nothing runs) when it is full."""
        if not self._slots.acquire(blocking=False):
            log.error("work pool full: %s refused", getattr(fn, "__qualname__", fn))
            return False
        try:
            self._executor.submit(self._run, fn, args, kwargs)
        except RuntimeError:   # shut down
            self._slots.release()
            return False
        return True

    def _run(self, fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
        try:
            fn(*args, **kwargs)
        except Exception:   # the executor would keep it in a future nobody reads
            log.exception("background work %s failed", getattr(fn, "__qualname__", fn))
        finally:
            self._slots.release()


def already_answered(*args: Any, **kwargs: Any) -> None:
    """The `ack` a handler gets on the work pool: Slack has had its answer."""


def answered_first(pool: WorkPool, handler: Callable[..., None]) -> Callable[..., None]:
    """A Bolt listener that answers Slack at once and leaves `handler` to the work pool, with
    the arguments it names (of ack, body, client, event, action, view)."""
    wanted = list(inspect.signature(handler).parameters)

    def listener(ack, body, client, event, action, view) -> None:
        ack()
        given = {"ack": already_answered, "body": body, "client": client, "event": event,
                 "action": action, "view": view}
        pool.submit(handler, **{name: given[name] for name in wanted})

    return listener
