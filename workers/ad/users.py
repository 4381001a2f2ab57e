"""User accounts in a customer's OU: find, create (named and marked), password, state, fax.

The marker (`adminDescription` = "tobitbot:request=<id>") lets a re-run of the same request
find the account it created instead of creating a second one; adminDescription is allowed on
every AD object, is not shown in the usual admin tools' user pages, and is no HR field.
"""

from __future__ import annotations

from typing import Any

import ldap3
import phonenumbers
from ldap3.core.exceptions import LDAPEntryAlreadyExistsResult, LDAPNoSuchObjectResult
from ldap3.utils.dn import parse_dn

from commands.errors import NotFound, PermanentBackendError
from commands.naming import account_name
from commands.rules_lookup import canonical_number
from commands.steps import AD_GROUPS
from workers.ad.customers import read_customer
from workers.ad.errors import BACKEND
from workers.ad.names import Tree, any_of, eq, user_filter

MARKER_ATTRIBUTE = "adminDescription"
MARKER_PREFIX = "tobitbot:request="
SOLO_TYPE = "tobit-solo"
UAC_NORMAL = 0x200
UAC_DISABLED = 0x2
FAX_ATTRIBUTES = ("facsimileTelephoneNumber", "otherFacsimileTelephoneNumber")
PAGE_SIZE = 500   # entries per page of a search across customers, under AD's MaxPageSize (1000)
USER_ATTRIBUTES = [
    "sAMAccountName", "userPrincipalName", "mail", "displayName", "givenName", "sn",
    "userAccountControl", "memberOf", "facsimileTelephoneNumber",
    "otherFacsimileTelephoneNumber", "employeeType", "pwdLastSet", MARKER_ATTRIBUTE,
]


def find_user(conn: ldap3.Connection, tree: Tree, slug: str, ref: str) -> dict[str, Any] | None:
    """By sAMAccountName, mail or UPN, inside this customer's OU only."""
    read_customer(conn, tree, slug)
    found = _search(conn, tree, slug, any_of(eq("sAMAccountName", ref), eq("mail", ref),
                                             eq("userPrincipalName", ref)))
    return found[0] if found else None


def require_user(conn: ldap3.Connection, tree: Tree, slug: str, ref: str) -> dict[str, Any]:
    user = find_user(conn, tree, slug, ref)
    if user is None:
        raise NotFound(f"customer `{slug}` has no user `{ref}`")
    return user


def find_by_marker(conn: ldap3.Connection, tree: Tree, slug: str, marker: str) -> dict[str, Any] | None:
    read_customer(conn, tree, slug)
    found = _search(conn, tree, slug, eq(MARKER_ATTRIBUTE, MARKER_PREFIX + marker))
    return found[0] if found else None


def list_users(conn: ldap3.Connection, tree: Tree, slug: str) -> list[dict[str, Any]]:
    return sorted(_search(conn, tree, slug, ""), key=lambda u: u["sam"])


def fax_number_holders(conn: ldap3.Connection, tree: Tree, number: str) -> list[dict[str, Any]]:
    """The users, in every customer's OU, whose fax numbers may be `number` (E.164) however they
    were typed: {"customer", "sam", "fax_numbers"}; the caller compares the canonical forms.

    AD compares the attribute as a string, and a number entered by hand (`+49 30 1234567`,
    `030 1234567`, `0049 (0)30 123-4567`) must still count, so the filter asks for the digits
    that every way of writing it holds in order, its national number, with anything between them:
    all its spellings, and few others. The search is paged: past AD's MaxPageSize (1000) a plain
    search is refused with sizeLimitExceeded.
    """
    digits = _national_digits(number)
    if not digits:
        return []
    pattern = "*" + "*".join(digits) + "*"
    having = any_of(*(f"({attribute}={pattern})" for attribute in FAX_ATTRIBUTES))
    found = []
    try:
        for r in conn.extend.standard.paged_search(
                tree.customers, user_filter(having), ldap3.SUBTREE, paged_size=PAGE_SIZE, generator=True,
                attributes=["sAMAccountName", *FAX_ATTRIBUTES]):
            if r.get("type") != "searchResEntry":
                continue
            a = r["attributes"]
            primary = _text(a.get(FAX_ATTRIBUTES[0]))
            found.append({"customer": _customer_of(r["dn"], tree), "sam": _text(a["sAMAccountName"]),
                          "fax_numbers": ([primary] if primary else [])
                          + sorted(a.get(FAX_ATTRIBUTES[1]) or [])})
    except LDAPNoSuchObjectResult:   # no OU=Customers yet: no numbers
        return []
    return found


def _national_digits(number: str) -> str:
    try:
        return phonenumbers.national_significant_number(phonenumbers.parse(number, None))
    except phonenumbers.NumberParseException:   # no E.164: all its digits, whatever they are
        return "".join(c for c in number if c.isdigit())


def _customer_of(dn: str, tree: Tree) -> str:
    """The slug of the customer OU a DN lies in: the OU right under OU=Customers, however deep the
    user sits below it (a customer may sort its users into OUs of its own)."""
    parts = parse_dn(dn, escape=False)
    depth = len(parse_dn(tree.customers, escape=False))
    if len(parts) <= depth:
        raise PermanentBackendError(BACKEND, f"`{dn}` is not inside a customer's OU")
    return parts[-depth - 1][1]


def create_user(conn: ldap3.Connection, tree: Tree, slug: str, *, given_name: str, surname: str,
                display_name: str, email: str | None, solo: bool, marker: str, sam_format: str,
                mail_domain: str | None, sam: str | None = None) -> dict[str, Any]:
    """A disabled account with a unique name (`sam`, or made by the naming rules); the marker's
    account if it already exists."""
    ou = read_customer(conn, tree, slug)
    existing = find_by_marker(conn, tree, slug, marker)
    if existing is not None:
        return existing
    if sam is None:
        sam = account_name(given_name, surname, sam_format, taken=lambda n: _sam_taken(conn, tree, n))
    elif _sam_taken(conn, tree, sam):   # the door saw this customer only; the name is domain-wide
        raise PermanentBackendError(BACKEND, f"the account name `{sam}` is taken in AD (by "
                                    "another customer's account or a group); choose another login=")
    domain = (ou["uPNSuffixes"] or [mail_domain or tree.default_mail_domain])[0].lower()
    mail = email or f"{sam}@{domain}"
    _refuse_taken_address(conn, tree, mail)
    attrs: dict[str, Any] = {
        "sAMAccountName": sam, "userPrincipalName": mail, "mail": mail,
        "proxyAddresses": [f"SMTP:{mail}"], "displayName": display_name,
        "userAccountControl": UAC_NORMAL | UAC_DISABLED,
        MARKER_ATTRIBUTE: MARKER_PREFIX + marker,
    }
    attrs.update({k: v for k, v in (("givenName", given_name), ("sn", surname)) if v})
    if solo:
        attrs["employeeType"] = SOLO_TYPE
    classes = ["top", "person", "organizationalPerson", "user"]
    try:
        conn.add(tree.user(slug, display_name), classes, attrs)
    except LDAPEntryAlreadyExistsResult:  # a namesake in this customer: tell them apart by sam
        conn.add(tree.user(slug, f"{display_name} ({sam})"), classes, attrs)
    # read back: the DN as the server spells it (its escaping differs from ours)
    made = find_by_marker(conn, tree, slug, marker)
    if made is None:
        raise PermanentBackendError(BACKEND, f"account `{sam}` was added but cannot be found")
    return made


def set_password(conn: ldap3.Connection, user: dict[str, Any], password: str,
                 must_change: bool) -> None:
    # AD takes a new password only as the quoted string in UTF-16-LE, and only over TLS
    quoted = f'"{password}"'.encode("utf-16-le")
    conn.modify(user["dn"], {"unicodePwd": [(ldap3.MODIFY_REPLACE, [quoted])]})
    # 0 = must change at next logon; -1 = "set to now", which clears an earlier 0
    conn.modify(user["dn"], {"pwdLastSet": [(ldap3.MODIFY_REPLACE, ["0" if must_change else "-1"])]})


def set_enabled(conn: ldap3.Connection, user: dict[str, Any], enabled: bool) -> None:
    uac = user["uac"] & ~UAC_DISABLED if enabled else user["uac"] | UAC_DISABLED
    if uac != user["uac"]:
        conn.modify(user["dn"], {"userAccountControl": [(ldap3.MODIFY_REPLACE, [str(uac)])]})


def add_fax_number(conn: ldap3.Connection, user: dict[str, Any], number: str) -> None:
    if number in user["fax_numbers"]:   # also when typed by hand in another form
        return
    if not user["fax_numbers"]:
        change = {"facsimileTelephoneNumber": [(ldap3.MODIFY_REPLACE, [number])]}
    else:
        change = {"otherFacsimileTelephoneNumber": [(ldap3.MODIFY_ADD, [number])]}
    conn.modify(user["dn"], change)


def remove_fax_number(conn: ldap3.Connection, user: dict[str, Any], number: str) -> None:
    """Remove `number` (E.164) in whatever form AD holds it; the next number moves up if it was first."""
    if number not in user["fax_numbers"]:
        return
    left = [stored for canonical, stored in zip(user["fax_numbers"], user["fax_values"])
            if canonical != number]
    # the first number stays first: a hand-typed value is deleted as AD holds it
    conn.modify(user["dn"], {"facsimileTelephoneNumber": [(ldap3.MODIFY_REPLACE, left[:1])],
                             "otherFacsimileTelephoneNumber": [(ldap3.MODIFY_REPLACE, left[1:])]})


def _search(conn: ldap3.Connection, tree: Tree, slug: str, clause: str) -> list[dict[str, Any]]:
    conn.search(tree.customer(slug), user_filter(clause), ldap3.LEVEL, attributes=USER_ATTRIBUTES)
    return [_user(r, tree, slug) for r in conn.response if r.get("type") == "searchResEntry"]


def _user(result: dict[str, Any], tree: Tree, slug: str) -> dict[str, Any]:
    a = result["attributes"]
    raw = result["raw_attributes"]
    uac = int(raw["userAccountControl"][0])
    member_of = {dn.lower() for dn in a.get("memberOf") or []}
    primary = _text(a.get("facsimileTelephoneNumber"))
    stored = ([primary] if primary else []) + sorted(a.get("otherFacsimileTelephoneNumber") or [])
    return {
        "dn": result["dn"], "sam": _text(a["sAMAccountName"]), "upn": _text(a.get("userPrincipalName")),
        "mail": _text(a.get("mail")), "display_name": _text(a.get("displayName")),
        "given_name": _text(a.get("givenName")), "surname": _text(a.get("sn")),
        "enabled": not uac & UAC_DISABLED, "uac": uac,
        "groups": [g for g in AD_GROUPS if tree.group(slug, g).lower() in member_of],
        # in E.164, however typed by hand, so that every comparison is one of strings
        "fax_numbers": [canonical_number(n) for n in stored], "fax_values": stored,
        "solo": _text(a.get("employeeType")) == SOLO_TYPE,
        "must_change": raw.get("pwdLastSet", [b""])[0] == b"0",
        "marker": (_text(a.get(MARKER_ATTRIBUTE)) or "").removeprefix(MARKER_PREFIX) or None,
    }


def _sam_taken(conn: ldap3.Connection, tree: Tree, sam: str) -> bool:
    # users, groups and computers share one sAMAccountName namespace in the whole domain
    conn.search(tree.base_dn, eq("sAMAccountName", sam), ldap3.SUBTREE, attributes=["cn"])
    return any(r.get("type") == "searchResEntry" for r in conn.response)


def _refuse_taken_address(conn: ldap3.Connection, tree: Tree, mail: str) -> None:
    conn.search(tree.base_dn, any_of(eq("userPrincipalName", mail), eq("mail", mail),
                                     eq("proxyAddresses", f"smtp:{mail}")),
                ldap3.SUBTREE, attributes=["sAMAccountName"])
    owners = [_text(r["attributes"]["sAMAccountName"]) for r in conn.response
              if r.get("type") == "searchResEntry"]
    if owners:
        raise PermanentBackendError(BACKEND, f"{mail} is already the address of `{owners[0]}`")


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        return value[0] if value else None
    return value or None
