"""The `/tobit` slash command: parse, authorise, check the rules, plan, then enqueue or answer.

Anything refused is answered only to the requester (ephemeral) and nothing is enqueued.
"""

from __future__ import annotations

import logging
import secrets as pysecrets
from typing import Any

from slack_sdk import WebClient

from bot import messages
from bot.control_reports import ControlReports
from bot.deps import BotDeps
from bot.dispatch import Dispatcher
from bot.identity import GroupDirectory
from bot.reports import render_report
from bot.request_store import RequestRecord, new_request_id
from commands import model
from commands.break_glass import check_break_glass
from commands.customers import require_customer
from commands.envelope import Envelope, open_envelope
from commands.errors import BackendError, ParseError, UserError
from commands.help import help_text
from commands.parser import parse
from commands.plan_render import render_plan
from commands.planner import plan as make_plan
from commands.policy_catalogue import command_options, customer_of
from commands.render import command_text
from commands.rules_lookup import fax_holders

log = logging.getLogger(__name__)


class SlashCommand:
    def __init__(self, deps: BotDeps, groups: GroupDirectory, dispatcher: Dispatcher):
        self.deps = deps
        self.groups = groups
        self.dispatcher = dispatcher

    def __call__(self, ack, body: dict[str, Any], client: WebClient) -> None:
        text = (body.get("text") or "").strip()
        user, channel = body["user_id"], body["channel_id"]
        envelope = None
        try:
            envelope = open_envelope(text)   # ticket= and --break-glass are not the command's words
            cmd = parse(envelope.text) if envelope.text else model.Help()
        except ParseError as err:
            ack(text=messages.parse_help(err))
            self.deps.audit.record("refused", actor=user, channel=channel, text=text, reason=err.text(),
                                   ticket=envelope and envelope.ticket)
            return
        ack()
        trigger = body.get("trigger_id")
        if trigger and not self.deps.requests.first_time("trigger:" + trigger):
            return  # Slack delivered the same command twice
        try:
            self.handle(cmd, text, user, channel, client, envelope, response_url=body.get("response_url"))
        except UserError as err:
            self.deps.audit.record("refused", actor=user, groups=self._groups_of(user), channel=channel,
                                   text=text, command_name=cmd.name, customer=customer_of(cmd),
                                   reason=err.text(), rule=err.rule, ticket=envelope.ticket,
                                   break_glass_reason=envelope.reason)
            client.chat_postEphemeral(channel=channel, user=user, text=messages.refusal(err))
        except BackendError as err:
            log.warning("backend unavailable while checking a command: %s", err)
            self.deps.audit.record("refused", actor=user, channel=channel, text=text,
                                   command_name=cmd.name, customer=customer_of(cmd), reason=str(err),
                                   ticket=envelope.ticket)
            client.chat_postEphemeral(channel=channel, user=user, text=messages.backend_unavailable(err))
        except Exception:
            reference = "e-" + pysecrets.token_hex(4)
            log.exception("slash command failed, reference %s", reference)
            client.chat_postEphemeral(channel=channel, user=user, text=messages.internal_error(reference))

    def _groups_of(self, user: str) -> list[str]:
        """Group ids at the time of the decision: `tobitbot policy replay` needs them."""
        try:
            return sorted(self.groups.identity(user).group_ids)
        except Exception:  # the audit entry matters more than this detail
            return []

    def handle(self, cmd: model.Command, text: str, user: str, channel: str, client: WebClient,
               envelope: Envelope | None = None, response_url: str | None = None) -> None:
        envelope = envelope or Envelope(text)
        customer = customer_of(cmd)
        policy = self.deps.policy()   # once: a reload (SIGHUP) mid-request must not mix two files
        decision = policy.decide(self.groups.identity(user), cmd.name, customer, channel,
                                 command_options(cmd))
        if not decision.allowed:
            raise decision.refusal()
        ticket = policy.check_ticket(cmd.name, decision.risky, envelope.ticket)
        if envelope.break_glass:
            check_break_glass(policy, decision, cmd.name, customer, envelope.reason)
        if isinstance(cmd, model.Help):
            client.chat_postEphemeral(channel=channel, user=user, text=help_text(cmd.topic))
            return
        if cmd.name in model.CONTROL_REPORTS:  # jobs, job, audit: from Redis, not from AD
            ControlReports(self.deps, self.groups).answer(cmd, user, channel, client)
            return
        if isinstance(cmd, model.OnboardCustomer):
            state = self.deps.reader.customer(customer)
        else:
            state = require_customer(self.deps.reader, customer) if customer else None
        if isinstance(cmd, model.ShowPlan):
            plan = make_plan(cmd.command, state, risky=decision.risky,
                             fax_server_uri=self.deps.config.fax_server_uri,
                             fax_holders=fax_holders(self.deps.reader, cmd))
            client.chat_postEphemeral(channel=channel, user=user, text=render_plan(plan))
            return
        if cmd.name in model.REPORTS:
            for fallback, blocks in render_report(cmd, state):
                client.chat_postEphemeral(channel=channel, user=user, text=fallback, blocks=blocks)
            return
        plan = make_plan(cmd, state, risky=decision.risky, fax_server_uri=self.deps.config.fax_server_uri,
                         fax_holders=fax_holders(self.deps.reader, cmd))   # R15 is provider-wide
        request_id = new_request_id()
        self.deps.audit.record("allowed", actor=user, groups=self._groups_of(user), channel=channel,
                               request=request_id, text=text, command_name=cmd.name, customer=customer,
                               command=command_text(cmd), risky=decision.risky, checks=list(plan.checks),
                               ticket=ticket, break_glass_reason=envelope.reason)
        record = RequestRecord(request_id, user, channel, command_text(cmd), customer, plan.to_json(),
                               ticket=ticket, break_glass_reason=envelope.reason)
        self.dispatcher.submit(record, plan, decision, client, response_url=response_url)
