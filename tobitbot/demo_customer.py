"""A complete demo customer, written through the real ports: for the sandbox and end-to-end tests.

Everything a customer needs before users can be added: its OU and groups, a base service,
Tobit add-on licences, shared fax, legal info for the signature (R12), an own mail domain with
its TLS certificate recorded (R8), and the storage pool on its Tobit server (R7).

The sandbox seeds on every start, and the person using it books, cancels and edits the demo
customer in between: so the whole contract is written only while the customer is new (its
`base` is written last, so a seed cut short is finished next time). Afterwards a run changes
only what must follow this run (the Tobit server's URL, whose port changes), fills in keys that
are missing but were never the user's to remove, and sets the pool only on a Tobit server that
has none yet. A missing booking is a cancellation and stays missing.
"""

from __future__ import annotations

from commands.contract import MAILBOX_SHARE_MB
from commands.contract_codec import BOOKINGS
from workers.ports import Directory, MailServer

LEGAL = {
    "legal:company": "Acme Kommunikation",
    "legal:legal-form": "GmbH",
    "legal:seat": "Berlin",
    "legal:register-court": "Amtsgericht Charlottenburg",
    "legal:register-number": "HRB 123456 B",
    "legal:managing-directors": "Anna Schmidt; Bernd Meyer",
}
COMPLETE = "base"   # written last: a customer with it has been seeded once in full


def seed_customer(directory: Directory, mail: MailServer, slug: str, *, display_name: str,
                  tobit_url: str, domain: str, licences: int = 10) -> None:
    """Create or complete the customer; safe to run again, and keeps what was changed since."""
    if directory.customer(slug) is None:
        directory.create_customer(slug, display_name)
    contract = {"mail-product": "tobit", "tobit-url": tobit_url,
                "book:tobit-addon": str(licences), "book:fax-shared": "yes",
                f"tls:{domain}": "yes", **LEGAL, COMPLETE: "enterprise-desktop"}
    current = directory.get_contract(slug)
    new = COMPLETE not in current   # or its first seed was cut short
    for key, value in _to_write(contract, current, new).items():
        directory.set_contract(slug, key, value)
    if new:
        directory.add_domain(slug, domain)
    _set_pool(directory, mail, slug, licences if new else None)


def _to_write(contract: dict[str, str], current: dict[str, str], new: bool) -> dict[str, str]:
    if new:
        return {key: value for key, value in contract.items() if current.get(key) != value}
    return {key: value for key, value in contract.items()
            if (key == "tobit-url" and current.get(key) != value)
            or (key not in current and key not in BOOKINGS)}


def _set_pool(directory: Directory, mail: MailServer, slug: str, licences: int | None) -> None:
    """A new customer's pool follows `licences`; a known one's is set only where the Tobit server
    has none (its state is new), and then from what the customer has booked."""
    if licences is not None:
        mail.set_pool(licences * MAILBOX_SHARE_MB)
        return
    if mail.get_pool().get("pool_mb"):
        return
    booked = directory.customer(slug).pool_mb
    if booked:
        mail.set_pool(booked)
