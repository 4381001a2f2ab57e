"""What the requester sees for refused commands, plans and reports: only they see it, and a
refused command leaves no trace in the channel and enqueues nothing."""

from __future__ import annotations

import pytest

from tests.fixtures.slack import PEOPLE

SUPPORT = "C_SUPPORT"


def _send(slack, user, channel, text):
    """Run a command; return a function that waits for the next reply to it containing `needle`."""
    seen = len(slack.ephemerals(user=user))
    slack.slash_command(user, channel, text=text)

    def reply(needle, timeout=10):
        return slack.wait_for(lambda: next((e for e in slack.ephemerals(user=user)[seen:]
                                            if needle in e.text or needle in str(e.blocks)), None),
                              timeout=timeout)
    return reply


@pytest.mark.parametrize("who, text, needle, reason", [
    (PEOPLE.nobody, 'add-user acme "Nina Keinrecht"', "Nina Keinrecht", "operator"),       # no role
    (PEOPLE.operator, 'onboard-customer initech "Initech AG" base=enterprise-service '
                      'tobit-url=https://tobit.initech.example', "initech", "admin"),      # role too low
    (PEOPLE.operator, 'add-user acme "Jane Doe" email=jane@other.example', "other.example", "(R8)"),
    (PEOPLE.operator, 'add-user acme "Fax Zentrale"', "Zentrale", "(R5)"),                 # no shared logins
])
def test_refused_commands_are_answered_only_to_the_requester(bot_stack, who, text, needle, reason):
    slack = bot_stack.slack
    before = len(slack.messages(SUPPORT))
    refusal = _send(slack, who, SUPPORT, text)(":no_entry:")
    assert reason in refusal.text
    assert len(slack.messages(SUPPORT)) == before


def test_command_in_a_channel_the_policy_does_not_list_is_refused(bot_stack):
    slack = bot_stack.slack
    channel = slack.add_channel("C_RANDOM", "random").id
    refusal = _send(slack, PEOPLE.admin, channel, "list-users acme")(":no_entry:")
    assert "C_RANDOM" in refusal.text or "channel" in refusal.text


def test_plan_shows_what_would_be_done_and_does_nothing(bot_stack):
    slack = bot_stack.slack
    before = len(slack.messages(SUPPORT))
    plan = _send(slack, PEOPLE.operator, SUPPORT, 'plan add-user acme "Petra Planmann"')("Petra Planmann")
    assert "1." in plan.text and "Rules checked:" in plan.text and "R12" in plan.text
    assert len(slack.messages(SUPPORT)) == before
    assert bot_stack.directory.find_user("acme", "pplanmann") is None


def test_reports_render_as_tables(bot_stack):
    slack = bot_stack.slack
    table = _send(slack, PEOPLE.operator, SUPPORT, "licences acme")("tobit-addon")
    assert "```" in str(table.blocks) and "tobit-addon" in str(table.blocks)


def test_help_lists_the_commands(bot_stack):
    help_text = _send(bot_stack.slack, PEOPLE.operator, SUPPORT, "")("enable-fax")
    assert "add-user" in help_text.text


def test_someone_without_a_role_is_told_how_to_get_one(bot_stack):
    refusal = _send(bot_stack.slack, PEOPLE.nobody, SUPPORT, "help")(":no_entry:")
    assert "ask an admin" in refusal.text and "S_" in refusal.text


@pytest.mark.parametrize("channel, text, needle", [   # Bolt's own parser made each of these {}
    (SUPPORT, "help payload", "there is no command `payload`"),
    (SUPPORT, 'plan add-user acme "Paula payload"', "Paula payload"),
    ("C_PAYLOAD_TEAM", "list-users acme", "C_PAYLOAD_TEAM"),         # channel_name=payload-team
], ids=["text", "a name", "channel name"])
def test_a_command_with_the_word_payload_reaches_its_handler_intact(bot_stack, channel, text, needle):
    slack = bot_stack.slack
    if channel != SUPPORT:
        slack.add_channel(channel, "payload-team")
    reply = _send(slack, PEOPLE.operator, channel, text)(needle)
    assert "failed with the error" not in reply.text   # what Slack shows for an app's 4xx
