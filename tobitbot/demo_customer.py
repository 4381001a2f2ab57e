"""A complete demo customer, written through the real ports: for the sandbox and end-to-end tests.

Everything a customer needs before users can be added: its OU and groups, a base service,
Tobit add-on licences, shared fax, legal info for the signature (R12), an own mail domain with
its TLS certificate recorded (R8), and the storage pool on its Tobit server (R7).
"""

from __future__ import annotations

from commands.contract import MAILBOX_SHARE_MB
from workers.ports import Directory, MailServer

LEGAL = {
    "legal:company": "Acme Kommunikation",
    "legal:legal-form": "GmbH",
    "legal:seat": "Berlin",
    "legal:register-court": "Amtsgericht Charlottenburg",
    "legal:register-number": "HRB 123456 B",
    "legal:managing-directors": "Anna Schmidt; Bernd Meyer",
}


def seed_customer(directory: Directory, mail: MailServer, slug: str, *, display_name: str,
                  tobit_url: str, domain: str, licences: int = 10) -> None:
    """Create or complete the customer; safe to run again."""
    if directory.customer(slug) is None:
        directory.create_customer(slug, display_name)
    contract = {"base": "enterprise-desktop", "mail-product": "tobit", "tobit-url": tobit_url,
                "book:tobit-addon": str(licences), "book:fax-shared": "yes",
                f"tls:{domain}": "yes", **LEGAL}
    current = directory.get_contract(slug)
    for key, value in contract.items():
        if current.get(key) != value:
            directory.set_contract(slug, key, value)
    directory.add_domain(slug, domain)
    mail.set_pool(licences * MAILBOX_SHARE_MB)
