"""Every sentence the policy says to a person: why a command was refused and what to do next.

Kept in one place so the wording stays consistent and a test can read them side by side. Each
function returns a Refusal: the reason says why, the hint says what to do about it. They are
plain words (the bot escapes them for Slack); a channel is named as `<#id>` and listed in
`channels`, so that the bot keeps exactly those as links.
"""

from __future__ import annotations

from typing import Iterable, NamedTuple

from commands.roles import Role
from commands.values import shown


class Refusal(NamedTuple):
    reason: str
    hint: str
    channels: tuple[str, ...] = ()   # the ids written as `<#id>` on purpose: the bot keeps them links


def _for(customer: str | None) -> str:
    return f" for {customer}" if customer else ""


def _channels(ids: Iterable[str]) -> str:
    return ", ".join(f"<#{i}>" for i in sorted(ids))


def not_loaded(error: str) -> Refusal:
    return Refusal("the bot's policy did not load, so every command is refused",
                   f"ask an admin to fix the policy file: {error}")


def unknown_command(name: str) -> Refusal:
    return Refusal(f"unknown command `{shown(name)}`", "type `help` to see the commands")


def not_in_policy(name: str) -> Refusal:
    return Refusal(f"{name} is not enabled in the policy (everything not listed is refused)",
                   f"ask an admin to add [commands.{name}] with a min_role to the policy")


def needs_customer(name: str) -> Refusal:
    return Refusal(f"{name} needs a customer, and none was given",
                   f"name the customer, for example `{name} <customer> …`")


def _ask_for_role(needed: Role, customer: str | None, groups: list[str]) -> str:
    ask = f"ask an admin to add you to a group with role {needed}{_for(customer)}"
    if groups:
        return f"{ask} (that is: {', '.join(groups)})"
    return f"{ask}; no group has that yet, so the policy needs a new [[grants]] entry"


def no_role(name: str, needed: Role, customer: str | None, groups: list[str]) -> Refusal:
    return Refusal(f"you have no role{_for(customer)}, so you cannot run {name}",
                   _ask_for_role(needed, customer, groups))


def role_too_low(name: str, role: Role, needed: Role, customer: str | None,
                 groups: list[str]) -> Refusal:
    return Refusal(f"{name} needs role {needed}{_for(customer)}; you have {role}",
                   _ask_for_role(needed, customer, groups))


def channel_unknown(channel_id: str, elsewhere: list[str]) -> Refusal:
    where = f"run it in {_channels(elsewhere)}, or " if elsewhere else ""
    return Refusal(f"the bot does not work in this channel ({channel_id})",
                   f"{where}ask an admin to add a [[channels]] entry with id = \"{channel_id}\"",
                   tuple(elsewhere))


def channel_read_only(name: str, channel_id: str, elsewhere: list[str]) -> Refusal:
    where = f"run {name} in {_channels(elsewhere)}" if elsewhere else "no channel takes it yet"
    return Refusal(f"<#{channel_id}> is for reports only", where, (channel_id, *elsewhere))


def channel_other_customer(channel_id: str, bound_to: str, customer: str,
                           elsewhere: list[str]) -> Refusal:
    where = (f"run it in {_channels(elsewhere)}" if elsewhere
             else f"ask an admin to bind a channel to {customer}")
    return Refusal(f"<#{channel_id}> is only for {bound_to}, not {customer}", where,
                   (channel_id, *elsewhere))


def channel_needs_customer(name: str, channel_id: str, bound_to: str,
                           elsewhere: list[str], takes_customer: bool = True) -> Refusal:
    if not takes_customer:   # `job ID`: it names no customer, so it cannot run here at all
        where = (f"run it in {_channels(elsewhere)}" if elsewhere
                 else "run it in a channel the policy opens to all customers")
        return Refusal(f"<#{channel_id}> is only for {bound_to}, and {name} is not about one "
                       "customer", where, (channel_id, *elsewhere))
    where = f", or run it in {_channels(elsewhere)}" if elsewhere else ""
    return Refusal(f"<#{channel_id}> is only for {bound_to}, and {name} was not given a customer",
                   f"name the customer: `{name} {bound_to.split(', ')[0]} …`{where}",
                   (channel_id, *elsewhere))


def allowed(role: Role, customer: str | None, slots: tuple[Role, ...]) -> str:
    text = f"allowed: you are {role}{_for(customer)}"
    if slots:
        who = " + ".join(str(s) for s in slots)
        text += f"; risky, needs {len(slots)} approval(s) by someone else ({who})"
    return text


def _type_ticket(example: str | None) -> str:
    # what to type, never the policy's regular expression: nobody can act on `^SUP-[0-9]+$`
    if example:
        return f"add `ticket={example}` (your ticket id) to the command"
    return "add `ticket=` with a ticket id matching your team's format to the command"


def ticket_missing(name: str, example: str | None) -> Refusal:
    return Refusal(f"{name} needs a support ticket", _type_ticket(example))


def ticket_malformed(ticket: str, example: str | None) -> Refusal:
    return Refusal(f"`{shown(ticket)}` is not a ticket id", _type_ticket(example))
