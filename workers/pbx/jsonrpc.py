"""JSON-RPC 2.0 over HTTP to Kamailio, and the mapping of its failures to our errors.

Every vendor exception and every error answer becomes RetryableBackendError or
PermanentBackendError here, so nothing above this module sees `requests`.
"""

from __future__ import annotations

import itertools
from typing import Any

import requests

from commands.errors import PermanentBackendError, RetryableBackendError

BACKEND = "pbx"
# kamailio.cfg answers this when the route table (SQLite) could not be written: a locked or
# briefly unavailable file, worth another try; everything else it refuses is final
STORAGE_FAILED = -32003


class RpcError(PermanentBackendError):
    """Kamailio answered with a JSON-RPC error; `code` says which."""

    def __init__(self, code: int, message: str):
        self.code = code
        super().__init__(BACKEND, message)


class RetryableRpcError(RetryableBackendError):
    def __init__(self, code: int, message: str):
        self.code = code
        super().__init__(BACKEND, message)


class JsonRpcClient:
    def __init__(self, url: str, timeout: float = 3.0):
        self.url = url
        self.timeout = timeout
        self._session = requests.Session()
        self._ids = itertools.count(1)

    def close(self) -> None:
        self._session.close()

    def call(self, method: str, params: dict[str, Any] | list[Any]) -> Any:
        """The call's result; our error for a transport failure or an error answer."""
        document = {"jsonrpc": "2.0", "method": method, "params": params, "id": next(self._ids)}
        try:
            response = self._session.post(self.url, json=document, timeout=self.timeout)
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            raise RetryableBackendError(BACKEND, f"{method} at {self.url} failed: "
                                        f"{type(exc).__name__}") from exc
        except requests.exceptions.RequestException as exc:
            raise PermanentBackendError(BACKEND, f"{method} at {self.url} failed: {exc}") from exc
        answer = _json(response)
        if answer is None:
            # not JSON-RPC at all: a proxy's error page, or the wrong URL
            error = RetryableBackendError if response.status_code >= 500 else PermanentBackendError
            raise error(BACKEND, f"{method}: HTTP {response.status_code} without a JSON-RPC answer")
        if "error" in answer:
            code = int(answer["error"].get("code", 0))
            message = f"{method}: {answer['error'].get('message', 'unknown error')}"
            raise (RetryableRpcError if code == STORAGE_FAILED else RpcError)(code, message)
        return answer.get("result")


def _json(response: requests.Response) -> dict[str, Any] | None:
    try:
        answer = response.json()
    except ValueError:
        return None
    return answer if isinstance(answer, dict) and ("result" in answer or "error" in answer) else None
