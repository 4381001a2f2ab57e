"""`add-user` as a modal, from the global shortcut or the App Home button.

A submission is checked before the modal closes, on the same path as `/tobit add-user`: the
catalogue's converters (the parser's own), the policy, the customer's contract and the service
rules; a refusal is shown under the field it concerns (`response_action: errors`), and so is a
check that could not finish within Slack's three seconds. A valid one closes the modal and goes through the slash command's handler in the support channel, so it is
audited, approved and enqueued exactly as if it had been typed.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future
from typing import Any, Callable, TypeVar

from commands import model
from commands.catalogue import SPECS_BY_NAME
from commands.customers import require_customer
from commands.errors import BackendError, ParseError, UserError
from commands.lexer import quote
from commands.naming import split_full_name
from commands.parser import parse
from commands.planner import plan as make_plan
from commands.policy import Policy
from commands.policy_catalogue import command_options
from commands.policy_rules import ALL_CUSTOMERS
from commands.render import command_text
from commands.values import BadValue

from bot.deps import BotDeps
from bot.identity import GroupDirectory

log = logging.getLogger(__name__)
CALLBACK_ID = "tobit_add_user"          # the shortcut's and the modal's
OPEN_ACTION = "tobit_add_user_open"     # the App Home button
# Which field a refusal for a service rule belongs under; the rest go under the customer.
RULE_FIELDS = {"R5": "last", "R8": "email", "R2": "solo", "R12": "customer"}
MAX_ERROR = 300
# Slack gives a view_submission 3 s; an AD lookup may take 5 s to connect and 15 s to answer
CHECK_SECONDS = 2.5
SLOW = "Active Directory did not answer in time to check the customer; try again in a moment."
T = TypeVar("T")


def modal_view() -> dict:
    def text_input(block_id: str, label: str, hint: str, optional: bool = False) -> dict:
        return {"type": "input", "block_id": block_id, "optional": optional,
                "label": {"type": "plain_text", "text": label},
                "hint": {"type": "plain_text", "text": hint},
                "element": {"type": "plain_text_input", "action_id": "value"}}

    return {
        "type": "modal", "callback_id": CALLBACK_ID,
        "title": {"type": "plain_text", "text": "Add a Tobit user"},
        "submit": {"type": "plain_text", "text": "Add user"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            text_input("customer", "Customer", "The customer's short name, e.g. acme"),
            text_input("first", "First name", "One named person per mailbox (R5)"),
            text_input("last", "Last name", "As it should appear in the signature"),
            text_input("email", "Mail address", "Default: made from the name", optional=True),
            {"type": "input", "block_id": "solo", "optional": True,
             "label": {"type": "plain_text", "text": "Licence"},
             "element": {"type": "checkboxes", "action_id": "value", "options": [{
                 "text": {"type": "plain_text", "text": "Tobit Service solo (browser and mobile only)"},
                 "value": "solo"}]}},
            text_input("ticket", "Ticket", "e.g. SUP-1234; required where the policy says so",
                       optional=True),
        ],
    }


def form_values(view: dict) -> dict[str, Any]:
    """The submitted fields: text as typed (None when empty), `solo` as a bool."""
    state = view.get("state", {}).get("values", {})
    out: dict[str, Any] = {}
    for block in ("customer", "first", "last", "email", "ticket"):
        value = (state.get(block, {}).get("value", {}).get("value") or "").strip()
        out[block] = value or None
    out["solo"] = bool(state.get("solo", {}).get("value", {}).get("selected_options"))
    return out


def surname_error(first: str | None, last: str | None) -> str | None:
    """The command carries one full name, split at its last space (commands.naming): a surname
    of two words ("van Dijk") would silently become part of the given name."""
    if not first or not last:
        return None
    given, surname = split_full_name(f"{first} {last}")
    if (given, surname) == (" ".join(first.split()), " ".join(last.split())):
        return None
    return (f"The surname must be one word: a name is split at its last space, so this would make "
            f"given name “{given}”, surname “{surname}”. Join its parts "
            f"(“{'-'.join(last.split())}”), or move the first words to First name.")


def within(seconds: float, fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)`, or TimeoutError after `seconds`; the call itself cannot be stopped, so it
    finishes in a daemon thread whose result nobody reads."""
    future: Future = Future()

    def run() -> None:
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # handed to the caller, as if called directly
            future.set_exception(exc)

    threading.Thread(target=run, name="tobitbot-modal-check", daemon=True).start()
    return future.result(timeout=seconds)


class AddUserModal:
    def __init__(self, deps: BotDeps, groups: GroupDirectory, run_command: Callable[..., None]):
        """`run_command(text, user, channel, client)` is the slash command's own path."""
        self.deps, self.groups, self.run_command = deps, groups, run_command

    def open(self, ack, body: dict, client) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=modal_view())

    def on_submission(self, ack, body: dict, view: dict, client) -> None:
        user = body["user"]["id"]
        channel = self.support_channel()
        try:   # Slack closes the modal with an error of its own after 3 s without an answer
            cmd, errors = within(CHECK_SECONDS, self.check, form_values(view), user, channel)
        except TimeoutError:
            log.warning("the add-user check for %s took longer than %ss; asked to try again", user,
                        CHECK_SECONDS)
            cmd, errors = None, {"customer": SLOW}
        if errors:
            ack(response_action="errors", errors={k: v[:MAX_ERROR] for k, v in errors.items()})
            return
        ack()
        ticket = form_values(view)["ticket"]
        self.run_command(command_text(cmd) + (f" ticket={quote(ticket)}" if ticket else ""), user,
                         channel, client)

    def support_channel(self) -> str | None:
        """The configured one, else the policy's first working channel for every customer."""
        if self.deps.config.support_channel:
            return self.deps.config.support_channel
        return next((c.id for c in self.deps.policy().channels
                     if ALL_CUSTOMERS in c.customers and not c.read_only), None)

    def check(self, form: dict[str, Any], user: str,
              channel: str | None) -> tuple[model.AddUser | None, dict[str, str]]:
        """The command the form asks for, or the errors per field (block id)."""
        spec = SPECS_BY_NAME["add-user"]
        values: dict[str, Any] = {"solo": form["solo"]}
        name = " ".join(filter(None, (form["first"], form["last"]))) or None
        surname = surname_error(form["first"], form["last"])
        errors: dict[str, str] = {"last": surname} if surname else {}
        for block, key, text in (("customer", "customer", form["customer"]),
                                 ("last", "name", name), ("email", "email", form["email"])):
            if block in errors:
                continue
            if text is None:
                if key != "email":
                    errors[block] = "Required."
                continue
            try:
                values[spec.param(key).field] = spec.param(key).convert(text)
            except BadValue as err:
                errors[block] = " ".join(filter(None, (err.message, err.hint)))
        if errors:
            return None, errors
        try:
            cmd = parse(command_text(model.AddUser(**values)))   # the slash command's parser, too
        except ParseError as err:   # a name no account name can be made of: the form has no login
            return None, {"last": f"{err.message} Use `/tobit add-user` with `login=` instead."}
        if channel is None:
            return None, {"customer": "No support channel to post the request in; ask an admin "
                                      "to set TOBITBOT_SUPPORT_CHANNEL."}
        policy = self.deps.policy()   # once: a reload mid-check must not mix two files
        try:
            risky = self.allowed_and_planned(policy, cmd, user, channel)
        except UserError as err:
            return None, {RULE_FIELDS.get(err.rule or "", "customer"): err.text()}
        except BackendError as err:
            return None, {"customer": f"Could not check the customer now ({err.message}); "
                                      "try again in a few minutes."}
        try:
            policy.check_ticket(cmd.name, risky, form.get("ticket"))
        except UserError as err:
            return None, {"ticket": err.text()}
        return cmd, {}

    def allowed_and_planned(self, policy: Policy, cmd: model.AddUser, user: str, channel: str) -> bool:
        """Raises the refusal of the policy or a rule; returns whether the command is risky."""
        decision = policy.decide(self.groups.identity(user), cmd.name, cmd.customer,
                                             channel, command_options(cmd))
        if not decision.allowed:
            raise decision.refusal()
        state = require_customer(self.deps.reader, cmd.customer)
        make_plan(cmd, state, risky=decision.risky, fax_server_uri=self.deps.config.fax_server_uri)
        return decision.risky
