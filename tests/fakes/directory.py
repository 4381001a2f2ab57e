"""FakeDirectory: the simulated directory (tobitbot.directory_simulator) with test hooks.

`calls` lists every port method called; `fail_on` makes the next call of a method raise, to
test how callers cope with backend errors.
"""

from __future__ import annotations

from tobitbot.directory_simulator import MemoryDirectory


class FakeDirectory(MemoryDirectory):
    def __init__(self, mail_domain: str = "tobit.test", sam_format: str = "{first_initial}{last}"):
        super().__init__(mail_domain, sam_format)
        self.calls: list[str] = []
        self._failures: dict[str, Exception] = {}

    def fail_on(self, method: str, error: Exception) -> None:
        """The next call of `method` raises `error` (once)."""
        self._failures[method] = error

    def _call(self, method: str) -> None:
        self.calls.append(method)
        if method in self._failures:
            raise self._failures.pop(method)
