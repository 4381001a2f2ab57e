"""The one table of the `/tobit` language: every command's words, usage, help and examples.

The parser, the help and the renderer are all driven by `SPECS`; a command is added here and
nowhere else. Positionals may also be given as `key=value` (`name="Müller GmbH"`), so every
parameter has a key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from commands import model
from commands import report_values as rv
from commands import values as v
from commands.naming import split_full_name, unnamable
from commands.phone import e164


@dataclass(frozen=True)
class Param:
    key: str                               # as typed: `tobit-url`
    field: str                             # the dataclass field it fills
    convert: Callable[[str], Any]
    placeholder: str                       # in usage lines: `CUSTOMER`, `yes|no`
    doc: str                               # one line of help
    required: bool = False
    greedy: bool = False                   # last positional: takes the rest of the words
    show: Callable[[Any], str] = str       # the inverse of `convert`, for `render`
    rule: str | None = None                # the rule that makes it required
    switch: bool = False                   # its own word turns it on, wherever it stands (`mine`)


@dataclass(frozen=True)
class Spec:
    type: type[model.Command]
    group: str                             # "customer" | "user" | "reports"
    summary: str
    positionals: tuple[Param, ...] = ()
    options: tuple[Param, ...] = ()
    examples: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()            # the service rules checked for it
    aliases: tuple[str, ...] = ()
    needs_option: bool = False             # at least one option must be given
    # Checks across values (which product takes a count); may add a default. Raises BadValue.
    check: Callable[[dict[str, Any]], None] | None = None

    @property
    def name(self) -> str:
        return self.type.name

    @property
    def params(self) -> tuple[Param, ...]:
        return self.positionals + self.options

    def param(self, key: str) -> Param | None:
        return next((p for p in self.params if p.key == key), None)

    def usage(self) -> str:
        words = [self.name]
        for p in self.positionals:
            words.append(p.placeholder if p.required else f"[{p.placeholder}]")
        for p in self.options:
            words.append(f"{p.key}={p.placeholder}" if p.required else f"[{p.key}={p.placeholder}]")
        return " ".join(words)


# ---- parameters used by many commands -------------------------------------------------------

CUSTOMER = Param("customer", "customer", v.slug, "CUSTOMER", "the customer's short name", True)
USER = Param("user", "user", v.user_ref, "USER", "account name or mail address", True)
PRODUCT = Param("product", "product", v.choice(model.PRODUCTS, "product"), "PRODUCT",
                "one of " + ", ".join(model.PRODUCTS), True)
COUNT = Param("count", "quantity", v.count, "COUNT", "licences (tobit-addon, tobit-solo) or GB "
              "(extra-storage)")
SITE = Param("site", "site", v.site, "SITE", "the customer's site, one PBX each (default `main`)")
FAX_NUMBER = Param("number", "number", e164, "NUMBER", "fax number, `+49 30 1234567`, or German "
                   "without the country code, `030 1234567` (spaces, `-`, `/` allowed)", True,
                   greedy=True)
COUNTED = {"tobit-addon": "licences", "tobit-solo": "licences", "extra-storage": "GB"}


def _only_dedicated(values: dict[str, Any], keys: tuple[str, ...]) -> None:
    for key in keys:
        if key in values:
            raise v.BadValue(f"`{key}=` is only for `fax-dedicated`.", f"Leave out `{key}=`.")


def _check_book(values: dict[str, Any]) -> None:
    product, quantity = values["product"], values.get("quantity")
    if quantity is not None and product not in COUNTED:
        raise v.BadValue(f"`{product}` is booked as a whole; it takes no count.", "Leave out the count.")
    if product == "extra-storage" and quantity is None:
        raise v.BadValue("Say how many GB of extra storage.", "For example `book acme extra-storage 20`.")
    if product in COUNTED and quantity is None:
        values["quantity"] = 1          # one more licence: what "book acme tobit-addon" means
    if product != "fax-dedicated":
        _only_dedicated(values, ("pbx", "trunk", "site"))
    elif "pbx" not in values:
        raise v.BadValue("Dedicated fax needs to know the customer's PBX.",
                         "Add `pbx=xcapi`, `pbx=gateway` (rented) or `pbx=other`.", rule="R16")
    elif values["pbx"] != "other" and "trunk" not in values:
        raise v.BadValue(f"`pbx={values['pbx']}` needs the SIP address to connect to.",
                         "Add `trunk=sip:pbx.acme.de:5060`.", rule="R16")


def _check_cancel(values: dict[str, Any]) -> None:
    product = values["product"]
    if values.get("quantity") is not None and product not in COUNTED:
        raise v.BadValue(f"`{product}` is cancelled as a whole; it takes no count.",
                         "Leave out the count.")
    if product != "fax-dedicated":
        _only_dedicated(values, ("site",))


def _check_fax(values: dict[str, Any]) -> None:
    if values.get("mode", "shared") == "shared" and "site" in values:
        raise v.BadValue("`site=` is only for `mode=dedicated`.",
                         "Shared fax uses the provider's PBX (R17); leave out `site=`.")


def _check_add_user(values: dict[str, Any]) -> None:
    """A name that no account name can be made of needs `login=`: asked here, at the door, not
    found out by the job at its first step after the request was acknowledged."""
    name = values["full_name"]
    missing = unnamable(*split_full_name(name)) if "login" not in values else ()
    if missing:
        raise v.BadValue(
            f"No account name can be made from `{v.shown(name)}`: its {' and '.join(missing)} "
            f"{'has' if len(missing) == 1 else 'have'} no Latin letters or digits.",
            f'Give the account name with `login=`: `add-user {values["customer"]} '
            f'"{v.shown(name)}" login=NAME` (up to 20 characters a-z, 0-9, `.`, `-`, `_`).')


def _topic(text: str) -> str:
    spec = find(text)
    if spec is None:
        close = closest(text)
        raise v.BadValue(f"there is no command `{v.shown(text)}`.",
                         f"Did you mean `{close.name}`?" if close else "Type `help` for all commands.")
    return spec.name


SPECS: tuple[Spec, ...] = (
    # ---- customer ---------------------------------------------------------------------------
    Spec(model.OnboardCustomer, "customer", "Set up a new customer with its own Tobit server.",
         (Param("customer", "customer", v.slug, "CUSTOMER", "new short name: a-z, 0-9, -", True),
          Param("name", "display_name", v.free_text("customer name", 128), '"DISPLAY NAME"',
                "the customer's name as shown to people", True, greedy=True)),
         (Param("base", "base_service", v.choice((*model.BASE_SERVICES, "none"), "base service"),
                "|".join((*model.BASE_SERVICES, "none")), "the base service booked (R1)", True),
          Param("tobit-url", "tobit_url", v.https_url, "https://...",
                "the customer's own Tobit server (R6)", True),
          Param("mail", "mail_product", v.choice(("tobit", "exchange"), "mail product"),
                "tobit|exchange", "mail on Tobit (default) or Exchange, never both (R3)")),
         ('onboard-customer acme "ACME GmbH" base=enterprise-service '
          "tobit-url=https://tobit.acme.de",),
         ("R1", "R3", "R6")),
    Spec(model.Book, "customer", "Book a product: licences, storage, fax, archive or CTI.",
         (CUSTOMER, PRODUCT, COUNT),
         (Param("pbx", "pbx", v.choice(("xcapi", "gateway", "other"), "PBX kind"), "xcapi|gateway|other",
                "fax-dedicated: the customer's PBX (R16)"),
          Param("trunk", "trunk", v.sip_uri, "sip:...", "fax-dedicated: SIP URI of the XCAPI trunk "
                "or gateway"),
          SITE),
         ("book acme tobit-addon 10", "book acme extra-storage 20", "book acme fax-shared",
          "book acme fax-dedicated pbx=xcapi trunk=sip:pbx.acme.de:5060 site=berlin"),
         ("R1", "R2", "R4", "R7", "R16"), check=_check_book),
    Spec(model.Cancel, "customer", "Cancel a booking, or some licences / GB of it.",
         (CUSTOMER, PRODUCT, COUNT), (SITE,),
         ("cancel acme tobit-addon 2", "cancel acme mailstore"),
         ("R2", "R7"), check=_check_cancel),
    Spec(model.SetDomain, "customer", "Receive and send the customer's own domain's mail.",
         (CUSTOMER, Param("domain", "domain", v.domain, "DOMAIN", "the domain, `acme.de`", True)),
         (Param("tls", "tls_certificate", v.boolean, "yes|no", "a paid TLS certificate is in "
                "place (default no)", show=v.show_boolean),),
         ("set-domain acme acme.de", "set-domain acme müller-bau.de tls=yes"),
         ("R8",)),
    Spec(model.SetLegalInfo, "customer", "Record the particulars every mail signature must show.",
         (CUSTOMER,),
         (Param("company", "company", v.free_text("company name"), '"NAME"', "registered name"),
          Param("form", "legal_form", v.free_text("legal form", 40), "FORM", "GmbH, AG, e.K., ..."),
          Param("seat", "seat", v.free_text("seat", 80), "CITY", "registered seat"),
          Param("court", "register_court", v.free_text("register court"), '"COURT"',
                "register court"),
          Param("register", "register_number", v.free_text("register number", 40), '"NUMBER"',
                "register number, `HRB 12345`"),
          Param("directors", "managing_directors", v.names_list, '"NAME; NAME"',
                "managing directors, separated by `;`", show=v.show_names)),
         ('set-legal-info acme company="ACME GmbH" form=GmbH seat=Berlin '
          'court="Amtsgericht Charlottenburg" register="HRB 12345" '
          'directors="Anna Schmidt; Bernd Meyer"',
          "set-legal-info acme seat=Potsdam"),
         ("R12",), needs_option=True),
    Spec(model.ShowCustomer, "customer", "Show a customer's bookings, domains and server.",
         (CUSTOMER,), (), ("show-customer acme",), ("R21",)),
    # ---- user -------------------------------------------------------------------------------
    Spec(model.AddUser, "user", "Create a user with a Tobit mailbox and signature.",
         (CUSTOMER, Param("name", "full_name", v.full_name, '"FIRST LAST"', "the person's full "
                          "name (one named person per mailbox)", True, greedy=True)),
         (Param("email", "email", v.email, "ADDRESS", "mail address (default: from the name)"),
          Param("solo", "solo", v.boolean, "yes|no", "a Tobit Service solo user (R2)",
                show=v.show_boolean),
          Param("activesync", "activesync", v.boolean, "yes|no", "mobile access (default yes, R11)",
                show=v.show_boolean),
          Param("login", "login", v.login, "NAME", "the account name (default: made from the name; "
                "needed where the name has no Latin letters), unique in the customer")),
         ('add-user acme "Jane Doe"', 'add-user acme "Jörg Müller" email=joerg.mueller@acme.de',
          'add-user acme "Sam Free" solo=yes', 'add-user acme "Jane Doe" activesync=no',
          'add-user acme "李 王" login=lwang'),
         ("R2", "R3", "R5", "R7", "R10", "R11", "R12"), check=_check_add_user),
    Spec(model.RemoveUser, "user", "Remove a user; the mailbox is archived or exported first.",
         (CUSTOMER, USER),
         (Param("mail", "mail", v.choice(("archive", "export"), "way to keep the mail"),
                "archive|export", "archive or export the mailbox first; mail is never just deleted",
                True, rule="R19"),),
         ("remove-user acme jdoe mail=archive",), ("R19",)),
    Spec(model.ShowUser, "user", "Show a user's mailbox, groups and fax numbers.",
         (CUSTOMER, USER), (), ("show-user acme jdoe",)),
    Spec(model.ListUsers, "user", "List a customer's users.", (CUSTOMER,), (),
         ("list-users acme",)),
    Spec(model.EnableActiveSync, "user", "Switch mobile access (ActiveSync) on for a user.",
         (CUSTOMER, USER), (), ("enable-activesync acme jdoe",), ("R11",)),
    Spec(model.DisableActiveSync, "user", "Switch mobile access (ActiveSync) off for a user.",
         (CUSTOMER, USER), (), ("disable-activesync acme jdoe",), ("R11",)),
    Spec(model.ResetPassword, "user", "Set a new password; only you receive it.",
         (CUSTOMER, USER), (), ("reset-password acme jdoe",), ("R18",)),
    Spec(model.EnableFax, "user", "Route a fax number to a user's mailbox.",
         (CUSTOMER, USER, FAX_NUMBER),
         (Param("mode", "mode", v.choice(("shared", "dedicated"), "fax mode"), "shared|dedicated",
                "the provider's PBX (shared, default) or the customer's (dedicated)"), SITE),
         ("enable-fax acme jdoe +49 30 1234567",
          "enable-fax acme jdoe +49-40-555123 mode=dedicated site=hamburg"),
         ("R15", "R16", "R17"), check=_check_fax),
    Spec(model.DisableFax, "user", "Stop routing a fax number.", (CUSTOMER, FAX_NUMBER), (),
         ("disable-fax acme +49 30 1234567",), ("R15",)),
    # ---- reports ----------------------------------------------------------------------------
    Spec(model.Quota, "reports", "Storage pool and what each mailbox uses.", (CUSTOMER,), (),
         ("quota acme",), ("R7",)),
    Spec(model.Licences, "reports", "Booked and used licences.", (CUSTOMER,), (),
         ("licences acme",), ("R5",), aliases=("licenses",)),
    Spec(model.FaxNumbers, "reports", "Fax numbers and the mailboxes they reach.", (CUSTOMER,), (),
         ("fax-numbers acme",), ("R15",)),
    Spec(model.ListJobs, "reports", "Recent requests and their state, newest first.",
         (Param("customer", "customer", v.slug, "CUSTOMER", "only this customer's requests"),
          Param("mine", "mine", rv.flag_word("mine"), "mine", "only the requests you asked for",
                show=rv.show_flag("mine"), switch=True)),
         (Param("limit", "limit", rv.limit, "N", f"how many (default 10, at most {rv.MAX_LIMIT})"),),
         ("jobs", "jobs acme", "jobs mine", "jobs acme mine limit=25")),
    Spec(model.ShowJob, "reports", "One request: who asked, approvals, steps done and left.",
         (Param("id", "request_id", rv.request_id, "ID", "the request id shown under the request "
                "message (`r-...`)", True),), (),
         ("job r-1a2b3c4d5e",)),
    Spec(model.ShowAudit, "reports", "The audit trail as a table, filtered.",
         (Param("customer", "customer", v.slug, "CUSTOMER", "only this customer's entries"),
          Param("break-glass", "break_glass", rv.flag_word("break-glass"), "break-glass",
                "only break-glass runs, with their review state", show=rv.show_flag("break-glass"),
                switch=True)),
         (Param("since", "since", rv.duration, "7d|24h|30m", "how far back (default 7d)",
                show=rv.show_duration),
          Param("ticket", "ticket", rv.ticket, "TICKET", "only entries of this ticket's requests")),
         ("audit acme", "audit acme since=24h", "audit ticket=SUP-1234 since=30d",
          "audit break-glass")),
    Spec(model.Help, "reports", "All commands, or one command's details.",
         (Param("command", "topic", _topic, "COMMAND", "a command name"),), (),
         ("help", "help add-user")),
    Spec(model.ShowPlan, "reports", "Show what a command would do, without doing it.",
         (Param("command", "command", str, "COMMAND ...", "any command but `help` and `plan`",
                True),), (),
         ('plan add-user acme "Jane Doe"', "plan remove-user acme jdoe mail=export")),
)

SPECS_BY_NAME: dict[str, Spec] = {s.name: s for s in SPECS}
_NAMES: dict[str, Spec] = {name: s for s in SPECS for name in (s.name, *s.aliases)}
# Dashes that keyboards and autocorrect put in place of "-".
_DASHES = str.maketrans({"_": "-", "\u2010": "-", "\u2011": "-", "\u2013": "-", "\u2212": "-"})


def normal_name(word: str) -> str:
    """A command name or key as the table spells it: `Add_User` -> `add-user`."""
    return word.lower().translate(_DASHES)


def find(word: str) -> Spec | None:
    """The command `word` names, by name or alias, or None."""
    return _NAMES.get(normal_name(word))


def closest(word: str) -> Spec | None:
    """The command `word` was probably meant to be, for a "did you mean"."""
    close = v.did_you_mean(normal_name(word), list(_NAMES))
    return _NAMES[close] if close else None
