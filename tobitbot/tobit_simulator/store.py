"""The simulator's state on disk: one JSON file holding every virtual server, written atomically.

A crash mid-write must never leave a half-written file that loses all customers, so each save
goes to a temporary file in the same directory, is fsynced, and replaces the old one.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from tobitbot.tobit_simulator.server_model import empty_server


class StateStore:
    """All virtual servers' state, keyed by slug; one lock serialises requests."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._servers: dict[str, dict[str, Any]] = self._load()

    def _load(self) -> dict[str, dict[str, Any]]:
        if not self.path.exists():
            return {}
        data = json.loads(self.path.read_text(encoding="utf-8"))
        return data.get("servers", {})

    @contextmanager
    def server(self, slug: str, *, write: bool) -> Iterator[dict[str, Any]]:
        """The state of one virtual server, created empty on first use; saved after a write.

        The body runs under the lock; a write is saved even when the body raises, because the
        model only raises before it changes anything.
        """
        with self._lock:
            state = self._servers.setdefault(slug, empty_server())
            try:
                yield state
            finally:
                if write:
                    self._save()

    def slugs(self) -> list[str]:
        with self._lock:
            return sorted(self._servers)

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = json.dumps({"servers": self._servers}, indent=1, sort_keys=True)
        fd, tmp = tempfile.mkstemp(prefix=".tobit-state.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(body)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
