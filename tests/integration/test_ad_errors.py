"""How AD failures reach the bot: transient ones retryable, refusals permanent, never raw ldap3."""

from __future__ import annotations

import socket
import time

import pytest

from commands.errors import PermanentBackendError, RetryableBackendError
from tobitbot.servers.process import free_port
from workers.ad import LdapDirectory

pytestmark = pytest.mark.integration


def test_nothing_listening_is_retryable(ad_settings):
    settings = ad_settings | {"url": f"ldaps://127.0.0.1:{free_port()}"}
    with pytest.raises(RetryableBackendError, match="cannot reach"):
        LdapDirectory(**settings).customer_slugs()


def test_stopped_server_is_retryable_and_recovers(ad_settings, samba_dc, customer_ou):
    customer_ou("acme")
    directory = LdapDirectory(**ad_settings)
    samba_dc.stop()
    try:
        with pytest.raises(RetryableBackendError):
            directory.customer("acme")
    finally:
        samba_dc.start()
    assert directory.customer("acme").slug == "acme"


def test_server_that_never_answers_times_out_as_retryable(ad_settings):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        settings = ad_settings | {"url": f"ldaps://127.0.0.1:{port}"}
        started = time.monotonic()
        with pytest.raises(RetryableBackendError):
            LdapDirectory(**settings, connect_timeout=1, receive_timeout=1).customer_slugs()
        assert time.monotonic() - started < 10


def test_wrong_bind_password_is_permanent_and_names_the_setting(ad_settings):
    settings = ad_settings | {"password": "not-the-password"}
    with pytest.raises(PermanentBackendError, match="check the service account") as info:
        LdapDirectory(**settings).customer_slugs()
    assert "not-the-password" not in str(info.value)


def test_certificate_for_another_name_is_permanent(ad_settings):
    settings = ad_settings | {"tls_name": "evil.example"}
    with pytest.raises(PermanentBackendError, match="TLS"):
        LdapDirectory(**settings).customer_slugs()


def test_certificate_check_can_be_switched_off_explicitly(ad_settings):
    settings = ad_settings | {"tls_name": None, "ca_file": None, "tls_verify": False}
    assert isinstance(LdapDirectory(**settings).customer_slugs(), list)


def test_plain_ldap_is_refused_before_connecting(ad_settings):
    with pytest.raises(ValueError, match="ldaps://"):
        LdapDirectory(**(ad_settings | {"url": "ldap://127.0.0.1"}))


def test_repr_never_shows_the_password(ad_settings):
    assert ad_settings["password"] not in repr(LdapDirectory(**ad_settings))
