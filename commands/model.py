"""The typed commands of the `/tobit` language: one frozen dataclass per command.

Names are imperative (`AddUser`); the parser builds them, the rules check them, the planner
turns them into plans. `customer` is always the customer's slug (its OU name in AD).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

BaseService = Literal["enterprise-service", "enterprise-desktop", "enterprise-platform", "none"]
MailProduct = Literal["tobit", "exchange"]
Product = Literal[
    "tobit-addon", "tobit-solo", "fax-shared", "fax-dedicated", "mailstore", "cti", "extra-storage"
]
FaxMode = Literal["shared", "dedicated"]
PbxKind = Literal["xcapi", "gateway", "other"]
MailDisposal = Literal["archive", "export"]

BASE_SERVICES: tuple[str, ...] = ("enterprise-service", "enterprise-desktop", "enterprise-platform")
PRODUCTS: tuple[str, ...] = (
    "tobit-addon", "tobit-solo", "fax-shared", "fax-dedicated", "mailstore", "cti", "extra-storage"
)


@dataclass(frozen=True)
class Command:
    """Base of every command; `name` is the command word as typed (`add-user`)."""

    name = "command"


# ---- customer level -------------------------------------------------------------------------

@dataclass(frozen=True)
class OnboardCustomer(Command):
    customer: str
    display_name: str
    base_service: BaseService
    tobit_url: str
    mail_product: MailProduct = "tobit"
    name = "onboard-customer"


@dataclass(frozen=True)
class Book(Command):
    """Book a product; `quantity` is licences (tobit-addon, tobit-solo) or GB (extra-storage)."""

    customer: str
    product: Product
    quantity: int | None = None
    pbx: PbxKind | None = None      # fax-dedicated: what the customer's PBX is (R16)
    trunk: str | None = None        # fax-dedicated: SIP URI of the XCAPI trunk / gateway
    site: str = "main"              # fax-dedicated: one gateway per site (R16)
    name = "book"


@dataclass(frozen=True)
class Cancel(Command):
    """Cancel a booking, or `quantity` licences / GB of it."""

    customer: str
    product: Product
    quantity: int | None = None
    site: str | None = None
    name = "cancel"


@dataclass(frozen=True)
class SetDomain(Command):
    customer: str
    domain: str
    tls_certificate: bool = False
    name = "set-domain"


@dataclass(frozen=True)
class SetLegalInfo(Command):
    """The data the legally required e-mail signature needs (R12)."""

    customer: str
    company: str | None = None
    legal_form: str | None = None
    seat: str | None = None
    register_court: str | None = None
    register_number: str | None = None
    managing_directors: tuple[str, ...] | None = None
    name = "set-legal-info"


@dataclass(frozen=True)
class ShowCustomer(Command):
    customer: str
    name = "show-customer"


# ---- user level -----------------------------------------------------------------------------

@dataclass(frozen=True)
class AddUser(Command):
    customer: str
    full_name: str
    email: str | None = None
    solo: bool = False
    activesync: bool = True
    login: str | None = None    # the account name; None: made from the name (commands/naming)
    name = "add-user"


@dataclass(frozen=True)
class RemoveUser(Command):
    """Remove a user; the mailbox is archived or exported first, never just deleted (R19)."""

    customer: str
    user: str
    mail: MailDisposal
    name = "remove-user"


@dataclass(frozen=True)
class ShowUser(Command):
    customer: str
    user: str
    name = "show-user"


@dataclass(frozen=True)
class ListUsers(Command):
    customer: str
    name = "list-users"


@dataclass(frozen=True)
class EnableActiveSync(Command):
    customer: str
    user: str
    name = "enable-activesync"


@dataclass(frozen=True)
class DisableActiveSync(Command):
    customer: str
    user: str
    name = "disable-activesync"


@dataclass(frozen=True)
class ResetPassword(Command):
    customer: str
    user: str
    name = "reset-password"


@dataclass(frozen=True)
class EnableFax(Command):
    customer: str
    user: str
    number: str                 # E.164, normalised by the parser: +4930123456
    mode: FaxMode = "shared"
    site: str = "main"          # dedicated: which site's trunk
    name = "enable-fax"


@dataclass(frozen=True)
class DisableFax(Command):
    customer: str
    number: str
    name = "disable-fax"


# ---- reports and control --------------------------------------------------------------------

@dataclass(frozen=True)
class Quota(Command):
    customer: str
    name = "quota"


@dataclass(frozen=True)
class Licences(Command):
    customer: str
    name = "licences"


@dataclass(frozen=True)
class FaxNumbers(Command):
    customer: str
    name = "fax-numbers"


@dataclass(frozen=True)
class ListJobs(Command):
    """Recent requests, newest first: all the person may see, one customer's, or their own."""

    customer: str | None = None
    mine: bool = False
    limit: int = 10
    name = "jobs"


@dataclass(frozen=True)
class ShowJob(Command):
    """One request: what was asked, by whom, its approvals and every step with its time."""

    request_id: str
    name = "job"


@dataclass(frozen=True)
class ShowAudit(Command):
    """Audit entries as a table; `break_glass` lists break-glass runs with their review state."""

    customer: str | None = None
    since: int = 7 * 24 * 3600      # seconds back from now
    ticket: str | None = None
    break_glass: bool = False
    name = "audit"


@dataclass(frozen=True)
class Help(Command):
    topic: str | None = None
    name = "help"


@dataclass(frozen=True)
class ShowPlan(Command):
    """`plan <command>`: show what would be done, do nothing."""

    command: Command = field(default_factory=Help)
    name = "plan"


COMMAND_TYPES: tuple[type[Command], ...] = (
    OnboardCustomer, Book, Cancel, SetDomain, SetLegalInfo, ShowCustomer,
    AddUser, RemoveUser, ShowUser, ListUsers, EnableActiveSync, DisableActiveSync,
    ResetPassword, EnableFax, DisableFax, Quota, Licences, FaxNumbers, ListJobs, ShowJob,
    ShowAudit, Help, ShowPlan,
)
COMMANDS_BY_NAME: dict[str, type[Command]] = {t.name: t for t in COMMAND_TYPES}

# Commands that only read; they never become jobs.
REPORTS: frozenset[str] = frozenset(
    {"show-customer", "show-user", "list-users", "quota", "licences", "fax-numbers", "help", "plan",
     "jobs", "job", "audit"}
)
# Reports about requests and the audit trail, not about one customer's contract in AD.
CONTROL_REPORTS: frozenset[str] = frozenset({"jobs", "job", "audit"})
