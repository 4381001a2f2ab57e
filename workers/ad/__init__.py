"""The Active Directory adapter: the `Directory` port over LDAPS with ldap3."""

from workers.ad.directory import LdapDirectory

__all__ = ["LdapDirectory"]
