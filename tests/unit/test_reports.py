"""The report tables: what the bot tabulates for show-*, list-users, quota, licences, fax-numbers."""

from __future__ import annotations

import pytest

from commands import model as m
from commands.contract import LegalInfo, PbxLink
from commands.errors import NotFound
from commands.reports import (
    fax_numbers, licences, list_users, quota, report_table, show_customer, show_user,
)
from tests.unit.builders import customer, user

JOERG = user(used_mb=6 * 1024)
EVA = user("extern", "Eva Extern", solo=True, activesync=False, used_mb=None)
FAXER = user("fsend", "Frank Sender", fax_numbers=("+4930123457", "+4930123456"), used_mb=512)


def rows(table) -> dict[str, str]:
    return dict(table.rows)


def test_show_customer():
    state = customer(users=(JOERG,), mailstore=True, extra_storage_gb=10,
                     pbx=(PbxLink("berlin", "xcapi", "sip:t@pbx"),))
    table = show_customer(state)
    assert table.headers == ("field", "value")
    facts = rows(table)
    assert facts["base service"] == "enterprise-desktop"
    assert facts["legal info"] == "complete: ACME Maschinenbau GmbH"
    assert facts["options"] == "mailstore, extra-storage 10 GB"
    assert facts["storage pool"] == "35.0 GB"
    assert facts["fax site berlin"] == "xcapi sip:t@pbx"
    assert "TLS yes" in facts["domains"]


def test_show_customer_names_missing_legal_info():
    facts = rows(show_customer(customer(legal=LegalInfo(company="ACME"))))
    assert facts["legal info"] == "missing form, seat, court, register, directors"


def test_show_user_and_its_did_you_mean():
    facts = rows(show_user(customer(users=(FAXER,)), "FSEND@acme.de"))
    assert facts["fax numbers"] == "+49 30 123457, +49 30 123456"     # grouped for people
    assert facts["used"] == "0.5 GB"
    with pytest.raises(NotFound, match="fsend"):
        show_user(customer(users=(FAXER,)), "fsnd")


def test_list_users_sorted_by_account():
    table = list_users(customer(users=(JOERG, EVA)))
    assert [r[0] for r in table.rows] == ["extern", "jmueller"]
    assert table.rows[0][3:6] == ("solo", "yes", "no")
    assert len(table.headers) == len(table.rows[0])


def test_quota_pool_used_free_and_per_user():
    table = quota(customer(addon=2, users=(JOERG, FAXER)))
    assert table.title == "Storage pool of `acme`: 10.0 GB, used 6.5 GB, free 3.5 GB"
    assert table.rows[0] == ("jmueller", "Jörg Müller", "6.0 GB", "60 %")  # over its 5 GB share: fine (R7)


def test_quota_with_unknown_usage():
    table = quota(customer(users=(JOERG, EVA), solo=1))
    assert "used unknown, free unknown" in table.title
    assert ("extern", "Eva Extern", "unknown", "-") in table.rows


def test_licences_booked_against_used():
    table = licences(customer(addon=5, solo=2, users=(JOERG, EVA, FAXER), fax_shared=True))
    by_product = {r[0]: r[1:] for r in table.rows}
    assert by_product["tobit-addon"] == ("5", "2", "3")
    assert by_product["tobit-solo"] == ("2", "1", "1")
    assert by_product["fax-shared"] == ("yes", "-", "-")
    assert "2 fax number(s)" in table.title


@pytest.mark.parametrize("bookings, mode", [
    ({"fax_shared": True}, "shared"), ({"fax_dedicated": True}, "dedicated"),
    ({"fax_shared": True, "fax_dedicated": True}, "shared or dedicated"),
])
def test_fax_numbers_sorted_with_mode(bookings, mode):
    table = fax_numbers(customer(users=(FAXER,), **bookings))
    assert table.rows == (("+49 30 123456", "Frank Sender (fsend)", mode),
                          ("+49 30 123457", "Frank Sender (fsend)", mode))


@pytest.mark.parametrize("cmd, title", [
    (m.ShowCustomer("acme"), "Customer"), (m.ShowUser("acme", "jmueller"), "User"),
    (m.ListUsers("acme"), "Users"), (m.Quota("acme"), "Storage"), (m.Licences("acme"), "Licences"),
    (m.FaxNumbers("acme"), "Fax numbers"),
])
def test_report_table_dispatches_by_command(cmd, title):
    assert report_table(cmd, customer(users=(JOERG,))).title.startswith(title)


def test_help_is_not_a_table():
    with pytest.raises(ValueError):
        report_table(m.Help(), customer())
