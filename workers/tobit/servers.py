"""TobitServers: finds a customer's Tobit server (the MailServers port)."""

from __future__ import annotations

import threading
from typing import Callable

from commands.errors import NotFound
from workers.tobit.client import TobitHttpClient


class TobitServers:
    """One TobitHttpClient per customer endpoint; `resolve_url` reads the customer's tobit_url."""

    def __init__(self, token: str, resolve_url: Callable[[str], str | None], *,
                 timeout: float = 5, ca_file: str | None = None, verify: bool = True):
        self._token = token
        self._resolve_url = resolve_url
        self._options = {"timeout": timeout, "ca_file": ca_file, "verify": verify}
        self._clients: dict[str, TobitHttpClient] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never the token
        return f"TobitServers({len(self._clients)} clients)"

    def for_customer(self, customer: str) -> TobitHttpClient:
        url = self._resolve_url(customer)
        if not url:
            raise NotFound(f"customer {customer} has no Tobit server URL (tobit_url) on record",
                           rule="R6")
        url = url.rstrip("/")
        # keyed by URL, so a changed tobit_url gets a fresh client, never the old server
        with self._lock:
            client = self._clients.get(url)
            if client is None:
                client = self._clients[url] = TobitHttpClient(url, self._token, **self._options)
            return client

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()
