"""The legally required German business e-mail signature (R12; HGB §37a, GmbHG §35a, AktG §80).

Plain text with German labels, because the recipients and the law are German. The person's
part comes first, then the mandatory particulars (Pflichtangaben) below the "-- " separator.
"""

from __future__ import annotations

from commands.contract import LegalInfo
from commands.errors import RuleViolation
from commands.rules_users import LEGAL_KEYS

# AktG §80 and GenG §25a name the board "Vorstand"; companies with managing directors say
# "Geschäftsführer" (GmbHG §35a), which also fits UG and GmbH & Co. KG well enough
_BOARD_FORMS = ("ag", "se", "eg", "e.v.", "kgaa")


def signature_text(user_display_name: str, user_mail: str | None, legal: LegalInfo,
                   customer_display_name: str) -> str:
    """The signature for one mailbox; refuses (R12) while the legal info is incomplete.

    `user_mail` may be None when the address is chosen only at run time; the line is then left
    out (the address is in every mail's From anyway, the law does not ask for it).
    """
    missing = legal.missing()
    if missing:
        raise RuleViolation("R12", "The signature lacks mandatory particulars: "
                            + ", ".join(LEGAL_KEYS[m] for m in missing) + ".",
                            hint="Complete them with `set-legal-info`.")
    firm = firm_name(legal)
    person = ["Mit freundlichen Grüßen", "", user_display_name]
    if customer_display_name.strip() and customer_display_name.strip() != firm:
        person.append(customer_display_name.strip())
    if user_mail:
        person.append(f"E-Mail: {user_mail}")
    has_board = (legal.legal_form or "").casefold() in _BOARD_FORMS
    board = "Vorstand" if has_board else "Geschäftsführer"
    particulars = [
        firm,
        f"Sitz der Gesellschaft: {legal.seat}",
        f"Registergericht: {legal.register_court}",
        f"Registernummer: {legal.register_number}",
        f"{board}: {', '.join(legal.managing_directors)}",
    ]
    return "\n".join(person + ["", "-- "] + particulars)


def firm_name(legal: LegalInfo) -> str:
    """Company name with its legal form, once: "ACME" + "GmbH" and "ACME GmbH" + "GmbH" alike."""
    company, form = (legal.company or "").strip(), (legal.legal_form or "").strip()
    if not form or company.casefold().endswith(form.casefold()):
        return company
    return f"{company} {form}"
