"""ldap3's exceptions and LDAP result codes, mapped into the project's error tree.

Transient faults (server unreachable, busy, unavailable, timed out) become
RetryableBackendError so that the job runs again later; everything the server refused on
purpose (bad credentials, constraint, policy, access) becomes PermanentBackendError.
"""

from __future__ import annotations

from ldap3.core import exceptions as ldap_exc

from commands.errors import BackendError, PermanentBackendError, RetryableBackendError

BACKEND = "AD"

# LDAP result codes (RFC 4511) that say "try again later"
RETRYABLE_RESULTS = {
    3: "the server's time limit ran out",
    51: "the server is busy",
    52: "the server is unavailable",
}
# Result codes with a message that tells a support engineer what to do
PERMANENT_RESULTS = {
    19: "AD refused a value (constraint violation)",
    21: "AD refused a value (invalid syntax)",
    49: "AD refused the bot's bind: check the service account's user and password settings",
    50: "the bot's AD account lacks the rights for this",
    53: "AD is unwilling to perform this",
    68: "the entry already exists in AD",
}


def map_error(exc: Exception, url: str) -> BackendError:
    """The project error for one ldap3 exception (raise it `from exc`)."""
    if isinstance(exc, ldap_exc.LDAPOperationResult):
        return _from_result(exc.result, exc.description, exc.message)
    text = str(exc)
    if "certificate" in text.lower() or isinstance(exc, ldap_exc.LDAPSSLConfigurationError):
        # retrying will not make a certificate valid: a setting (ca_file, tls_name) is wrong
        return PermanentBackendError(BACKEND, f"TLS to {url} failed, check the CA file and "
                                              f"certificate name settings: {text}")
    if isinstance(exc, (ldap_exc.LDAPCommunicationError, ldap_exc.LDAPResponseTimeoutError,
                        ldap_exc.LDAPMaximumRetriesError, ldap_exc.LDAPStartTLSError)):
        return RetryableBackendError(BACKEND, f"cannot reach {url}: {text}")
    if isinstance(exc, ldap_exc.LDAPBindError):
        return PermanentBackendError(BACKEND, PERMANENT_RESULTS[49])
    return PermanentBackendError(BACKEND, f"{type(exc).__name__}: {text}")


def _from_result(code: int, description: str, message: str | None) -> BackendError:
    detail = f" ({message.strip()})" if message and message.strip() else ""
    if code in RETRYABLE_RESULTS:
        return RetryableBackendError(BACKEND, RETRYABLE_RESULTS[code] + detail)
    if code == 49:  # the server's detail ("data 52e") says nothing a user can act on
        return PermanentBackendError(BACKEND, PERMANENT_RESULTS[49])
    what = PERMANENT_RESULTS.get(code, f"AD refused the operation: {description}")
    return PermanentBackendError(BACKEND, what + detail)
