"""Where things live in the tree, and filters: every user-supplied value escaped here.

    <base DN>
    └── OU=Customers
        └── OU=<slug>                    description, businessCategory, uPNSuffixes
            ├── CN=<slug>-tobit-users        (groups, AD_GROUPS)
            ├── CN=<slug>-activesync-users
            ├── CN=<slug>-fax-users
            └── CN=<display name>            users
"""

from __future__ import annotations

from dataclasses import dataclass

from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn

from commands.steps import AD_GROUPS

CN_MAX = 64  # rangeUpper of cn
USER_FILTER = "(&(objectCategory=person)(objectClass=user))"


@dataclass(frozen=True)
class Tree:
    base_dn: str

    @property
    def customers(self) -> str:
        return f"OU=Customers,{self.base_dn}"

    def customer(self, slug: str) -> str:
        return f"OU={escape_rdn(slug)},{self.customers}"

    def group(self, slug: str, group: str) -> str:
        return f"CN={escape_rdn(group_name(slug, group))},{self.customer(slug)}"

    def user(self, slug: str, cn: str) -> str:
        return f"CN={escape_rdn(cn[:CN_MAX])},{self.customer(slug)}"

    @property
    def default_mail_domain(self) -> str:
        """tobit.test for DC=tobit,DC=test: the domain's own DNS name."""
        parts = [rdn.split("=", 1)[1] for rdn in self.base_dn.split(",")
                 if rdn.strip().upper().startswith("DC=")]
        return ".".join(parts).lower()


def group_name(slug: str, group: str) -> str:
    """cn and sAMAccountName of a customer's group: <slug>-<group>."""
    if group not in AD_GROUPS:
        raise ValueError(f"unknown group {group!r}; the groups are {', '.join(AD_GROUPS)}")
    return f"{slug}-{group}"


def eq(attribute: str, value: str) -> str:
    return f"({attribute}={escape_filter_chars(value)})"


def user_filter(*clauses: str) -> str:
    return f"(&{USER_FILTER}{''.join(clauses)})"


def any_of(*clauses: str) -> str:
    return f"(|{''.join(clauses)})"
