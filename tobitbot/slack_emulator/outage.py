"""A Slack outage that a test switches on and off: Web API calls answered with an HTTP error
(429 with Retry-After, or a 5xx) until the test ends it, from now or from the first call that a
predicate picks, so a fault can begin at the exact moment under test (a password being shown)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from tobitbot.slack_emulator.model import JSON
from tobitbot.slack_emulator.state import SharedState

Picker = Callable[[str, JSON], bool]   # (method, params) -> does the outage begin with this call
ERRORS = {429: "ratelimited", 503: "service_unavailable"}


@dataclass
class _Outage:
    status: int
    methods: frozenset[str] | None     # None: every method
    retry_after: int
    starts_when: Picker | None
    started: bool


class Outages:
    def __init__(self, state: SharedState) -> None:
        self._state = state
        self._current: _Outage | None = None

    def begin(self, status: int, methods: set[str] | None = None, retry_after: int = 1,
              starts_when: Picker | None = None) -> None:
        with self._state.cond:
            self._current = _Outage(status, frozenset(methods) if methods else None, retry_after,
                                    starts_when, started=starts_when is None)

    def end(self) -> None:
        with self._state.cond:
            self._current = None

    def refusal(self, method: str, params: JSON) -> tuple[int, JSON, dict[str, str]] | None:
        """(HTTP status, body, headers) if this call falls into the outage, else None."""
        with self._state.cond:
            outage = self._current
            if outage is None or (outage.methods is not None and method not in outage.methods):
                return None
            if not outage.started:
                if not outage.starts_when(method, params):
                    return None
                outage.started = True
            headers = {"Retry-After": str(outage.retry_after)} if outage.status == 429 else {}
            return outage.status, {"ok": False, "error": ERRORS.get(outage.status, "internal_error")}, headers
