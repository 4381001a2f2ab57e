"""Small builders of CustomerState values for unit tests: a complete, bookable customer by
default, changed with keyword arguments."""

from __future__ import annotations

from dataclasses import replace

from commands.contract import Bookings, CustomerState, Domain, LegalInfo, PbxLink, UserState

LEGAL = LegalInfo(company="ACME Maschinenbau", legal_form="GmbH", seat="Berlin",
                  register_court="Amtsgericht Charlottenburg", register_number="HRB 12345",
                  managing_directors=("Jörg Müller", "Anna Schmidt"))


def user(sam: str = "jmueller", name: str = "Jörg Müller", *, mail: str | None = None,
         **changes) -> UserState:
    return UserState(sam=sam, display_name=name, mail=mail or f"{sam}@acme.de",
                     **{"used_mb": 1024, **changes})


def customer(*, users: tuple[UserState, ...] = (), addon: int = 5, solo: int = 0,
             legal: LegalInfo = LEGAL, domains: tuple[str, ...] = ("acme.de",),
             pbx: tuple[PbxLink, ...] = (), **changes) -> CustomerState:
    """ACME on enterprise-desktop with `addon` licences; `changes` go to Bookings or the state."""
    booking_fields = set(Bookings.__dataclass_fields__)
    bookings = Bookings(tobit_addon=addon, tobit_solo=solo,
                        **{k: v for k, v in changes.items() if k in booking_fields})
    state = CustomerState(
        slug="acme", display_name="ACME Maschinenbau GmbH", base_service="enterprise-desktop",
        tobit_url="https://tobit.acme.example:8443", bookings=bookings,
        domains=tuple(Domain(d, tls_certificate=True) for d in domains), legal=legal,
        pbx_links=pbx, users=users)
    return replace(state, **{k: v for k, v in changes.items() if k not in booking_fields})
