"""Customer OUs and their groups: create, delete, read, list, and "did you mean".

Functions take a bound connection (from `Connector.session`) and the `Tree`; the
`LdapDirectory` opens one session per port call and hands it through.
"""

from __future__ import annotations

import difflib
from typing import Any

import ldap3
from ldap3.core.exceptions import LDAPEntryAlreadyExistsResult, LDAPNoSuchObjectResult

from commands.errors import NotFound, PermanentBackendError
from commands.steps import AD_GROUPS
from workers.ad.errors import BACKEND
from workers.ad.names import USER_FILTER, Tree, group_name

OU_ATTRIBUTES = ["description", "businessCategory", "uPNSuffixes"]
GLOBAL_SECURITY_GROUP = -2147483646  # groupType: global scope | security enabled


def read_customer(conn: ldap3.Connection, tree: Tree, slug: str) -> dict[str, Any]:
    """The customer OU's attributes; NotFound (with a "did you mean") if there is none."""
    found = find_customer(conn, tree, slug)
    if found is None:
        raise unknown_customer(conn, tree, slug)
    return found


def find_customer(conn: ldap3.Connection, tree: Tree, slug: str) -> dict[str, Any] | None:
    try:
        conn.search(tree.customer(slug), "(objectClass=organizationalUnit)", ldap3.BASE,
                    attributes=OU_ATTRIBUTES)
    except LDAPNoSuchObjectResult:
        return None
    if not conn.response:
        return None
    attrs = conn.response[0]["attributes"]
    return {"dn": conn.response[0]["dn"],
            "description": _single(attrs.get("description")),
            "businessCategory": list(attrs.get("businessCategory") or []),
            "uPNSuffixes": list(attrs.get("uPNSuffixes") or [])}


def customer_slugs(conn: ldap3.Connection, tree: Tree) -> list[str]:
    try:
        conn.search(tree.customers, "(objectClass=organizationalUnit)", ldap3.LEVEL,
                    attributes=["ou"])
    except LDAPNoSuchObjectResult:  # no OU=Customers yet: no customers
        return []
    return sorted(_single(r["attributes"]["ou"]) for r in conn.response if r.get("type") == "searchResEntry")


def unknown_customer(conn: ldap3.Connection, tree: Tree, slug: str) -> NotFound:
    close = difflib.get_close_matches(slug, customer_slugs(conn, tree), n=1, cutoff=0.6)
    return NotFound(f"unknown customer `{slug}`",
                    hint=f"did you mean `{close[0]}`?" if close else None)


def create_customer(conn: ldap3.Connection, tree: Tree, slug: str, display_name: str) -> None:
    """The OU and its groups; whatever already exists is kept (display name updated)."""
    _ensure(conn, tree.customers, "organizationalUnit", {"description": "Tobit Service customers"})
    if not _ensure(conn, tree.customer(slug), "organizationalUnit", {"description": display_name}):
        conn.modify(tree.customer(slug), {"description": [(ldap3.MODIFY_REPLACE, [display_name])]})
    for group in AD_GROUPS:
        name = group_name(slug, group)
        _ensure(conn, tree.group(slug, group), "group",
                {"sAMAccountName": name, "groupType": GLOBAL_SECURITY_GROUP,
                 "description": f"{display_name}: {group}"})


def delete_customer(conn: ldap3.Connection, tree: Tree, slug: str) -> None:
    """Remove an empty customer: its groups and OU. Refused while it has users (R19)."""
    if find_customer(conn, tree, slug) is None:
        return
    conn.search(tree.customer(slug), USER_FILTER, ldap3.LEVEL, attributes=["sAMAccountName"])
    users = [r for r in conn.response if r.get("type") == "searchResEntry"]
    if users:
        raise PermanentBackendError(BACKEND, f"customer `{slug}` still has {len(users)} user(s); "
                                             "remove them first (R19)")
    for group in AD_GROUPS:
        try:
            conn.delete(tree.group(slug, group))
        except LDAPNoSuchObjectResult:
            pass
    conn.delete(tree.customer(slug))


def _ensure(conn: ldap3.Connection, dn: str, object_class: str, attrs: dict[str, Any]) -> bool:
    """Add the entry unless it exists; True when it was added."""
    try:
        conn.add(dn, ["top", object_class], attrs)
    except LDAPEntryAlreadyExistsResult:
        return False
    return True


def _single(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value
