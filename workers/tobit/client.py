"""TobitHttpClient: one customer's Tobit server through the provisioning API (the MailServer port)."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

from workers.tobit.transport import json_body, raise_for_problem, retrying_session, send


class TobitHttpClient:
    """The MailServer port over HTTPS; `base_url` is the customer's tobit_url (R6)."""

    def __init__(self, base_url: str, token: str, timeout: float = 5, ca_file: str | None = None,
                 verify: bool = True, retries: int = 3, backoff: float = 0.2):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._session = retrying_session(retries, backoff)
        self._session.headers.update({"Authorization": f"Bearer {token}",
                                      "Accept": "application/json, application/problem+json"})
        # requests takes a CA bundle path in place of True; passed on every request, because a
        # session's own `verify` loses to $REQUESTS_CA_BUNDLE
        self._verify: bool | str = ca_file if (ca_file and verify) else verify

    def __repr__(self) -> str:  # never the token
        return f"TobitHttpClient({self.base_url!r})"

    def close(self) -> None:
        self._session.close()

    # ---- the low-level call, public for simulator controls and contract tests ---------------

    def call(self, method: str, path: str, body: dict[str, Any] | None = None, *,
             idempotency_key: str | None = None, missing_ok: bool = False) -> Any:
        """Send one request; the JSON answer, or None for 204 (and for 404 when missing_ok)."""
        headers = {}
        if method != "GET":
            # a fresh key per call still makes urllib3's retries of this call safe
            headers["Idempotency-Key"] = idempotency_key or uuid.uuid4().hex
        response = send(self._session, method, self.base_url + path, json=body, headers=headers,
                        timeout=self.timeout, verify=self._verify)
        if missing_ok and response.status_code == 404:
            return None
        raise_for_problem(response)
        return None if response.status_code == 204 else json_body(response)

    # ---- MailServer -------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        return self.call("GET", "/v1/health")

    def get_pool(self) -> dict[str, Any]:
        return self.call("GET", "/v1/pool")

    def set_pool(self, pool_mb: int) -> None:
        self.call("PUT", "/v1/pool", {"pool_mb": pool_mb})

    def get_mailbox(self, user: str) -> dict[str, Any] | None:
        return self.call("GET", _mailbox(user), missing_ok=True)

    def list_mailboxes(self) -> list[dict[str, Any]]:
        return self.call("GET", "/v1/mailboxes")["mailboxes"]

    def create_mailbox(self, user: str, display_name: str, mail: str, *,
                       idempotency_key: str) -> dict[str, Any]:
        return self.call("PUT", _mailbox(user), {"display_name": display_name, "mail": mail},
                         idempotency_key=idempotency_key)

    def set_activesync(self, user: str, enabled: bool) -> None:
        self.call("PUT", _mailbox(user) + "/activesync", {"enabled": enabled})

    def set_signature(self, user: str, text: str) -> None:
        self.call("PUT", _mailbox(user) + "/signature", {"text": text})

    def archive_mailbox(self, user: str, mode: str, *, idempotency_key: str) -> dict[str, Any]:
        return self.call("POST", _mailbox(user) + "/archive", {"mode": mode},
                         idempotency_key=idempotency_key)

    def delete_mailbox(self, user: str) -> None:
        # already gone is done: deleting is idempotent for the port
        self.call("DELETE", _mailbox(user), missing_ok=True)

    def get_fax_route(self, number: str) -> dict[str, Any] | None:
        return self.call("GET", _fax_route(number), missing_ok=True)

    def list_fax_routes(self) -> list[dict[str, Any]]:
        return self.call("GET", "/v1/fax-routes")["fax_routes"]

    def add_fax_route(self, number: str, user: str) -> None:
        self.call("PUT", _fax_route(number), {"user": user})

    def remove_fax_route(self, number: str) -> None:
        self.call("DELETE", _fax_route(number), missing_ok=True)


def _mailbox(user: str) -> str:
    return "/v1/mailboxes/" + quote(user, safe="")


def _fax_route(number: str) -> str:
    return "/v1/fax-routes/" + quote(number, safe="+")
