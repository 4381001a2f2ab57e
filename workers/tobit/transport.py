"""HTTP for the Tobit adapter: a retrying session, and the mapping of failures to our errors.

Every vendor exception and every non-2xx answer becomes RetryableBackendError or
PermanentBackendError here, so nothing above this module sees `requests`.
"""

from __future__ import annotations

from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from commands.errors import PermanentBackendError, RetryableBackendError

BACKEND = "tobit"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def retrying_session(retries: int = 3, backoff: float = 0.2) -> requests.Session:
    """A session that retries connection errors and busy answers with a short backoff.

    POST is retried too: this adapter sends every write with an Idempotency-Key, and the header
    is the same on each retry, so the server cannot act twice.
    """
    retry = Retry(total=retries, connect=retries, read=retries, status=retries,
                  backoff_factor=backoff, backoff_max=2.0, status_forcelist=RETRY_STATUSES,
                  allowed_methods=frozenset({"GET", "PUT", "DELETE", "POST"}),
                  raise_on_status=False, respect_retry_after_header=True)
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def send(session: requests.Session, method: str, url: str, **kwargs: Any) -> requests.Response:
    """The response, or our error for a failure that never produced one."""
    try:
        return session.request(method, url, **kwargs)
    except requests.exceptions.SSLError as exc:
        # a certificate problem is configuration (ca_file, tobit_url), not a passing fault
        raise PermanentBackendError(BACKEND, f"TLS to {url} failed: {exc}") from exc
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
            requests.exceptions.RetryError) as exc:
        raise RetryableBackendError(BACKEND, f"{method} {url} failed: {type(exc).__name__}") from exc
    except requests.exceptions.RequestException as exc:
        raise PermanentBackendError(BACKEND, f"{method} {url} failed: {exc}") from exc


def raise_for_problem(response: requests.Response) -> None:
    """Map a non-2xx answer: busy/5xx retryable, any other refusal permanent with its detail."""
    if response.status_code < 400:
        return
    message = f"HTTP {response.status_code} on {response.request.method} {response.url}: " \
              f"{problem_text(response)}"
    if response.status_code in RETRY_STATUSES:
        raise RetryableBackendError(BACKEND, message)
    raise PermanentBackendError(BACKEND, message)


def problem_text(response: requests.Response) -> str:
    """The problem's detail and rule (RFC 9457), or the start of whatever else came back."""
    try:
        problem = response.json()
    except ValueError:
        return response.text[:200] or response.reason or "no detail"
    if not isinstance(problem, dict):
        return str(problem)[:200]
    detail = str(problem.get("detail") or problem.get("title") or "no detail")
    return f"{detail} ({problem['rule']})" if problem.get("rule") else detail


def json_body(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise PermanentBackendError(BACKEND, f"{response.url} answered {response.status_code} "
                                             "without JSON") from exc
