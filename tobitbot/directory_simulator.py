"""A simulated Active Directory, for the sandbox where Samba is not installed (and unit tests).

`MemoryDirectory` is the Directory port in memory, with the same rules as LdapDirectory: names
from commands.naming, contracts from commands.contract_codec, markers make create_user
idempotent, unknown customers raise NotFound with a "did you mean", a name or value AD cannot take
is a PermanentBackendError with its hint. `FileDirectory` keeps its
state in a JSON file under an exclusive lock per call, so the bot and its workers (separate
processes) share one directory. Passwords are never written to the file: a real DC keeps
hashes, the simulator keeps nothing.
"""

from __future__ import annotations

import dataclasses
import difflib
import fcntl
import functools
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from commands.contract import CustomerState, FaxHolder, UserState
from commands.contract_codec import decode, encode_entry, entries_to_dict, parse_entry
from commands.errors import ContractError, NotFound, PermanentBackendError, UserError
from commands.naming import account_name
from commands.rules_lookup import canonical_number
from commands.steps import AD_GROUPS


def _refused_like_ad(method: Callable) -> Callable:
    """A name or value the directory cannot take fails the step as LdapDirectory's fails it.

    LdapDirectory._session turns UserError/ValueError (naming, contract encoding) into a
    PermanentBackendError with the helpful text; without the same here, a sandbox job reported
    "internal error in step ad.create_user (ParseError)" where AD says what to type instead.
    """

    @functools.wraps(method)
    def call(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except (NotFound, ContractError):
            raise
        except (UserError, ValueError) as exc:
            text = exc.text() if isinstance(exc, UserError) else str(exc)
            raise PermanentBackendError("AD", text) from exc

    return call


def _like_ad(cls: type) -> type:
    """Every public port method of `cls` goes through `_refused_like_ad`."""
    for name, member in list(vars(cls).items()):
        if not name.startswith("_") and callable(member):
            setattr(cls, name, _refused_like_ad(member))
    return cls


@dataclass
class _Customer:
    display_name: str
    entries: list[str] = field(default_factory=list)
    suffixes: list[str] = field(default_factory=list)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)   # by sam


@_like_ad
class MemoryDirectory:
    def __init__(self, mail_domain: str = "tobit.test", sam_format: str = "{first_initial}{last}"):
        self.customers: dict[str, _Customer] = {}
        self.passwords: dict[str, tuple[str, bool]] = {}   # sam -> (password, must_change)
        self._mail_domain = mail_domain
        self._sam_format = sam_format

    def _call(self, method: str) -> None:
        """Every port method starts here: a hook for the tests' fake (calls, injected faults)."""

    def _customer(self, slug: str) -> _Customer:
        if slug not in self.customers:
            close = difflib.get_close_matches(slug, list(self.customers), n=1, cutoff=0.6)
            raise NotFound(f"unknown customer `{slug}`",
                           hint=f"did you mean `{close[0]}`?" if close else None)
        return self.customers[slug]

    def _user(self, slug: str, ref: str) -> dict[str, Any]:
        user = self.find_user(slug, ref)
        if user is None:
            raise NotFound(f"customer `{slug}` has no user `{ref}`")
        return self._customer(slug).users[user["sam"]]

    # ---- customers and contracts ---------------------------------------------------------

    def customer_slugs(self) -> list[str]:
        self._call("customer_slugs")
        return sorted(self.customers)

    def customer(self, slug: str) -> CustomerState | None:
        self._call("customer")
        c = self.customers.get(slug)
        if c is None:
            return None
        users = [UserState(sam=u["sam"], display_name=u["display_name"], mail=u["mail"],
                           solo=u["solo"], enabled=u["enabled"],
                           activesync="activesync-users" in u["groups"],
                           fax_numbers=tuple(u["fax_numbers"]), request=u.get("marker"))
                 for _, u in sorted(c.users.items())]
        return decode(slug, c.entries, c.display_name, c.suffixes, users)

    def fax_holders(self, number: str) -> list[FaxHolder]:
        self._call("fax_holders")
        wanted = canonical_number(number)
        return [FaxHolder(n, slug, u["sam"]) for slug, c in sorted(self.customers.items())
                for u in c.users.values() for n in u["fax_numbers"] if canonical_number(n) == wanted]

    def create_customer(self, customer: str, display_name: str) -> None:
        self._call("create_customer")
        self.customers.setdefault(customer, _Customer(display_name)).display_name = display_name

    def delete_customer(self, customer: str) -> None:
        self._call("delete_customer")
        c = self.customers.get(customer)
        if c is not None and c.users:
            raise PermanentBackendError("AD", f"customer `{customer}` still has {len(c.users)} "
                                              "user(s); remove them first (R19)")
        self.customers.pop(customer, None)

    def set_contract(self, customer: str, key: str, value: str | None) -> None:
        self._call("set_contract")
        c = self._customer(customer)
        c.entries = [e for e in c.entries if (parse_entry(e) or ("", ""))[0] != key]
        if value is not None:
            c.entries.append(encode_entry(key, value))

    def get_contract(self, customer: str) -> dict[str, str]:
        self._call("get_contract")
        return entries_to_dict(self._customer(customer).entries, customer)

    def add_domain(self, customer: str, domain: str) -> None:
        self._call("add_domain")
        c = self._customer(customer)
        if domain.lower() not in c.suffixes:
            c.suffixes.append(domain.lower())

    def remove_domain(self, customer: str, domain: str) -> None:
        self._call("remove_domain")
        c = self._customer(customer)
        c.suffixes = [s for s in c.suffixes if s != domain.lower()]

    # ---- users -------------------------------------------------------------------------------

    def _all_users(self) -> list[dict[str, Any]]:
        return [u for c in self.customers.values() for u in c.users.values()]

    def find_user_by_marker(self, customer: str, marker: str) -> dict[str, Any] | None:
        self._call("find_user_by_marker")
        found = [u for u in self._customer(customer).users.values() if u["marker"] == marker]
        return dict(found[0]) if found else None

    def create_user(self, customer: str, *, given_name: str, surname: str, display_name: str,
                    email: str | None, solo: bool, marker: str,
                    sam: str | None = None) -> dict[str, Any]:
        self._call("create_user")
        c = self._customer(customer)
        for user in c.users.values():
            if user["marker"] == marker:
                return {k: user[k] for k in ("sam", "upn", "mail", "dn")}
        taken = {u["sam"] for u in self._all_users()}
        if sam is None:
            sam = account_name(given_name, surname, self._sam_format, taken=taken)
        elif sam.casefold() in {t.casefold() for t in taken}:
            raise PermanentBackendError("AD", f"the account name `{sam}` is taken in AD; "
                                              "choose another login=")
        mail = email or f"{sam}@{(c.suffixes or [self._mail_domain])[0]}"
        if any(mail.lower() in (u["mail"].lower(), u["upn"].lower()) for u in self._all_users()):
            raise PermanentBackendError("AD", f"{mail} is already the address of another account")
        c.users[sam] = {"sam": sam, "upn": mail, "mail": mail, "dn": f"CN={display_name},OU={customer}",
                        "display_name": display_name, "given_name": given_name,
                        "surname": surname, "enabled": False, "groups": [], "fax_numbers": [],
                        "solo": solo, "must_change": False, "marker": marker}
        return {"sam": sam, "upn": mail, "mail": mail, "dn": c.users[sam]["dn"]}

    def find_user(self, customer: str, user: str) -> dict[str, Any] | None:
        self._call("find_user")
        ref = user.casefold()
        for u in self._customer(customer).users.values():
            if ref in (u["sam"].casefold(), u["mail"].casefold(), u["upn"].casefold()):
                return {**u, "groups": list(u["groups"]), "fax_numbers": list(u["fax_numbers"])}
        return None

    def set_password(self, customer: str, user: str, password: str, must_change: bool) -> None:
        self._call("set_password")
        u = self._user(customer, user)
        self.passwords[u["sam"]] = (password, must_change)
        u["must_change"] = must_change

    def set_enabled(self, customer: str, user: str, enabled: bool) -> None:
        self._call("set_enabled")
        self._user(customer, user)["enabled"] = enabled

    def delete_user(self, customer: str, user: str) -> None:
        self._call("delete_user")
        del self._customer(customer).users[self._user(customer, user)["sam"]]

    def add_to_group(self, customer: str, user: str, group: str) -> None:
        self._call("add_to_group")
        u = self._user(customer, user)
        if group not in AD_GROUPS:
            raise PermanentBackendError("AD", f"unknown group {group!r}")
        if group not in u["groups"]:
            u["groups"] = [g for g in AD_GROUPS if g in u["groups"] or g == group]

    def remove_from_group(self, customer: str, user: str, group: str) -> None:
        self._call("remove_from_group")
        u = self._user(customer, user)
        u["groups"] = [g for g in u["groups"] if g != group]

    def add_fax_number(self, customer: str, user: str, number: str) -> None:
        self._call("add_fax_number")
        u = self._user(customer, user)
        if number not in u["fax_numbers"]:
            u["fax_numbers"] = u["fax_numbers"][:1] + sorted(u["fax_numbers"][1:] + [number]) \
                if u["fax_numbers"] else [number]

    def remove_fax_number(self, customer: str, user: str, number: str) -> None:
        self._call("remove_fax_number")
        u = self._user(customer, user)
        u["fax_numbers"] = [n for n in u["fax_numbers"] if n != number]


class FileDirectory:
    """A MemoryDirectory loaded from `path` and written back around every call."""

    def __init__(self, path: Path, mail_domain: str = "tobit.test",
                 sam_format: str = "{first_initial}{last}") -> None:
        self.path = Path(path)
        self._mail_domain = mail_domain
        self._sam_format = sam_format

    def __getattr__(self, name: str):
        if name.startswith("_") or not callable(getattr(MemoryDirectory, name, None)):
            raise AttributeError(name)

        def call(*args, **kwargs):
            with self._open() as directory:
                return getattr(directory, name)(*args, **kwargs)

        call.__name__ = name
        return call

    @contextmanager
    def _open(self) -> Iterator[MemoryDirectory]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            directory = MemoryDirectory(self._mail_domain, self._sam_format)
            if self.path.exists():
                stored = json.loads(self.path.read_text())
                directory.customers = {slug: _Customer(**c) for slug, c in stored.items()}
            yield directory
            saved = {slug: dataclasses.asdict(c) for slug, c in directory.customers.items()}
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text(json.dumps(saved, indent=1, sort_keys=True))
            os.replace(temporary, self.path)
