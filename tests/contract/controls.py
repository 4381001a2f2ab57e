"""Simulator-only controls the contract tests use to set up states a real server reaches slowly."""

from __future__ import annotations

from urllib.parse import quote

from workers.tobit import TobitHttpClient


def fill_mailbox(client: TobitHttpClient, user: str, used_mb: int) -> None:
    """SIMULATOR ONLY (x-simulator-only): pretend the mailbox holds `used_mb` of mail."""
    client.call("PUT", f"/v1/simulator/mailboxes/{quote(user, safe='')}/usage",
                {"used_mb": used_mb})
