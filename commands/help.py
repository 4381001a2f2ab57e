"""The `help` text of the `/tobit` language, in Slack mrkdwn, from `catalogue.SPECS`.

Usage lines use UPPERCASE placeholders, not <angle brackets>: Slack reads `<...>` as a link or
mention even inside code, and the same lines go into ParseError texts and logs.
"""

from __future__ import annotations

from commands.catalogue import SPECS, find
from commands.mrkdwn import escape
from commands.values import shown

GROUPS = (("customer", "Customer"), ("user", "Users"), ("reports", "Reports and help"))

# One line per service rule (shared/spec/service-rules.md), so that help can say why.
RULE_TITLES: dict[str, str] = {
    "R1": "Tobit add-on needs a base service (Enterprise Service, Desktop or Platform)",
    "R2": "solo licences need add-on licences; solo users have browser and mobile access only",
    "R3": "a customer is on Tobit or on Exchange, never both",
    "R4": "MailStore, CTI (Enterprise Desktop only) and extra storage are options on top",
    "R5": "one licence is one named person with one mailbox",
    "R6": "each customer has its own Tobit server",
    "R7": "5 GB per booked mailbox, pooled over all mailboxes, plus extra storage",
    "R8": "an own domain may need a paid TLS certificate; the bot records whether it is there",
    "R10": "a new user gets a full mailbox with its share of the pool",
    "R11": "ActiveSync is on by default and can be switched off per user",
    "R12": "every account gets a legally compliant signature",
    "R15": "a fax number reaches exactly one mailbox",
    "R16": "dedicated fax needs an XCAPI-capable PBX or a rented gateway, one per site",
    "R17": "shared fax goes out through the provider's PBX with the customer's number",
    "R18": "passwords and keys are never posted in a channel or logged",
    "R19": "removing a user never destroys mail: archive or export first",
    "R21": "each customer's Tobit server version and health can be shown",
}


def usage(name: str) -> str:
    """The usage line of a command (or alias), without formatting; KeyError if there is none."""
    spec = find(name)
    if spec is None:
        raise KeyError(name)
    return spec.usage()


def help_text(topic: str | None = None) -> str:
    """The overview of all commands, or one command's usage, options, examples and rules."""
    spec = find(topic) if topic else None
    if spec is None:
        # help is mrkdwn the bot posts as it is: the topic typed is escaped here
        return _overview(f"There is no command `{escape(shown(topic))}`; these are all of them."
                         if topic else None)
    lines = [f"*`{spec.name}`*: {spec.summary}", f"Usage: `{spec.usage()}`"]
    if spec.aliases:
        lines.append("Also: " + ", ".join(f"`{a}`" for a in spec.aliases))
    if spec.params:
        lines.append("*Values*")
        lines += [f"• `{p.key}`: {p.doc}" + ("" if p.required else " (optional)") for p in spec.params]
    if spec.examples:
        lines.append("*Examples*")
        lines += [f"• `{example}`" for example in spec.examples]
    if spec.rules:
        lines.append("*Rules checked*")
        lines += [f"• {rule}: {RULE_TITLES.get(rule, '')}" for rule in spec.rules]
    lines.append("Values with spaces go in quotes; any value may also be given as `key=value`.")
    return "\n".join(lines)


def _overview(note: str | None) -> str:
    lines = [note] if note else []
    lines.append("*`/tobit` commands*")
    for group, title in GROUPS:
        lines.append(f"*{title}*")
        lines += [f"• `{s.name}`: {s.summary}" for s in SPECS if s.group == group]
    lines.append("Type `/tobit help COMMAND` for its usage and examples. "
                 "Put `plan` in front of a command to see what it would do, without doing it.")
    lines.append("Add `ticket=ID` to file a change under its support ticket. Where the policy allows it, "
                 'an admin runs a risky command at once with `--break-glass reason="WHY" COMMAND`; '
                 "a second admin reviews it afterwards.")
    return "\n".join(lines)
