"""What a support engineer reads back in Slack: `jobs`, `job ID`, `audit`, the App Home tab,
and the add-user modal, through the emulator against the running bot and a real worker."""

from __future__ import annotations

import re

import pytest

from tests.fixtures.slack import PEOPLE, finished_in, request_id_of, letters

SUPPORT = "C_SUPPORT"
OPERATOR, ADMIN = PEOPLE.operator, PEOPLE.admin


def _reply(slack, user, text, needle, timeout=15):
    """Run a command; return the first new ephemeral to `user` that contains `needle`."""
    seen = len(slack.ephemerals(user=user))
    slack.slash_command(user, SUPPORT, text=text)
    return slack.wait_for(lambda: next((e for e in slack.ephemerals(user=user)[seen:]
                                        if needle in e.text + str(e.blocks)), None), timeout=timeout)



@pytest.fixture(scope="module")
def finished(bot_stack):
    """One add-user request that the worker has completed."""
    slack = bot_stack.slack
    name = f"Jana Jobs{letters()}"
    slack.slash_command(OPERATOR, SUPPORT, text=f'add-user acme "{name}"')
    try:
        request = slack.wait_for(lambda: next((m for m in slack.messages(SUPPORT) if name in m.text),
                                              None), timeout=15)
    except TimeoutError:
        pytest.fail(f"no request message; said: {[e.text for e in slack.ephemerals(user=OPERATOR)]}")
    slack.wait_for(lambda: finished_in(slack, SUPPORT, request), timeout=60)
    return request


def test_jobs_lists_the_request_and_job_shows_its_steps(bot_stack, finished):
    slack, rid = bot_stack.slack, request_id_of(finished)
    listing = _reply(slack, OPERATOR, "jobs mine", rid)
    assert "```" in str(listing.blocks) and "succeeded" in str(listing.blocks)

    detail = _reply(slack, OPERATOR, f"job {rid}", "open the thread")
    shown = str(detail.blocks)
    assert finished.ts.replace(".", "") in shown and "succeeded" in shown and OPERATOR in shown
    steps = slack.wait_for(lambda: next((e for e in slack.ephemerals(user=OPERATOR)
                                         if e.text.startswith("*Steps:")), None))
    assert "done in" in str(steps.blocks) and "not run" not in str(steps.blocks)
    done, total = re.search(r"Steps: (\d+) of (\d+) done", steps.text).groups()
    assert done == total and int(total) > 1


def test_job_of_an_unknown_request_is_not_found(bot_stack):
    refusal = _reply(bot_stack.slack, OPERATOR, "job r-0000000000", ":no_entry:")
    assert "No request `r-0000000000`" in refusal.text


def test_audit_for_acme_in_the_last_hour(bot_stack, finished):
    slack, rid = bot_stack.slack, request_id_of(finished)
    seen = len(slack.ephemerals(user=ADMIN))
    slack.slash_command(ADMIN, SUPPORT, text="audit acme since=1h")
    # a long table comes in parts, one message each; the newest entries are in the last
    parts = slack.wait_for(lambda: (p := [e for e in slack.ephemerals(user=ADMIN)[seen:]
                                          if e.text.startswith("*Audit of")])
                           and rid in str([e.blocks for e in p]) and p, timeout=15)
    shown = str([e.blocks for e in parts])
    assert "enqueued" in shown and "job_succeeded" in shown
    assert "globex" not in shown


def test_audit_is_refused_to_an_operator(bot_stack):
    refusal = _reply(bot_stack.slack, OPERATOR, "audit acme", ":no_entry:")
    assert "admin" in refusal.text


def test_app_home_shows_roles_and_recent_requests(bot_stack, finished):
    slack = bot_stack.slack
    assert slack.app_home_opened(OPERATOR).status == 200
    home = slack.wait_for(lambda: next((v for v in slack.views(OPERATOR, "home")
                                        if request_id_of(finished) in str(v.definition)), None), timeout=10)
    shown = str(home.definition)
    assert "*operator* for all customers" in shown and "Nothing waits for your approval" in shown


def _form(customer, first, last, email="", ticket=""):
    field = lambda value: {"value": {"type": "plain_text_input", "value": value}}  # noqa: E731
    return {"customer": field(customer), "first": field(first), "last": field(last),
            "email": field(email), "ticket": field(ticket),
            "solo": {"value": {"type": "checkboxes", "selected_options": []}}}


def test_add_user_modal_shows_inline_errors_then_creates_the_user(bot_stack):
    slack = bot_stack.slack
    assert slack.shortcut(OPERATOR, "tobit_add_user").status == 200
    modal = slack.wait_for(lambda: next(iter(slack.views(OPERATOR, "modal")), None), timeout=10)

    unknown = slack.view_submission(OPERATOR, modal.id, _form("acmee", "Mona", "Modal"))
    assert "Did you mean `acme`?" in unknown.json()["errors"]["customer"]
    bad_mail = slack.view_submission(OPERATOR, modal.id, _form("acme", "Mona", "Modal", "mona@"))
    assert "not a mail address" in bad_mail.json()["errors"]["email"]
    shared = slack.view_submission(OPERATOR, modal.id, _form("acme", "Fax", "Zentrale"))
    assert "(R5)" in shared.json()["errors"]["last"]
    bad_ticket = slack.view_submission(OPERATOR, modal.id, _form("acme", "Mona", "Modal", ticket="4711"))
    assert "SUP-" in bad_ticket.json()["errors"]["ticket"]          # the pattern it must match
    assert slack.views(OPERATOR, "modal")            # still open for correcting

    last = "Modal" + letters()
    accepted = slack.view_submission(OPERATOR, modal.id, _form("acme", "Mona", last, ticket="SUP-4711"))
    assert accepted.status == 200 and not accepted.body.strip()
    assert slack.views(OPERATOR, "modal") == []
    request = slack.wait_for(lambda: next((m for m in slack.messages(SUPPORT) if last in m.text), None),
                             timeout=15)
    assert "SUP-4711" in request.text + str(request.blocks)
    slack.wait_for(lambda: finished_in(slack, SUPPORT, request), timeout=60)
    assert bot_stack.directory.find_user("acme", f"m{last.lower()}") is not None


def test_the_home_button_opens_the_same_modal(bot_stack):
    slack = bot_stack.slack
    slack.app_home_opened(ADMIN)
    home = slack.wait_for(lambda: next(iter(slack.views(ADMIN, "home")), None), timeout=10)
    assert slack.view_action(ADMIN, home.id, "tobit_add_user_open").status == 200
    modal = slack.wait_for(lambda: next(iter(slack.views(ADMIN, "modal")), None), timeout=10)
    assert modal.definition["callback_id"] == "tobit_add_user"
