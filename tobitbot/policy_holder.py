"""The policy in force in a running bot: loaded at start-up, swapped whole on reload (SIGHUP).

A reload that fails keeps the policy in force: a typo in the file must not take the bot down,
nor leave it refusing everything. Both outcomes go to the log and the audit log.
"""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import Callable

from commands.errors import ConfigError
from commands.policy import Policy
from commands.policy_diff import customer_scopes, diff_policies
from tobitbot.policy_file import load_policy_file

log = logging.getLogger(__name__)
SUMMARY_LINES = 10


class PolicyHolder:
    """Holds the current Policy; `current` is what BotDeps.policy calls on every decision."""

    def __init__(self, path: str | Path, policy: Policy, record: Callable[..., object]):
        self.path = Path(path)
        self._policy = policy
        self._record = record        # AuditLog.record
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: str | Path, record: Callable[..., object]) -> "PolicyHolder":
        """At start-up a bad file is fatal (ConfigError): there is no policy to keep yet."""
        return cls(path, load_policy_file(path), record)

    def current(self) -> Policy:
        return self._policy          # one reference, replaced whole: readers never see a mix

    def reload(self) -> bool:
        """Load the file again; True when the new policy is in force, False when it was refused."""
        with self._lock:
            try:
                new = load_policy_file(self.path)
            except ConfigError as err:
                log.error("POLICY RELOAD REFUSED: %s does not load; the policy loaded before "
                          "stays in force:\n%s", self.path, err)
                self._audit("policy_reload_refused", error=str(err))
                return False
            old, self._policy = self._policy, new
        changes = diff_policies(old, new, None, customer_scopes((old, new)))
        log.warning("policy reloaded from %s: %d changes%s", self.path, len(changes),
                    "".join(f"\n  {line}" for line in changes))
        self._audit("policy_reloaded", changes=len(changes), detail=_summary(changes))
        return True

    def _audit(self, action: str, **fields: object) -> None:
        try:
            self._record(action, actor="bot", source=str(self.path), **fields)
        except Exception:  # the policy decision stands; the log above has the details
            log.exception("could not write %s to the audit log", action)


def _summary(changes: list[str]) -> str:
    if not changes:
        return "no change in who may do what"
    shown = "; ".join(changes[:SUMMARY_LINES])
    more = len(changes) - SUMMARY_LINES
    return shown + (f"; and {more} more" if more > 0 else "")


def reload_on_sighup(holder: PolicyHolder) -> None:
    """Reload the policy on SIGHUP (single-process bots: `tobitbot socket`).

    The handler only wakes a thread: file and Redis I/O do not belong inside a signal handler.
    Call from the main thread.
    """
    wanted = threading.Event()

    def reload_when_asked() -> None:
        while True:
            wanted.wait()
            wanted.clear()
            try:
                holder.reload()
            except Exception:
                log.exception("policy reload failed")

    threading.Thread(target=reload_when_asked, name="tobitbot-policy-reload", daemon=True).start()
    signal.signal(signal.SIGHUP, lambda signum, frame: wanted.set())
