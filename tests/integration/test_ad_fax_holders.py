"""Who holds a fax number at any customer (R15), on a real Samba AD that pages as AD does.

AD refuses a plain search that finds more than its MaxPageSize (1000) entries (sizeLimitExceeded)
and hands out a paged one in pages of at most that many. Samba 4.17 reads MaxPageSize from the
Default Query Policy but enforces neither it nor a client's size limit (with MaxPageSize=5 and
size_limit=2 a plain search returned all 12 entries), so `ad_page_limit` plays AD's part, with
the limit lowered to AD_PAGE_LIMIT: a paged search is asked of Samba in pages no larger (Samba
pages as asked), a plain one that Samba answers with more entries raises ldap3's exception for
sizeLimitExceeded, as a connection with raise_exceptions=True does on AD. Accounts are made with
plain ldap3.
"""

from __future__ import annotations

import inspect

import ldap3
import pytest
from ldap3.core.exceptions import LDAPOperationResult

from workers.ad import LdapDirectory

pytestmark = pytest.mark.integration
AD_PAGE_LIMIT = 2   # fewer than the holders below, and than the fax users around them
NUMBER = "+49301234567"


@pytest.fixture
def ad_page_limit(monkeypatch):
    """The pages each search was answered in (one entry per request, its entries' count)."""
    search = ldap3.Connection.search
    signature = inspect.signature(search)
    pages: list[int] = []

    def as_ad_would(*args, **kwargs):
        call = signature.bind(*args, **kwargs)
        call.apply_defaults()
        paged = bool(call.arguments["paged_size"])
        if paged:
            call.arguments["paged_size"] = min(call.arguments["paged_size"], AD_PAGE_LIMIT)
        answer = search(*call.args, **call.kwargs)
        conn = call.arguments["self"]
        entries = sum(r.get("type") == "searchResEntry" for r in conn.response or [])
        if entries > AD_PAGE_LIMIT and not paged:
            raise LDAPOperationResult(result=4, description="sizeLimitExceeded", dn="",
                                      message="Size limit exceeded", response_type="searchResDone")
        pages.append(entries)
        return answer

    monkeypatch.setattr(ldap3.Connection, "search", as_ad_would)
    return pages


@pytest.fixture
def accounts(samba_dc, customer_ou, ad_settings):
    """acme (with a sub-OU) and globex, the number held four times in four spellings, among others."""
    acme, globex = customer_ou("acme"), customer_ou("globex")
    conn = samba_dc.connect()
    conn.add(f"OU=sales,{acme}", ["top", "organizationalUnit"])

    def user(ou: str, sam: str, *numbers: str) -> None:
        attrs = {"sAMAccountName": sam, "facsimileTelephoneNumber": numbers[0]}
        if numbers[1:]:
            attrs["otherFacsimileTelephoneNumber"] = list(numbers[1:])
        conn.add(f"CN={sam},{ou}", ["top", "person", "organizationalPerson", "user"], attrs)

    user(acme, "fh-ada", "+49 30 1234567", "+49301111111")
    user(f"OU=sales,{acme}", "fh-bob", "+4930999999", NUMBER)   # in a sub-OU of its customer
    user(globex, "fh-cy", "0049 (0)30 123-4567")
    user(globex, "fh-dora", "030 1234567")                       # German national form
    user(globex, "fh-longer", "+493012345678")                  # the digits and one more: not it
    for i in range(3):
        user(globex, f"fh-other{i}", f"+4940765432{i}")
    conn.unbind()
    return LdapDirectory(**ad_settings)


def _holders(directory: LdapDirectory, number: str) -> set[tuple[str, str, str]]:
    return {(h.customer, h.user, h.number) for h in directory.fax_holders(number)}


def test_every_holder_of_a_number_is_found_across_customers_and_pages(accounts, ad_page_limit):
    # it used to search every fax user without paging: past the page limit, sizeLimitExceeded
    assert _holders(accounts, NUMBER) == {
        ("acme", "fh-ada", "+49 30 1234567"), ("acme", "fh-bob", NUMBER),
        ("globex", "fh-cy", "0049 (0)30 123-4567"), ("globex", "fh-dora", "030 1234567")}
    assert max(ad_page_limit) == AD_PAGE_LIMIT   # the limit was in force: five candidates, full pages
    assert _holders(accounts, "+4930555555") == set()


def test_a_holder_in_a_sub_ou_counts_for_the_customer_above_it(accounts):
    assert ("acme", "fh-bob", "+4930999999") in _holders(accounts, "+4930999999")
