"""Every Web API call the bot made, and the throttling and refusals a test asked for."""

from __future__ import annotations

import time
from typing import Callable

from tobitbot.slack_emulator.model import JSON, ApiCall
from tobitbot.slack_emulator.state import SharedState


class CallLog:
    def __init__(self, state: SharedState) -> None:
        self._state = state
        self._calls: list[ApiCall] = []
        self._limits: dict[str, list[int]] = {}  # method -> [calls left to refuse, retry_after]
        self._failures: list[list] = []          # [method, error, calls left, params filter]

    def record(self, method: str, params: JSON, status: int, ok: bool,
               error: str | None = None) -> None:
        with self._state.cond:
            self._calls.append(ApiCall(method=method, params=params, at=time.time(),
                                       status=status, ok=ok, error=error))
            self._state.changed()

    def calls(self, method: str | None = None) -> list[ApiCall]:
        with self._state.cond:
            return [call for call in self._calls if method is None or call.method == method]

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        with self._state.cond:
            self._limits[method] = [times, retry_after]

    def take_rate_limit(self, method: str) -> int | None:
        """Seconds the caller must wait if this call is to be refused, else None."""
        with self._state.cond:
            limit = self._limits.get(method)
            if not limit or limit[0] <= 0:
                return None
            limit[0] -= 1
            return limit[1]

    def fail(self, method: str, error: str, times: int = 1,
             match: Callable[[JSON], bool] | None = None) -> None:
        with self._state.cond:
            self._failures.append([method, error, times, match])

    def take_failure(self, method: str, params: JSON) -> str | None:
        """The error code this call is to be refused with, else None."""
        with self._state.cond:
            for failure in self._failures:
                name, error, left, match = failure
                if name == method and left > 0 and (match is None or match(params)):
                    failure[2] -= 1
                    return error
            return None
