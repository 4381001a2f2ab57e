"""Membership of a user in the customer's groups (tobit-users, activesync-users, fax-users)."""

from __future__ import annotations

from typing import Any

import ldap3

from workers.ad.names import Tree


def add_to_group(conn: ldap3.Connection, tree: Tree, slug: str, user: dict[str, Any], group: str) -> None:
    if group not in user["groups"]:
        conn.modify(tree.group(slug, group), {"member": [(ldap3.MODIFY_ADD, [user["dn"]])]})


def remove_from_group(conn: ldap3.Connection, tree: Tree, slug: str, user: dict[str, Any],
                      group: str) -> None:
    if group in user["groups"]:
        conn.modify(tree.group(slug, group), {"member": [(ldap3.MODIFY_DELETE, [user["dn"]])]})
