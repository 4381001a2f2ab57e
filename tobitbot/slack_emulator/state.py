"""The one lock every part of the workspace shares, and waiting on its changes.

A single condition keeps it simple to reason about: every mutation happens under it and wakes
every waiter, so `wait_for` (tests) and `wait_for_change` (a browser page polling) never sleep
blindly.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, TypeVar

T = TypeVar("T")


class SlackError(Exception):
    """A refusal with one of Slack's own error codes (`channel_not_found`), shown as is."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class SharedState:
    """The lock, a change counter and the condition waiters block on."""

    def __init__(self) -> None:
        self.cond = threading.Condition(threading.RLock())
        self.version = 0

    def changed(self) -> None:
        """Call with `cond` held, after a mutation."""
        self.version += 1
        self.cond.notify_all()

    def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """Block until `predicate()` is truthy and return its value; TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                value = predicate()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"condition not met after {timeout:.1f}s")
                self.cond.wait(remaining)

    def wait_for_change(self, since: int, timeout: float) -> int:
        """Block until the workspace changed after version `since`; return the new version."""
        with self.cond:
            self.cond.wait_for(lambda: self.version > since, timeout)
            return self.version
