"""Service rules for users and their mailboxes (R2, R3, R5, R8, R11, R12, R19)."""

from __future__ import annotations

from commands import model
from commands.contract import CustomerState
from commands.errors import RuleViolation
from commands.rules_lookup import require_user
from commands.rules_report import RuleReport, passed
from commands.values import shown

# R5: words that name a role or a team, not a person; such accounts end up as shared logins
ROLE_WORDS = frozenset({
    "abteilung", "abuse", "accounting", "admin", "administrator", "allgemein", "billing",
    "buchhaltung", "büro", "einkauf", "empfang", "fax", "gemeinsam", "helpdesk", "hostmaster",
    "info", "kontakt", "kundenservice", "marketing", "noreply", "no-reply", "office", "postmaster",
    "presse", "rechnung", "sales", "sekretariat", "service", "shared", "support", "team", "test",
    "verwaltung", "vertrieb", "webmaster", "zentrale",
})
SOLO_NOTE = ("solo user: browser client and mobile apps (ActiveSync) only, no Windows desktop "
             "client (R2)")
# LegalInfo field -> the option typed in `set-legal-info` (commands/catalogue.py)
LEGAL_KEYS = {"company": "company", "legal_form": "form", "seat": "seat",
              "register_court": "court", "register_number": "register",
              "managing_directors": "directors"}


def check_add_user(cmd: model.AddUser, state: CustomerState) -> RuleReport:
    if state.mail_product == "exchange":
        raise RuleViolation("R3", f"`{state.slug}` is on Exchange; a user must never get both a "
                            "Tobit and an Exchange mailbox.")
    _require_legal_info(state)
    _require_person(cmd)
    _require_licence(cmd, state)
    _require_own_domain(cmd, state)
    warnings: tuple[str, ...] = ()
    name = cmd.full_name.casefold()
    same_name = [u.sam for u in state.users if u.display_name.casefold() == name]
    if same_name:
        warnings += (f"{cmd.full_name} exists already as `{same_name[0]}`; "
                     "make sure this is a different person (R5)",)
    if cmd.solo and not cmd.activesync:
        warnings += ("without ActiveSync a solo user has only the browser client (R2, R11)",)
    return passed("R2", "R3", "R5", "R8", "R11", "R12", warnings=warnings)


def check_remove_user(cmd: model.RemoveUser, state: CustomerState) -> RuleReport:
    require_user(state, cmd.user)
    if cmd.mail == "archive" and not state.bookings.mailstore:
        raise RuleViolation("R19", f"`{state.slug}` has no mailstore booking to archive into.",
                            hint=f"Export the mailbox instead: `remove-user {state.slug} "
                                 f"{cmd.user} mail=export`.")
    return passed("R19")


def check_user_command(cmd: model.Command, state: CustomerState) -> RuleReport:
    """enable-/disable-activesync and reset-password: the user must exist."""
    user = require_user(state, cmd.user)
    warnings: tuple[str, ...] = ()
    if isinstance(cmd, model.DisableActiveSync) and user.solo:
        warnings += (f"`{user.sam}` is a solo user; without ActiveSync only the browser client "
                     "remains (R2)",)
    if isinstance(cmd, model.ResetPassword):
        if not user.enabled:
            warnings += (f"`{user.sam}` is disabled; the new password works once it is enabled",)
        return passed(warnings=warnings)
    return passed("R11", warnings=warnings)


def legal_info_hint(state: CustomerState, missing: tuple[str, ...]) -> str:
    fields = " ".join(f"{LEGAL_KEYS[m]}=..." for m in missing)
    return f"Set it first: `set-legal-info {state.slug} {fields}`."


def _require_legal_info(state: CustomerState) -> None:
    missing = state.legal.missing()
    if missing:
        raise RuleViolation("R12", "Every mailbox needs a legally compliant signature, and "
                            f"`{state.slug}`'s legal info lacks: "
                            + ", ".join(LEGAL_KEYS[m] for m in missing) + ".",
                            hint=legal_info_hint(state, missing))


def _require_person(cmd: model.AddUser) -> None:
    words = cmd.full_name.replace("-", " ").replace(".", " ").split()
    role = next((w for w in words if w.casefold() in ROLE_WORDS), None)
    local = (cmd.email or "").partition("@")[0].casefold()
    if role is None and local.replace(".", "-").split("-")[0] in ROLE_WORDS:
        role = local
    if role is not None:
        raise RuleViolation("R5", f"`{shown(role)}` names a role, not a person: every mailbox belongs "
                            "to one named person, no shared logins.",
                            hint="Add each person who needs it as their own user.")
    letters = [w.replace("'", "") for w in words]
    if len(words) < 2 or not all(w.isalpha() for w in letters):
        raise RuleViolation("R5", f"`{shown(cmd.full_name, limit=64)}` does not look like a person's "
                            "full name.",
                            hint="Give first name and surname: "
                                 "`add-user <customer> \"Jörg Müller\"`.")


def _require_licence(cmd: model.AddUser, state: CustomerState) -> None:
    product = "tobit-solo" if cmd.solo else "tobit-addon"
    used = sum(u.solo == cmd.solo for u in state.users)
    booked = state.bookings.tobit_solo if cmd.solo else state.bookings.tobit_addon
    if used >= booked:
        raise RuleViolation("R2" if cmd.solo and booked == 0 else "R5",
                            f"No free {product} licence: {booked} booked, {used} in use.",
                            hint=f"Book one more: `book {state.slug} {product} 1`.")


def _require_own_domain(cmd: model.AddUser, state: CustomerState) -> None:
    if cmd.email is None:
        return
    taken = state.find_user(cmd.email)
    if taken is not None:
        raise RuleViolation("R5", f"`{cmd.email}` belongs to {taken.display_name} (`{taken.sam}`); "
                            "one mailbox belongs to one person.")
    domain = cmd.email.rpartition("@")[2].casefold()
    own = [d.name.casefold() for d in state.domains]
    if domain not in own:
        where = ("its own domains are " + ", ".join(own)) if own else "it has no own domain"
        raise RuleViolation("R8", f"`{domain}` is not a domain of `{state.slug}` ({where}); its "
                            "Tobit server would neither receive nor send that mail.",
                            hint=f"Add it with `set-domain {state.slug} {domain}`, or leave "
                                 "email= out for the default address.")
