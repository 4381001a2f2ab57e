"""Every Web API call the bot made, and the throttling and refusals a test asked for."""

from __future__ import annotations

import time
from fnmatch import fnmatchcase
from typing import Callable

from tobitbot.slack_emulator.model import JSON, ApiCall
from tobitbot.slack_emulator.state import SharedState


class CallLog:
    def __init__(self, state: SharedState) -> None:
        self._state = state
        self._calls: list[ApiCall] = []
        self._limits: dict[str, list[int]] = {}  # method pattern -> [calls left, retry_after]
        self._failures: list[list] = []          # [method, error, calls left, params filter]
        self._delays: dict[str, float] = {}      # method pattern -> seconds before answering

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
        """`method` may be a pattern (`chat.*`): its calls share the `times`."""
        with self._state.cond:
            self._limits[method] = [times, retry_after]

    def take_rate_limit(self, method: str) -> int | None:
        """Seconds the caller must wait if this call is to be refused, else None."""
        with self._state.cond:
            for pattern, limit in self._limits.items():
                if fnmatchcase(method, pattern) and limit[0] > 0:
                    limit[0] -= 1
                    return limit[1]
            return None

    def slow(self, method: str, seconds: float) -> None:
        """Answer calls of `method` (a name or a pattern such as `chat.*`) `seconds` late; 0
        makes them prompt again."""
        with self._state.cond:
            if seconds > 0:
                self._delays[method] = seconds
            else:
                self._delays.pop(method, None)

    def delay_for(self, method: str) -> float:
        with self._state.cond:
            return max((s for p, s in self._delays.items() if fnmatchcase(method, p)), default=0.0)

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
