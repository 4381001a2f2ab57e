"""The walking skeleton: a signed `/tobit add-user` to a real AD account, through a real worker."""

from __future__ import annotations

import re

import ldap3
import pytest

from tests.fixtures.slack import PEOPLE

OPERATOR = PEOPLE.operator
SUPPORT = "C_SUPPORT"
PASSWORD = re.compile(r"New password for `([^`]+)`: `([^`]+)`")


def _thread_texts(slack, ts):
    return [m.text for m in slack.thread(SUPPORT, ts)]


def _request_message(slack, command_fragment):
    return next((m for m in slack.messages(SUPPORT) if command_fragment in m.text), None)


def _bind(samba, upn: str, password: str) -> ldap3.Connection:
    tls = ldap3.Tls(ca_certs_file=str(samba.ca_file), validate=2, valid_names=[samba.tls_name])
    server = ldap3.Server(samba.ldaps_url, use_ssl=True, tls=tls, connect_timeout=5)
    return ldap3.Connection(server, upn, password)


def test_add_user_end_to_end(bot_stack):
    slack, directory = bot_stack.slack, bot_stack.directory
    result = slack.slash_command(OPERATOR, SUPPORT, text='add-user acme "Jörg Müller-Lüdenscheidt"')
    assert result.status == 200

    request = slack.wait_for(lambda: _request_message(slack, "Jörg Müller-Lüdenscheidt"), timeout=10)
    slack.wait_for(lambda: any(t.startswith(":white_check_mark: Done") for t in _thread_texts(slack, request.ts)),
                   timeout=60)

    user = directory.find_user("acme", "jmueller-luedenschei")
    assert user is not None and user["enabled"]
    assert "OU=acme,OU=Customers" in user["dn"]

    notice = slack.wait_for(lambda: next((e for e in slack.ephemerals(user=OPERATOR)
                                          if PASSWORD.search(e.text) and user["sam"] in e.text), None),
                            timeout=10)
    sam, password = PASSWORD.search(notice.text).groups()
    assert sam == "jmueller-luedenschei"
    conn = _bind(bot_stack.samba, user["upn"], password)
    assert not conn.bind()
    # AD accepts the password but demands a change at first logon (data 773), as required
    assert "data 773" in conn.result["message"]

    everything_public = [m.text + str(m.blocks) for m in slack.messages(SUPPORT, include_thread_replies=True)]
    everything_public += [m.text + str(m.blocks) for m in slack.messages("C_AUDIT", include_thread_replies=True)]
    assert all(password not in text for text in everything_public)


def test_unknown_customer_is_refused_with_did_you_mean_and_nothing_is_created(bot_stack):
    slack = bot_stack.slack
    before = len(slack.messages(SUPPORT))
    slack.slash_command(OPERATOR, SUPPORT, text='add-user acmee "Jane Doe"')
    refusal = slack.wait_for(lambda: next((e for e in slack.ephemerals(user=OPERATOR)
                                           if "Unknown customer `acmee`" in e.text), None), timeout=10)
    assert "Did you mean `acme`?" in refusal.text
    assert len(slack.messages(SUPPORT)) == before
    assert bot_stack.directory.customer("acmee") is None


def test_unparseable_command_gets_usage_help_as_ephemeral(bot_stack):
    slack = bot_stack.slack
    result = slack.slash_command(OPERATOR, SUPPORT, text="add-usr acme")
    assert result.status == 200
    reply = slack.wait_for(lambda: next((e for e in slack.ephemerals(user=OPERATOR)
                                         if "add-usr" in e.text), None), timeout=5)
    assert "add-user" in reply.text  # did you mean


@pytest.mark.parametrize("tamper", ["bad_signature", "stale_timestamp"])
def test_forged_or_replayed_requests_are_refused_and_nothing_is_enqueued(bot_stack, tamper):
    slack = bot_stack.slack
    before = len(slack.messages(SUPPORT))
    opts = ({"signing_secret_override": "not-the-secret"} if tamper == "bad_signature"
            else {"timestamp_override": 1_000_000_000})
    result = slack.slash_command(OPERATOR, SUPPORT, text='add-user acme "Eve Forger"', **opts)
    assert result.status == 401
    assert len(slack.messages(SUPPORT)) == before
    assert bot_stack.directory.find_user("acme", "eforger") is None


def _wait_done(slack, fragment, timeout=60):
    request = slack.wait_for(lambda: _request_message(slack, fragment), timeout=10)
    slack.wait_for(lambda: any(t.startswith(":white_check_mark: Done") for t in _thread_texts(slack, request.ts)),
                   timeout=timeout)
    return request


def test_same_name_twice_gets_a_numeric_suffix(bot_stack):
    slack, directory = bot_stack.slack, bot_stack.directory
    slack.slash_command(OPERATOR, SUPPORT, text='add-user globex "Jane Doe"')
    first = _wait_done(slack, 'add-user globex "Jane Doe"')
    slack.slash_command(OPERATOR, SUPPORT, text='add-user globex "Jane Doe"')
    slack.wait_for(lambda: len([m for m in slack.messages(SUPPORT)
                                if 'add-user globex "Jane Doe"' in m.text]) == 2, timeout=10)
    second = [m for m in slack.messages(SUPPORT) if 'add-user globex "Jane Doe"' in m.text][-1]
    assert second.ts != first.ts
    slack.wait_for(lambda: any(t.startswith(":white_check_mark: Done") for t in _thread_texts(slack, second.ts)),
                   timeout=60)
    assert directory.find_user("globex", "jdoe") is not None
    assert directory.find_user("globex", "jdoe2") is not None


def test_ad_down_during_the_job_ends_in_a_clear_failure_reply(bot_stack):
    from tobitbot.servers.process import stop

    slack, bot, samba = bot_stack.slack, bot_stack.bot, bot_stack.samba
    for proc in bot.worker_procs:
        stop(proc)
    bot.worker_procs.clear()
    try:
        slack.slash_command(OPERATOR, SUPPORT, text='add-user acme "Ada Offline"')
        request = slack.wait_for(lambda: _request_message(slack, "Ada Offline"), timeout=10)
        slack.wait_for(lambda: any("Queued" in t for t in _thread_texts(slack, request.ts)), timeout=10)
        samba.stop()
        bot.start_worker()
        failure = slack.wait_for(lambda: next((t for t in _thread_texts(slack, request.ts)
                                               if t.startswith(":x: Failed")), None), timeout=60)
    finally:
        samba.start()
        if not bot.worker_procs:
            bot.start_worker()
    assert "Not run:" in failure and "create AD account" in failure.split("Not run:")[1]
    assert "cannot reach" in failure and "*Retry*" in failure
    assert bot_stack.directory.find_user("acme", "aoffline") is None

    # AD is back: Retry runs the same request, and it completes
    reply = next(m for m in slack.thread(SUPPORT, request.ts) if m.text.startswith(":x: Failed") and m.blocks
                 and any(b["type"] == "actions" for b in m.blocks))
    slack.block_action(OPERATOR, SUPPORT, reply.ts, "tobit_retry")
    slack.wait_for(lambda: any(t.startswith(":white_check_mark: Done") for t in _thread_texts(slack, request.ts)),
                   timeout=60)
    assert bot_stack.directory.find_user("acme", "aoffline") is not None
