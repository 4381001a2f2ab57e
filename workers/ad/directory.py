"""`LdapDirectory`: the Directory port (workers/ports.py) on any Active Directory over LDAPS.

Each method is one session (one bound connection); errors leave it as the project's own:
NotFound for an unknown customer or user, Retryable/PermanentBackendError for the server.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import ldap3

from commands.contract import CustomerState, FaxHolder, UserState
from commands.errors import ContractError, NotFound, PermanentBackendError, UserError
from commands.rules_lookup import canonical_number
from workers.ad import contract, customers, groups, users
from workers.ad.connection import Connector, LdapSettings
from workers.ad.errors import BACKEND
from workers.ad.names import Tree


class LdapDirectory:
    def __init__(self, url: str, user: str, password: str, base_dn: str, ca_file: str | None = None,
                 tls_verify: bool = True, sam_format: str = "{first_initial}{last}", *,
                 tls_name: str | None = None, mail_domain: str | None = None,
                 connect_timeout: int = 5, receive_timeout: int = 15):
        self._connector = Connector(LdapSettings(
            url=url, user=user, password=password, base_dn=base_dn,
            ca_file=str(ca_file) if ca_file else None, tls_verify=tls_verify, tls_name=tls_name,
            connect_timeout=connect_timeout, receive_timeout=receive_timeout))
        self._tree = Tree(base_dn)
        self._sam_format = sam_format
        self._mail_domain = mail_domain

    def __repr__(self) -> str:  # never the password
        return f"LdapDirectory({self._connector.settings.url!r}, base_dn={self._tree.base_dn!r})"

    @contextmanager
    def _session(self) -> Iterator[ldap3.Connection]:
        try:
            with self._connector.session() as conn:
                yield conn
        except (NotFound, ContractError):
            raise       # refusals a person acts on, not a server's: the door shows them as they are
        except (UserError, ValueError) as exc:
            # a name or value AD cannot take (naming, contract encoding): say so, don't retry
            text = exc.text() if isinstance(exc, UserError) else str(exc)
            raise PermanentBackendError(BACKEND, text) from exc

    # ---- customers and contracts ---------------------------------------------------------

    def customer_slugs(self) -> list[str]:
        with self._session() as conn:
            return customers.customer_slugs(conn, self._tree)

    def customer(self, slug: str) -> CustomerState | None:
        with self._session() as conn:
            if customers.find_customer(conn, self._tree, slug) is None:
                return None
            states = [_user_state(u) for u in users.list_users(conn, self._tree, slug)]
            return contract.customer_state(conn, self._tree, slug, states)

    def fax_holders(self, number: str) -> list[FaxHolder]:
        wanted = canonical_number(number)
        with self._session() as conn:
            found = users.fax_number_holders(conn, self._tree, wanted)
        return [FaxHolder(n, u["customer"], u["sam"]) for u in found for n in u["fax_numbers"]
                if canonical_number(n) == wanted]

    def create_customer(self, customer: str, display_name: str) -> None:
        with self._session() as conn:
            customers.create_customer(conn, self._tree, customer, display_name)

    def delete_customer(self, customer: str) -> None:
        with self._session() as conn:
            customers.delete_customer(conn, self._tree, customer)

    def set_contract(self, customer: str, key: str, value: str | None) -> None:
        with self._session() as conn:
            contract.set_contract(conn, self._tree, customer, key, value)

    def get_contract(self, customer: str) -> dict[str, str]:
        with self._session() as conn:
            return contract.get_contract(conn, self._tree, customer)

    def add_domain(self, customer: str, domain: str) -> None:
        with self._session() as conn:
            contract.add_domain(conn, self._tree, customer, domain)

    def remove_domain(self, customer: str, domain: str) -> None:
        with self._session() as conn:
            contract.remove_domain(conn, self._tree, customer, domain)

    # ---- users -------------------------------------------------------------------------------

    def find_user_by_marker(self, customer: str, marker: str) -> dict[str, Any] | None:
        with self._session() as conn:
            return users.find_by_marker(conn, self._tree, customer, marker)

    def create_user(self, customer: str, *, given_name: str, surname: str, display_name: str,
                    email: str | None, solo: bool, marker: str,
                    sam: str | None = None) -> dict[str, Any]:
        with self._session() as conn:
            made = users.create_user(conn, self._tree, customer, given_name=given_name,
                                     surname=surname, display_name=display_name, email=email,
                                     solo=solo, marker=marker, sam_format=self._sam_format,
                                     mail_domain=self._mail_domain, sam=sam)
            return {k: made[k] for k in ("sam", "upn", "mail", "dn")}

    def find_user(self, customer: str, user: str) -> dict[str, Any] | None:
        with self._session() as conn:
            return users.find_user(conn, self._tree, customer, user)

    def set_password(self, customer: str, user: str, password: str, must_change: bool) -> None:
        with self._session() as conn:
            users.set_password(conn, users.require_user(conn, self._tree, customer, user),
                               password, must_change)

    def set_enabled(self, customer: str, user: str, enabled: bool) -> None:
        with self._session() as conn:
            users.set_enabled(conn, users.require_user(conn, self._tree, customer, user), enabled)

    def delete_user(self, customer: str, user: str) -> None:
        with self._session() as conn:
            conn.delete(users.require_user(conn, self._tree, customer, user)["dn"])

    def add_to_group(self, customer: str, user: str, group: str) -> None:
        with self._session() as conn:
            found = users.require_user(conn, self._tree, customer, user)
            groups.add_to_group(conn, self._tree, customer, found, group)

    def remove_from_group(self, customer: str, user: str, group: str) -> None:
        with self._session() as conn:
            found = users.require_user(conn, self._tree, customer, user)
            groups.remove_from_group(conn, self._tree, customer, found, group)

    def add_fax_number(self, customer: str, user: str, number: str) -> None:
        with self._session() as conn:
            users.add_fax_number(conn, users.require_user(conn, self._tree, customer, user), number)

    def remove_fax_number(self, customer: str, user: str, number: str) -> None:
        with self._session() as conn:
            users.remove_fax_number(conn, users.require_user(conn, self._tree, customer, user), number)


def _user_state(user: dict[str, Any]) -> UserState:
    return UserState(sam=user["sam"], display_name=user["display_name"] or user["sam"],
                     mail=user["mail"] or user["upn"] or "", solo=user["solo"],
                     enabled=user["enabled"], activesync="activesync-users" in user["groups"],
                     fax_numbers=tuple(user["fax_numbers"]), request=user["marker"])
