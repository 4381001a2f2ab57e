"""Anyone's words in the bot's messages cannot ping a channel or a person, or smuggle a link.

A name, a ticket or a break-glass reason reaches the lexer unescaped (`&lt;!channel&gt;` ->
`<!channel>`); posted back as mrkdwn unescaped, Slack would read it as `@channel`.
"""

from __future__ import annotations

import json

import pytest

from bot import messages
from bot.audit_mirror import audit_line
from bot.request_store import RequestRecord
from commands.events import FAILED, REFUSED, SUCCEEDED, JobEvent

PINGS = ["<!channel>", "<!here>", "<!everyone>", "<@U_BOSS>", "<https://evil.example|Tobit login>"]


def _shown(*parts) -> str:
    return json.dumps(parts, ensure_ascii=False)


@pytest.mark.parametrize("ping", PINGS)
def test_request_and_review_messages_escape_the_command_ticket_and_reason(ping):
    command = f'add-user acme "{ping} Doe"'
    record = RequestRecord("r-1", "U_ADA", "C_SUPPORT", command, "acme", {}, ticket=f"x`{ping}",
                           break_glass_reason=f"CEO {ping}")
    shown = _shown(messages.request_message("U_ADA", command, "plan", "r-1", ticket=record.ticket,
                                            break_glass_reason=record.break_glass_reason),
                   messages.break_glass_review(record), messages.status_queued(3, record.ticket))
    assert ping not in shown
    assert ping.replace("<", "&lt;").replace(">", "&gt;") in shown   # shown as typed
    assert "<@U_ADA>" in shown                                      # the bot's own mention stays


@pytest.mark.parametrize("ping", PINGS)
def test_job_outcomes_escape_step_summaries_and_errors(ping):
    failed = JobEvent("r-1", FAILED, step=2, total=3, summary=f"create mailbox for {ping}",
                      error=f"refused: {ping}", done=(f"create AD account {ping}",),
                      pending=(f"set signature {ping}",), undoable=True)
    done = JobEvent("r-1", SUCCEEDED, total=3, summary=f'add-user acme "{ping}"')
    shown = _shown(messages.final_blocks(failed, ticket="SUP-1"), messages.final_text(done))
    assert ping not in shown


@pytest.mark.parametrize("ping", PINGS)
def test_the_audit_channel_mirrors_a_refused_command_without_pinging(ping):
    slack_text = "reset-password acme jdoe ticket=" + ping.replace("<", "&lt;").replace(">", "&gt;")
    line = audit_line({"action": "refused", "actor": "U_NORA", "text": slack_text,
                       "ticket": ping, "reason": f"no role {ping}", "at": 0})
    assert ping not in line and "<@U_NORA>" in line
    assert line.count(ping.replace("<", "&lt;").replace(">", "&gt;")) == 3


# ---- hostile input through every builder that echoes it (issue 13) ----------------------------

HOSTILE = ["<!channel>", "<https://evil.example|click me>", "<@U123>", "&lt;"]
LIVE = ["<!channel>", "<https://evil.example", "<@U123>"]


def _typed(word: str) -> str:
    """What Slack sends for the typed word (it escapes &, < and >; the lexer undoes it)."""
    return word.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _ticket_refusal(word):
    from commands.errors import UserError
    from commands.policy import load_policy_text

    policy = load_policy_text('[defaults]\nticket_pattern = "^SUP-[0-9]+$"\nticket_example = "SUP-1"\n'
                              '[commands.remove-user]\nmin_role = "operator"\n')
    try:
        policy.check_ticket("remove-user", True, word)
    except UserError as err:
        return messages.refusal(err)
    raise AssertionError("not refused")


def _parse_error(template):
    def build(word):
        from commands.envelope import open_envelope
        from commands.errors import ParseError
        from commands.parser import parse

        try:
            parse(open_envelope(template.format(_typed(word))).text)
        except ParseError as err:
            return messages.parse_help(err)
        raise AssertionError("parsed")
    return build


def _unknown_command(word):
    from commands.policy import load_policy_text

    decision = load_policy_text('[commands.add-user]\nmin_role = "operator"\n').decide(
        frozenset(), word, "acme", "C1", {})
    return messages.refusal(decision.refusal())


def _plan(word):
    from commands.plan import Plan
    from commands.plan_render import render_plan

    return render_plan(Plan(f'add-user acme "{word}"', "acme", ()))


def _break_glass_refusal(word):
    from commands.break_glass import check_break_glass
    from commands.envelope import open_envelope
    from commands.errors import UserError
    from tests.unit.test_policy_cases import OPERATOR, POLICY

    envelope = open_envelope(f'--break-glass reason="CEO {_typed(word)}" reset-password acme jdoe')
    decision = POLICY.decide(OPERATOR, "reset-password", "acme", "C_SUPPORT", {})
    try:
        check_break_glass(POLICY, decision, "reset-password", "acme", envelope.reason)
    except UserError as err:
        return messages.refusal(err)
    raise AssertionError("not refused")


def _person_refusal(word):
    """R5: the full name, as the lexer read it from what Slack sent, is not a person's."""
    from commands.errors import UserError
    from commands.parser import parse
    from commands.rules import check
    from tests.unit.builders import customer

    try:
        check(parse(f'add-user acme "{_typed(word)} x"'), customer())
    except UserError as err:
        return messages.refusal(err)
    raise AssertionError("not refused")


def _backend_unavailable(word):
    from commands.errors import RetryableBackendError

    return messages.backend_unavailable(RetryableBackendError("ad", f"no user {word}"))


def _not_run_backend(word):
    """A backend failed as an allowed request was checked again: in the thread, with its error."""
    from commands.errors import RetryableBackendError

    return messages.not_run_backend(RetryableBackendError("tobit", f"no mailbox {word}"))


def _help_topic(word):
    from commands.help import help_text

    return help_text(word)


BUILDERS = {
    "ticket refusal": _ticket_refusal,
    "unknown command refusal": _unknown_command,
    "too many words": _parse_error("quota acme {}"),
    "unknown command typed": _parse_error("{} acme"),
    "bad customer": _parse_error("quota {}"),
    "plan": _plan,
    "request message": lambda w: _shown(messages.request_message("U_ADA", f"remove-user acme {w}", "plan",
                                                                  "r-1", ticket=w, break_glass_reason=w)),
    "status queued": lambda w: messages.status_queued(2, w),
    "ticket note": messages.ticket_note,
    "break-glass refusal": _break_glass_refusal,
    "R5 not a person": _person_refusal,
    "backend unavailable": _backend_unavailable,
    "not run, backend failed": _not_run_backend,
    "help topic": _help_topic,
}


@pytest.mark.parametrize("word", HOSTILE)
@pytest.mark.parametrize("builder", BUILDERS)
def test_hostile_words_are_shown_as_typed_in_every_builder(builder, word):
    shown = BUILDERS[builder](word)
    assert not any(live in shown for live in LIVE), shown
    assert "&amp;lt;" in shown if word == "&lt;" else "&lt;" in shown   # shown as typed, not dropped


def test_one_function_escapes_for_slack():
    """No second copy of the escape: a fix or a new control character lands in one place."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    copies = [str(path.relative_to(root)) for folder in ("bot", "commands")
              for path in (root / folder).rglob("*.py")
              if '.replace("<", "&lt;")' in path.read_text(encoding="utf-8")]
    assert copies == ["commands/mrkdwn.py"]


def _ticket_error(typed: str):
    from commands.errors import UserError
    from tests.unit.test_policy_cases import POLICY

    try:
        POLICY.check_ticket("remove-user", True, typed)
    except UserError as err:
        return err
    raise AssertionError("not refused")


SHOWN_ERROR = {   # every place a core error's text reaches Slack
    "refusal": lambda err: messages.refusal(err),
    "refused as the job started": lambda err: messages.final_text(
        JobEvent("r-1", REFUSED, total=3, error=err.text())),   # the worker publishes err.text()
    "audit channel": lambda err: audit_line({"action": "refused", "actor": "U_ADA", "at": 0,
                                             "reason": err.text()}),   # the audit keeps err.text()
}


@pytest.mark.parametrize("where", SHOWN_ERROR)
def test_an_ampersand_typed_by_a_person_is_escaped_once(where):
    """The core quotes what was typed as it is and the bot escapes it once: `&amp;amp;` would
    show the person `&amp;` where they typed `&`."""
    shown = SHOWN_ERROR[where](_ticket_error("R&D-7"))
    assert "`R&amp;D-7`" in shown and "&amp;amp;" not in shown, shown


def test_the_channels_a_refusal_names_on_purpose_stay_links_and_nothing_else():
    from tests.unit.test_policy_cases import OPERATOR, POLICY

    decision = POLICY.decide(OPERATOR, "add-user", "acme", "C_AUDIT", {})
    assert not decision.allowed
    shown = messages.refusal(decision.refusal())
    assert shown.startswith(":no_entry: <#C_AUDIT> is for reports only"), shown
    assert "<#C_ACME_SHARED>, <#C_SUPPORT>" in shown
    ticket = _ticket_refusal("<#C_SUPPORT>")                 # typed: shown as typed, not a link
    assert "<#C_SUPPORT>" not in ticket and "&lt;#C_SUPPORT&gt;" in ticket
