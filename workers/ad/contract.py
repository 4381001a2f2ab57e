"""The contract on a customer's OU (commands/contract_codec): read, set one key, domains."""

from __future__ import annotations

import ldap3

from commands.contract import CustomerState, UserState
from commands.contract_codec import decode, encode_entry, entries_to_dict, parse_entry
from workers.ad.customers import find_customer, read_customer
from workers.ad.names import Tree


def customer_state(conn: ldap3.Connection, tree: Tree, slug: str,
                   users: list[UserState]) -> CustomerState | None:
    ou = find_customer(conn, tree, slug)
    if ou is None:
        return None
    return decode(slug, ou["businessCategory"], ou["description"], ou["uPNSuffixes"], users)


def get_contract(conn: ldap3.Connection, tree: Tree, slug: str) -> dict[str, str]:
    return entries_to_dict(read_customer(conn, tree, slug)["businessCategory"], slug)


def set_contract(conn: ldap3.Connection, tree: Tree, slug: str, key: str, value: str | None) -> None:
    """Replace the key's entry (or remove it when value is None); other entries stay."""
    new = encode_entry(key, value) if value is not None else None
    entries = read_customer(conn, tree, slug)["businessCategory"]
    old = [e for e in entries if (parsed := parse_entry(e)) and parsed[0] == key and e != new]
    changes = []
    if old:
        changes.append((ldap3.MODIFY_DELETE, old))
    if new is not None and new not in entries:
        changes.append((ldap3.MODIFY_ADD, [new]))
    if changes:
        conn.modify(tree.customer(slug), {"businessCategory": changes})


def add_domain(conn: ldap3.Connection, tree: Tree, slug: str, domain: str) -> None:
    domain = domain.lower()
    suffixes = read_customer(conn, tree, slug)["uPNSuffixes"]
    if domain not in (s.lower() for s in suffixes):
        conn.modify(tree.customer(slug), {"uPNSuffixes": [(ldap3.MODIFY_ADD, [domain])]})


def remove_domain(conn: ldap3.Connection, tree: Tree, slug: str, domain: str) -> None:
    """Drop the suffix; its tls:<domain> entry stays and is ignored while the domain is gone."""
    suffixes = read_customer(conn, tree, slug)["uPNSuffixes"]
    present = [s for s in suffixes if s.lower() == domain.lower()]
    if present:
        conn.modify(tree.customer(slug), {"uPNSuffixes": [(ldap3.MODIFY_DELETE, present)]})
