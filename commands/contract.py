"""What the provider has agreed with a customer, and the read-only port to fetch it.

The contract lives in Active Directory on the customer's OU (see `contract_codec` for the
encoding); `commands/` sees it only as a `CustomerState` through `ContractReader`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

MAILBOX_SHARE_MB = 5 * 1024  # R7: 5 GB per booked mailbox, counted cumulatively
# The most licences or GB of one product a contract records: the rules refuse a booking whose
# total would pass it and the codec refuses a value above it, one bound for both, so the bot never
# writes a total it then cannot read back (999990 + 100 GB locked the customer out).
BOOKED_MAX = 999_999


@dataclass(frozen=True)
class Bookings:
    tobit_addon: int = 0          # licences (named users with a mailbox, R5)
    tobit_solo: int = 0           # licences for freelancers / externals (R2)
    fax_shared: bool = False
    fax_dedicated: bool = False
    mailstore: bool = False
    cti: bool = False
    extra_storage_gb: int = 0     # enlarges the pool (R7)

    @property
    def mailboxes(self) -> int:
        return self.tobit_addon + self.tobit_solo


@dataclass(frozen=True)
class LegalInfo:
    """The particulars a German business e-mail must carry (HGB §37a, GmbHG §35a; R12)."""

    company: str | None = None
    legal_form: str | None = None
    seat: str | None = None
    register_court: str | None = None
    register_number: str | None = None
    managing_directors: tuple[str, ...] = ()

    def missing(self) -> tuple[str, ...]:
        """Names of the fields still needed for a compliant signature."""
        names = ("company", "legal_form", "seat", "register_court", "register_number")
        gaps = tuple(n for n in names if not getattr(self, n))
        return gaps + (() if self.managing_directors else ("managing_directors",))

    def is_complete(self) -> bool:
        return not self.missing()


@dataclass(frozen=True)
class Domain:
    name: str
    tls_certificate: bool = False  # R8: recorded, warned about until in place


@dataclass(frozen=True)
class PbxLink:
    """A dedicated-fax connection to the customer's PBX at one site (R16)."""

    site: str
    kind: str        # "xcapi" | "gateway" (rented) ; "other" is never stored: R16 refuses it
    trunk: str       # SIP URI of the XCAPI trunk or gateway


@dataclass(frozen=True)
class UserState:
    sam: str                      # sAMAccountName
    display_name: str
    mail: str
    solo: bool = False
    enabled: bool = True
    activesync: bool = True
    fax_numbers: tuple[str, ...] = ()
    used_mb: int | None = None    # from the Tobit server; None when it could not be asked
    request: str | None = None    # the request that created the account (its marker), if any


@dataclass(frozen=True)
class FaxHolder:
    """Where a fax number is in use anywhere at the provider (R15): a user's number in AD, or a
    route in the PBX."""

    number: str                   # as recorded there
    customer: str
    user: str                     # sAMAccountName
    where: str = "AD"             # "AD" | "PBX"


@dataclass(frozen=True)
class CustomerState:
    slug: str
    display_name: str
    base_service: str | None = None          # one of model.BASE_SERVICES, or None
    mail_product: str = "tobit"              # "tobit" | "exchange" (R3)
    tobit_url: str | None = None             # the customer's own Tobit server endpoint (R6)
    bookings: Bookings = field(default_factory=Bookings)
    domains: tuple[Domain, ...] = ()
    legal: LegalInfo = field(default_factory=LegalInfo)
    pbx_links: tuple[PbxLink, ...] = ()
    users: tuple[UserState, ...] = ()

    @property
    def pool_mb(self) -> int:
        """R7: 5 GB per booked mailbox plus extra storage, cumulative over all mailboxes."""
        return self.bookings.mailboxes * MAILBOX_SHARE_MB + self.bookings.extra_storage_gb * 1024

    @property
    def used_mb(self) -> int | None:
        """Total usage, or None when any mailbox's usage is unknown."""
        if any(u.used_mb is None for u in self.users):
            return None
        return sum(u.used_mb or 0 for u in self.users)

    def find_user(self, ref: str) -> UserState | None:
        """A user by sAMAccountName or mail address, case-insensitive."""
        ref = ref.casefold()
        for user in self.users:
            if ref in (user.sam.casefold(), user.mail.casefold()):
                return user
        return None

    def fax_owner(self, number: str) -> UserState | None:
        """The user `number` (E.164) reaches: readers give every number in E.164, however it was
        typed where it is kept, so that equal numbers are equal strings here."""
        return next((u for u in self.users if number in u.fax_numbers), None)


class ContractReader(Protocol):
    """Read-only access to customers' contracts; adapters live outside `commands/`."""

    def customer(self, slug: str) -> CustomerState | None: ...

    def customer_slugs(self) -> list[str]: ...

    def fax_holders(self, number: str) -> list[FaxHolder]:
        """Every user, at any customer, whose fax numbers include `number` (canonical E.164)."""
