"""LdapDirectory against a real Samba AD: accounts, names, markers, passwords, groups, fax."""

from __future__ import annotations

import ssl

import ldap3
import pytest

from commands.errors import NotFound, PermanentBackendError
from workers.ad import LdapDirectory
from workers.passwords import generate_password

pytestmark = pytest.mark.integration


@pytest.fixture
def directory(ad_settings, customer_ou):
    customer_ou("acme")
    return LdapDirectory(**ad_settings)


def add(directory, full_name: str, marker: str, email: str | None = None, solo: bool = False):
    given, _, surname = full_name.rpartition(" ")
    return directory.create_user("acme", given_name=given, surname=surname,
                                 display_name=full_name, email=email, solo=solo, marker=marker)


def bind_as(samba_dc, user: str, password: str) -> ldap3.Connection:
    """A separate connection that logs on AS the user, over verified LDAPS."""
    tls = ldap3.Tls(ca_certs_file=str(samba_dc.ca_file), validate=ssl.CERT_REQUIRED,
                    valid_names=[samba_dc.tls_name])
    server = ldap3.Server(samba_dc.ldaps_url, use_ssl=True, tls=tls, get_info=ldap3.NONE)
    return ldap3.Connection(server, user, password, auto_bind=True, raise_exceptions=True)


def test_new_user_has_the_agreed_attributes_and_starts_disabled(directory):
    made = add(directory, "Jörg Müller-Lüdenscheidt", "req-1", solo=True)
    assert made["sam"] == "jmueller-luedenschei"
    assert made["mail"] == made["upn"] == "jmueller-luedenschei@acme.example"
    user = directory.find_user("acme", made["mail"])
    assert user["sam"] == made["sam"] and user["display_name"] == "Jörg Müller-Lüdenscheidt"
    assert user["solo"] is True and user["enabled"] is False and user["marker"] == "req-1"
    state = directory.customer("acme").find_user("JMUELLER-LUEDENSCHEI")
    assert state.solo and not state.enabled and state.mail == made["mail"]


def test_given_email_becomes_upn_and_mail(directory):
    made = add(directory, "Jane Doe", "req-1", email="jane.doe@acme.de")
    assert (made["sam"], made["upn"], made["mail"]) == ("jdoe", "jane.doe@acme.de", "jane.doe@acme.de")
    with pytest.raises(PermanentBackendError, match="already the address of `jdoe`"):
        add(directory, "Jane Dough", "req-2", email="jane.doe@acme.de")


def test_namesakes_get_a_suffix_and_their_own_entry(directory):
    first = add(directory, "Jane Doe", "req-1")
    second = add(directory, "Jane Doe", "req-2")
    assert (first["sam"], second["sam"]) == ("jdoe", "jdoe2")
    assert second["dn"].startswith("CN=Jane Doe (jdoe2),")
    assert [u.sam for u in directory.customer("acme").users] == ["jdoe", "jdoe2"]


def test_name_taken_in_another_customer_also_gets_a_suffix(directory, customer_ou, ad_settings):
    customer_ou("other")
    directory.create_user("other", given_name="Jane", surname="Doe", display_name="Jane Doe",
                          email=None, solo=False, marker="req-o")
    assert add(directory, "Jane Doe", "req-1")["sam"] == "jdoe2"


def test_rerun_with_the_same_marker_finds_the_same_account(directory):
    first = add(directory, "Jane Doe", "req-1")
    again = add(directory, "Jane Doe", "req-1")
    assert again["dn"] == first["dn"] and again["sam"] == "jdoe"
    assert directory.find_user_by_marker("acme", "req-1")["sam"] == "jdoe"
    assert directory.find_user_by_marker("acme", "req-other") is None
    assert len(directory.customer("acme").users) == 1


@pytest.mark.parametrize("full_name, sam", [
    ("Seán O'Brien, Jr.", "sjr"), ("a*b x", "ax"), ("x)(cn=* y", "xy"), ("Müller+Co Ltd", "mltd"),
    ("#Hash =Eq", "heq"), ('Quote" <Angle>', "qangle"),
])
def test_special_characters_in_dns_and_filters(directory, full_name, sam):
    made = add(directory, full_name, f"req-{sam}")
    assert made["sam"] == sam
    user = directory.find_user("acme", sam)
    assert user["display_name"] == full_name and user["dn"] == made["dn"]
    # filter values are escaped: a name full of filter syntax matches only itself
    assert directory.find_user("acme", "*") is None
    assert directory.find_user("acme", full_name) is None
    directory.add_to_group("acme", sam, "tobit-users")
    assert directory.find_user("acme", sam)["groups"] == ["tobit-users"]
    directory.delete_user("acme", sam)
    assert directory.find_user("acme", sam) is None


def test_password_is_real_user_can_bind(directory, samba_dc):
    made = add(directory, "Jane Doe", "req-1")
    password = generate_password(avoid=("jdoe", "Jane Doe"))
    directory.set_password("acme", "jdoe", password, must_change=False)
    directory.set_enabled("acme", "jdoe", True)
    conn = bind_as(samba_dc, made["upn"], password)
    assert conn.bound
    conn.unbind()
    with pytest.raises(ldap3.core.exceptions.LDAPInvalidCredentialsResult):
        bind_as(samba_dc, made["upn"], password + "x")


def test_must_change_password_is_set_and_flagged(directory, samba_dc):
    made = add(directory, "Jane Doe", "req-1")
    password = generate_password()
    directory.set_password("acme", "jdoe", password, must_change=True)
    directory.set_enabled("acme", "jdoe", True)
    assert directory.find_user("acme", "jdoe")["must_change"] is True
    # AD refuses a simple bind while the password must be changed, with sub-code 773;
    # a wrong password would give 52e instead: so 773 proves the password itself was right
    with pytest.raises(ldap3.core.exceptions.LDAPInvalidCredentialsResult) as info:
        bind_as(samba_dc, made["upn"], password)
    assert "data 773" in info.value.message
    with pytest.raises(ldap3.core.exceptions.LDAPInvalidCredentialsResult) as wrong:
        bind_as(samba_dc, made["upn"], password + "x")
    assert "data 52e" in wrong.value.message


def test_password_against_the_real_complexity_policy(directory):
    add(directory, "Jane Doe", "req-1")
    with pytest.raises(PermanentBackendError, match="AD refused"):
        directory.set_password("acme", "jdoe", "password", must_change=False)
    for _ in range(5):  # generated passwords always pass, and may be set again (reset-password)
        directory.set_password("acme", "jdoe", generate_password(avoid=("jdoe", "Jane Doe")), False)


def test_enable_disable(directory, samba_dc):
    add(directory, "Jane Doe", "req-1")
    directory.set_password("acme", "jdoe", generate_password(), must_change=False)
    for enabled in (True, True, False, False, True):
        directory.set_enabled("acme", "jdoe", enabled)
        assert directory.find_user("acme", "jdoe")["enabled"] is enabled


def test_groups_membership(directory):
    add(directory, "Jane Doe", "req-1")
    for group in ("tobit-users", "activesync-users", "activesync-users"):
        directory.add_to_group("acme", "jdoe", group)
    assert directory.find_user("acme", "jdoe")["groups"] == ["tobit-users", "activesync-users"]
    assert directory.customer("acme").find_user("jdoe").activesync is True
    directory.remove_from_group("acme", "jdoe", "activesync-users")
    directory.remove_from_group("acme", "jdoe", "activesync-users")
    assert directory.find_user("acme", "jdoe")["groups"] == ["tobit-users"]
    with pytest.raises(PermanentBackendError, match="unknown group"):
        directory.add_to_group("acme", "jdoe", "domain-admins")


def test_fax_numbers_first_then_others(directory):
    add(directory, "Jane Doe", "req-1")
    for number in ("+4930111", "+4930222", "+4930333", "+4930222"):
        directory.add_fax_number("acme", "jdoe", number)
    assert directory.find_user("acme", "jdoe")["fax_numbers"] == ["+4930111", "+4930222", "+4930333"]
    directory.remove_fax_number("acme", "jdoe", "+4930111")   # the next one moves up
    assert directory.find_user("acme", "jdoe")["fax_numbers"] == ["+4930222", "+4930333"]
    directory.remove_fax_number("acme", "jdoe", "+4930333")
    directory.remove_fax_number("acme", "jdoe", "+4930999")   # not there: nothing to do
    assert directory.customer("acme").fax_owner("+4930222").sam == "jdoe"
    directory.remove_fax_number("acme", "jdoe", "+4930222")
    assert directory.find_user("acme", "jdoe")["fax_numbers"] == []


def test_users_of_another_customer_are_invisible(directory, customer_ou):
    customer_ou("other")
    add(directory, "Jane Doe", "req-1")
    assert directory.find_user("other", "jdoe") is None
    with pytest.raises(NotFound, match="has no user `jdoe`"):
        directory.delete_user("other", "jdoe")


def test_an_account_named_with_login_is_made_as_given_and_a_name_taken_elsewhere_is_refused(
        directory, customer_ou):
    """`login=`: the door knows only this customer's accounts; AD's names are domain-wide."""
    made = directory.create_user("acme", given_name="李", surname="王", display_name="李 王",
                                 email=None, solo=False, marker="req-login-1", sam="lwang")
    assert made["sam"] == "lwang" and made["mail"] == "lwang@acme.example"
    assert directory.find_user("acme", "lwang")["display_name"] == "李 王"
    customer_ou("globex")
    with pytest.raises(PermanentBackendError, match="`lwang` is taken in AD"):
        directory.create_user("globex", given_name="Lena", surname="Wang", display_name="Lena Wang",
                              email=None, solo=False, marker="req-login-2", sam="lwang")
    assert directory.find_user("globex", "lwang") is None      # never numbered to lwang2 either
