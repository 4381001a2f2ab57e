"""The `/tobit` slash command: parse, authorise, check the rules, plan, then enqueue or answer.

Anything refused is answered only to the requester (ephemeral) and nothing is enqueued. Slack
is answered before any of that (see SlashCommand.admit); what comes after it runs on the work
pool.
"""

from __future__ import annotations

import logging
import secrets as pysecrets
import time
from typing import Any

import redis
from slack_sdk import WebClient

from bot import messages
from bot.control_reports import ControlReports
from bot.deps import BotDeps
from bot.dispatch import Dispatcher
from bot.identity import GroupDirectory
from bot.open_requests import OpenRequests
from bot.reports import render_report
from bot.request_store import RequestRecord, RequestStore, new_request_id
from bot.work_pool import WorkPool
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


def is_change(cmd: model.Command) -> bool:
    """Does it become a request (enqueued or approved), rather than an answer at once."""
    return not (isinstance(cmd, (model.Help, model.ShowPlan)) or cmd.name in model.REPORTS
                or cmd.name in model.CONTROL_REPORTS)


class SlashCommand:
    """Bolt's listener answers Slack as soon as the command is parsed and admitted (duplicate
    delivery, the same command still open, Redis reachable); everything that waits on Slack's
    Web API or AD runs afterwards on the bot's work pool, never on Bolt's listener threads."""

    def __init__(self, deps: BotDeps, groups: GroupDirectory, dispatcher: Dispatcher,
                 pool: WorkPool, door: redis.Redis | None = None):
        self.deps = deps
        self.groups = groups
        self.dispatcher = dispatcher
        self.pool = pool
        door = door or deps.redis   # app.py gives a client that fails fast (open_requests.door_client)
        self.deliveries = RequestStore(door)
        self.open = OpenRequests(door)

    def __call__(self, ack, body: dict[str, Any], client: WebClient) -> None:
        answer = self.admit(body.get("text") or "", body["user_id"], body["channel_id"],
                            body.get("trigger_id"), client, response_url=body.get("response_url"))
        if answer:
            ack(text=answer)
        else:
            ack()

    def admit(self, text: str, user: str, channel: str, trigger: str | None,
              client: WebClient, response_url: str | None = None) -> str | None:
        """Checks made before Slack is answered, then the command is left to the work pool.
        Returns what the answer to Slack must say (None: nothing, the work will post)."""
        text = text.strip()
        envelope = None
        try:
            envelope = open_envelope(text)   # ticket= and --break-glass are not the command's words
            cmd = parse(envelope.text) if envelope.text else model.Help()
        except ParseError as err:
            self.pool.submit(self._audit, "refused", actor=user, channel=channel, text=text,
                             reason=err.text(), ticket=envelope and envelope.ticket)
            return messages.parse_help(err)
        request_id, asked_at = new_request_id(), time.time()
        command = command_text(cmd) if is_change(cmd) else None
        try:
            if trigger and not self.deliveries.first_time("trigger:" + trigger):
                return None   # Slack delivered the same command twice
            earlier = self.open.claim(user, command, request_id, asked_at) if command else None
        except redis.RedisError as exc:   # nothing can be checked, enqueued or audited
            log.warning("Redis unavailable at the door, command of %s not taken: %s", user, exc)
            return messages.queue_unavailable()
        if earlier is not None:
            self.pool.submit(self._audit, "asked_again", actor=user, channel=channel, text=text,
                             request=earlier.request_id, command_name=cmd.name,
                             customer=customer_of(cmd), state=earlier.state)
            return messages.asked_again(command, earlier.request_id, asked_at - earlier.asked_at,
                                        earlier.state)
        if not self.pool.submit(self.run, cmd, text, user, channel, client, envelope, request_id,
                                asked_at, response_url):
            if command:
                self._settle(user, command, request_id, asked_at)
            return messages.bot_busy()
        return None

    def run(self, cmd: model.Command, text: str, user: str, channel: str, client: WebClient,
            envelope: Envelope, request_id: str, asked_at: float,
            response_url: str | None = None) -> None:
        """The command after Slack was answered: every outcome reaches the person."""
        try:
            self.handle(cmd, text, user, channel, client, envelope, request_id=request_id,
                        response_url=response_url)
        except UserError as err:
            self._audit("refused", actor=user, groups=self._groups_of(user), channel=channel,
                        text=text, command_name=cmd.name, customer=customer_of(cmd),
                        reason=err.text(), rule=err.rule, ticket=envelope.ticket,
                        break_glass_reason=envelope.reason)
            client.chat_postEphemeral(channel=channel, user=user, text=messages.refusal(err))
        except BackendError as err:
            log.warning("backend unavailable while checking a command: %s", err)
            self._audit("refused", actor=user, channel=channel, text=text, command_name=cmd.name,
                        customer=customer_of(cmd), reason=str(err), ticket=envelope.ticket)
            client.chat_postEphemeral(channel=channel, user=user, text=messages.backend_unavailable(err))
        except Exception:
            reference = "e-" + pysecrets.token_hex(4)
            log.exception("slash command failed, reference %s", reference)
            client.chat_postEphemeral(channel=channel, user=user, text=messages.internal_error(reference))
        finally:
            if is_change(cmd):
                self._settle(user, command_text(cmd), request_id, asked_at)

    def _settle(self, user: str, command: str, request_id: str, asked_at: float) -> None:
        """Keep the claim while the saved request is open; free it if nothing was saved."""
        try:
            if self.deps.requests.get(request_id) is not None:
                self.open.keep(user, command, request_id, asked_at)
            else:
                self.open.release(user, command, request_id, asked_at)
        except redis.RedisError as exc:   # CHECKING_SECONDS frees it in the end
            log.warning("could not settle the open request %s: %s", request_id, exc)

    def _audit(self, action: str, **fields: Any) -> None:
        """Audited if Redis is up: a refusal still reaches the person when it is not."""
        try:
            self.deps.audit.record(action, **fields)
        except redis.RedisError as exc:
            log.error("audit entry %s of %s not written, Redis unavailable: %s", action,
                      fields.get("actor"), exc)

    def _groups_of(self, user: str) -> list[str]:
        """Group ids at the time of the decision: `tobitbot policy replay` needs them."""
        try:
            return sorted(self.groups.identity(user).group_ids)
        except Exception:  # the audit entry matters more than this detail
            return []

    def handle(self, cmd: model.Command, text: str, user: str, channel: str, client: WebClient,
               envelope: Envelope | None = None, *, request_id: str | None = None,
               response_url: str | None = None) -> None:
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
        request_id = request_id or new_request_id()
        self.deps.audit.record("allowed", actor=user, groups=self._groups_of(user), channel=channel,
                               request=request_id, text=text, command_name=cmd.name, customer=customer,
                               command=command_text(cmd), risky=decision.risky, checks=list(plan.checks),
                               ticket=ticket, break_glass_reason=envelope.reason)
        record = RequestRecord(request_id, user, channel, command_text(cmd), customer, plan.to_json(),
                               ticket=ticket, break_glass_reason=envelope.reason)
        self.dispatcher.submit(record, plan, decision, client, response_url=response_url)
