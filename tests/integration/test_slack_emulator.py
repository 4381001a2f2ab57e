"""The Slack emulator speaks Slack: slack_sdk calls it, and a real Bolt app accepts its requests."""

from __future__ import annotations

import json
import threading
import time
from socketserver import ThreadingMixIn
from urllib.parse import parse_qsl
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
import requests
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from tests.fixtures.slack import C_AUDIT, C_SUPPORT, PEOPLE, S_APPROVERS
from tobitbot.servers.process import free_port

APPROVE_BLOCKS = [
    {"type": "section", "block_id": "summary", "text": {"type": "mrkdwn", "text": "Add user?"}},
    {"type": "actions", "block_id": "decision", "elements": [
        {"type": "button", "action_id": "approve", "value": "req-1",
         "text": {"type": "plain_text", "text": "Approve"}}]},
]


@pytest.fixture
def client(slack_emulator):
    return WebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url)


# Web API, called by slack_sdk


def test_messages_threads_and_updates_are_kept_as_slack_would(slack_emulator, client):
    parent = client.chat_postMessage(channel=C_SUPPORT, text="Request 1", blocks=APPROVE_BLOCKS)
    reply = client.chat_postMessage(channel=C_SUPPORT, text="working on it",
                                    thread_ts=parent["ts"])
    client.chat_update(channel=C_SUPPORT, ts=parent["ts"], text="Request 1: approved", blocks=[])

    assert float(reply["ts"]) > float(parent["ts"])
    assert [m.ts for m in slack_emulator.messages(C_SUPPORT)] == [parent["ts"]]
    assert len(slack_emulator.messages(C_SUPPORT, include_thread_replies=True)) == 2
    assert [m.text for m in slack_emulator.thread(C_SUPPORT, reply["ts"])] == [
        "Request 1: approved", "working on it"]
    updated = slack_emulator.message(C_SUPPORT, parent["ts"])
    assert (updated.blocks, updated.bot_id) == ([], "B_TOBITBOT") and updated.edited_ts
    replies = client.conversations_replies(channel=C_SUPPORT, ts=parent["ts"])["messages"]
    assert replies[0]["reply_count"] == 1 and replies[1]["thread_ts"] == parent["ts"]
    history = client.conversations_history(channel=C_SUPPORT)["messages"]
    assert [m["ts"] for m in history] == [parent["ts"]]
    link = client.chat_getPermalink(channel=C_SUPPORT, message_ts=reply["ts"])["permalink"]
    assert link.startswith(f"{slack_emulator.url}/archives/{C_SUPPORT}/p")


@pytest.mark.parametrize("encoding", ["json", "form"])
def test_form_and_json_bodies_mean_the_same(slack_emulator, client, encoding):
    params = {"channel": C_AUDIT, "text": "audit", "blocks": APPROVE_BLOCKS}
    if encoding == "json":
        client.api_call("chat.postMessage", json=params)
    else:
        client.api_call("chat.postMessage", data={**params, "blocks": json.dumps(APPROVE_BLOCKS)})

    [message] = slack_emulator.messages(C_AUDIT)
    assert (message.text, message.blocks) == ("audit", APPROVE_BLOCKS)
    assert slack_emulator.calls("chat.postMessage")[0].params["blocks"] == APPROVE_BLOCKS


def test_ephemeral_messages_reach_one_user_only(slack_emulator, client):
    answer = client.chat_postEphemeral(channel=C_SUPPORT, user=PEOPLE.operator, text="only you")

    assert [e.ts for e in slack_emulator.ephemerals(PEOPLE.operator)] == [answer["message_ts"]]
    assert slack_emulator.ephemerals(PEOPLE.approver) == []
    assert slack_emulator.messages(C_SUPPORT) == []


def test_reactions_by_bot_and_by_users_show_in_state(slack_emulator, client):
    ts = client.chat_postMessage(channel=C_SUPPORT, text="Request 2")["ts"]
    client.reactions_add(channel=C_SUPPORT, timestamp=ts, name="eyes")
    slack_emulator.workspace.conversations.add_reaction(C_SUPPORT, ts, "eyes", PEOPLE.approver)

    reactions = client.reactions_get(channel=C_SUPPORT, timestamp=ts)["message"]["reactions"]
    assert reactions == [{"name": "eyes", "users": ["U_TOBITBOT", PEOPLE.approver], "count": 2}]
    with pytest.raises(SlackApiError) as refused:
        client.reactions_add(channel=C_SUPPORT, timestamp=ts, name="eyes")
    assert refused.value.response["error"] == "already_reacted"


def test_users_and_usergroups_resolve_roles(client):
    user = client.users_info(user=PEOPLE.approver)["user"]
    assert user["profile"]["email"] == "anton.approver@tobit-service.example"
    assert client.usergroups_users_list(usergroup=S_APPROVERS)["users"] == [
        PEOPLE.approver, PEOPLE.second_approver]
    groups = client.usergroups_list(include_users=True)["usergroups"]
    assert {g["handle"]: g["users"] for g in groups}["tobit-admins"] == [PEOPLE.admin, PEOPLE.second_admin]


@pytest.mark.parametrize("call, error", [
    (lambda c: c.users_info(user="U_GHOST"), "user_not_found"),
    (lambda c: c.conversations_info(channel="C_GHOST"), "channel_not_found"),
    (lambda c: c.chat_postMessage(channel=C_SUPPORT, text="x", thread_ts="1.000001"),
     "thread_not_found"),
    (lambda c: c.chat_update(channel=C_SUPPORT, ts="1.000001", text="x"), "message_not_found"),
    (lambda c: c.usergroups_users_list(usergroup="S_GHOST"), "no_such_subteam"),
    (lambda c: c.chat_postMessage(channel=C_SUPPORT, text="x", blocks=[{"type": "?"}]),
     "invalid_blocks"),
    (lambda c: c.views_open(trigger_id="made-up", view={"type": "modal", "blocks": []}),
     "invalid_trigger_id"),
])
def test_refusals_use_slacks_error_codes(client, call, error):
    with pytest.raises(SlackApiError) as refused:
        call(client)
    assert refused.value.response.data == {"ok": False, "error": error}


def test_a_wrong_token_is_invalid_auth(slack_emulator):
    intruder = WebClient(token="xoxb-not-the-bot", base_url=slack_emulator.api_url)
    with pytest.raises(SlackApiError) as refused:
        intruder.chat_postMessage(channel=C_SUPPORT, text="hello")
    assert refused.value.response["error"] == "invalid_auth"
    assert slack_emulator.messages(C_SUPPORT) == []
    assert slack_emulator.calls("chat.postMessage")[0].error == "invalid_auth"


def test_rate_limit_is_honoured_by_the_sdk_retry_handler(slack_emulator):
    patient = WebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url,
                        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    slack_emulator.rate_limit("chat.postMessage", times=1, retry_after=1)

    started = time.monotonic()
    answer = patient.chat_postMessage(channel=C_SUPPORT, text="eventually")
    waited = time.monotonic() - started

    assert answer["ok"] and waited >= 1.0
    assert [c.status for c in slack_emulator.calls("chat.postMessage")] == [429, 200]
    assert len(slack_emulator.messages(C_SUPPORT)) == 1


def test_rate_limit_without_retry_handler_shows_retry_after(slack_emulator, client):
    slack_emulator.rate_limit("users.info", times=1, retry_after=7)
    with pytest.raises(SlackApiError) as refused:
        client.users_info(user=PEOPLE.operator)
    assert refused.value.response.status_code == 429
    assert refused.value.response.headers["retry-after"] in (["7"], "7")
    assert client.users_info(user=PEOPLE.operator)["ok"]


def test_wait_for_gives_up_with_timeout_error(slack_emulator):
    with pytest.raises(TimeoutError):
        slack_emulator.wait_for(lambda: slack_emulator.messages(C_SUPPORT), timeout=0.2)


# Requests to the bot, received by a real Bolt app over HTTP


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def bolt(slack_emulator):
    """A small Bolt app on a loopback port, pointed at the emulator both ways."""
    client = WebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url)
    app = App(client=client, signing_secret=slack_emulator.signing_secret)
    seen: list[dict] = []

    @app.command("/tobit")
    def tobit(ack, command, respond, client):
        if command["text"] == "form":
            ack()
            client.views_open(trigger_id=command["trigger_id"], view={
                "type": "modal", "callback_id": "add_user",
                "title": {"type": "plain_text", "text": "Add user"},
                "submit": {"type": "plain_text", "text": "Add"},
                "blocks": [{"type": "input", "block_id": "name", "label": {
                    "type": "plain_text", "text": "Name"}, "element": {
                    "type": "plain_text_input", "action_id": "value"}}]})
            return
        ack(text=f"working on: {command['text']}")
        respond(text="posted for all", response_type="in_channel")

    @app.event("reaction_added")
    def reacted(event, body, request, client):
        seen.append({"event": event, "event_id": body["event_id"],
                     "retry": request.headers.get("x-slack-retry-num", [None])[0]})
        client.chat_postMessage(channel=event["item"]["channel"], thread_ts=event["item"]["ts"],
                                text=f"{event['user']} reacted :{event['reaction']}:")

    @app.action("approve")
    def approve(ack, body, respond):
        ack()
        respond(replace_original=True, text=f"approved by {body['user']['id']}")

    @app.shortcut("open_form")
    def shortcut(ack, body, client):
        ack()
        client.views_open(trigger_id=body["trigger_id"], view={
            "type": "modal", "callback_id": "add_user", "title": {"type": "plain_text", "text": "Add"},
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "from a shortcut"}}]})

    @app.event("app_home_opened")
    def home(event, client):
        seen.append({"home": event})
        client.views_publish(user_id=event["user"], view={"type": "home", "blocks": [
            {"type": "actions", "block_id": "home", "elements": [{
                "type": "button", "action_id": "open_home_form", "value": "v",
                "text": {"type": "plain_text", "text": "Add user"}}]}]})

    @app.action("open_home_form")
    def home_button(ack, body):
        ack()
        seen.append({"home_click": body})

    @app.view("add_user")
    def submitted(ack, view):
        name = view["state"]["values"]["name"]["value"]["value"]
        if not name:
            ack(response_action="errors", errors={"name": "a name is required"})
        else:
            ack()

    server = make_server("127.0.0.1", 0, SlackRequestHandler(app),
                         server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    slack_emulator.set_request_url(f"http://127.0.0.1:{server.server_port}/slack/events")
    yield seen
    server.shutdown()
    server.server_close()


def test_a_signed_slash_command_is_accepted_and_answered(slack_emulator, bolt):
    result = slack_emulator.slash_command(PEOPLE.operator, C_SUPPORT, text="add user")

    assert result.status == 200
    assert [e.text for e in slack_emulator.ephemerals(PEOPLE.operator)] == ["working on: add user"]
    posted = slack_emulator.wait_for(lambda: slack_emulator.messages(C_SUPPORT))
    assert posted[0].text == "posted for all" and posted[0].source == "response_url"


@pytest.mark.parametrize("tampering", [
    {"signing_secret_override": "not-the-secret"},
    {"timestamp_override": int(time.time()) - 60 * 10},
])
def test_bolt_refuses_a_badly_signed_or_stale_request(slack_emulator, bolt, tampering):
    result = slack_emulator.slash_command(PEOPLE.operator, C_SUPPORT, text="x", **tampering)

    assert result.status == 401
    [notice] = slack_emulator.ephemerals(PEOPLE.operator)
    assert notice.text == '/tobit failed with the error "dispatch_failed"'
    assert notice.source == "slack"


def test_reaction_added_reaches_the_bolt_handler_and_a_retry_repeats_the_event_id(
        slack_emulator, bolt, client):
    ts = client.chat_postMessage(channel=C_SUPPORT, text="Request 3")["ts"]

    first = slack_emulator.reaction_added(PEOPLE.approver, C_SUPPORT, ts, "white_check_mark")
    retry = slack_emulator.redeliver(first, retry_num=1)

    assert (first.status, retry.status) == (200, 200)
    assert slack_emulator.reactions(C_SUPPORT, ts) == {"white_check_mark": [PEOPLE.approver]}
    slack_emulator.wait_for(lambda: len(bolt) == 2)
    assert [(s["event_id"], s["retry"]) for s in bolt] == [(first.event_id, None),
                                                           (first.event_id, "1")]
    assert bolt[0]["event"]["item"] == {"type": "message", "channel": C_SUPPORT, "ts": ts}
    assert bolt[0]["event"]["item_user"] == "U_TOBITBOT"
    replies = slack_emulator.wait_for(lambda: slack_emulator.thread(C_SUPPORT, ts)[1:])
    assert replies[0].text == f"{PEOPLE.approver} reacted :white_check_mark:"


def test_a_button_click_lets_the_bot_replace_the_message(slack_emulator, bolt, client):
    ts = client.chat_postMessage(channel=C_SUPPORT, text="Request 4", blocks=APPROVE_BLOCKS)["ts"]

    result = slack_emulator.block_action(PEOPLE.approver, C_SUPPORT, ts, "approve")

    assert result.status == 200
    payload = json.loads(dict(parse_qsl(result.request_body.decode()))["payload"])
    assert payload["actions"][0]["block_id"] == "decision"
    assert payload["actions"][0]["value"] == "req-1"
    assert payload["message"]["ts"] == ts and payload["container"]["is_ephemeral"] is False
    slack_emulator.wait_for(lambda: slack_emulator.message(C_SUPPORT, ts).text != "Request 4")
    assert slack_emulator.message(C_SUPPORT, ts).text == f"approved by {PEOPLE.approver}"
    with pytest.raises(ValueError):
        slack_emulator.block_action(PEOPLE.approver, C_SUPPORT, ts, "no_such_button")


def test_a_modal_opens_with_the_trigger_and_closes_on_a_valid_submission(slack_emulator, bolt):
    slack_emulator.slash_command(PEOPLE.operator, C_SUPPORT, text="form")
    [modal] = slack_emulator.wait_for(lambda: slack_emulator.views(PEOPLE.operator))

    empty = {"name": {"value": {"type": "plain_text_input", "value": ""}}}
    refused = slack_emulator.view_submission(PEOPLE.operator, modal.id, empty)
    assert refused.json()["errors"] == {"name": "a name is required"}
    assert slack_emulator.views(PEOPLE.operator)

    filled = {"name": {"value": {"type": "plain_text_input", "value": "Max Muster"}}}
    assert slack_emulator.view_submission(PEOPLE.operator, modal.id, filled).status == 200
    assert slack_emulator.views(PEOPLE.operator) == []


def test_a_global_shortcut_carries_a_trigger_that_opens_a_modal(slack_emulator, bolt):
    result = slack_emulator.shortcut(PEOPLE.operator, "open_form")

    assert result.status == 200
    payload = json.loads(dict(parse_qsl(result.request_body.decode()))["payload"])
    assert (payload["type"], payload["callback_id"]) == ("shortcut", "open_form")
    assert "channel" not in payload
    [modal] = slack_emulator.wait_for(lambda: slack_emulator.views(PEOPLE.operator, "modal"))
    assert modal.definition["blocks"][0]["text"]["text"] == "from a shortcut"


def test_app_home_opened_lets_the_bot_publish_and_the_home_button_is_clickable(
        slack_emulator, bolt):
    assert slack_emulator.app_home_opened(PEOPLE.operator).status == 200
    [home] = slack_emulator.wait_for(lambda: slack_emulator.views(PEOPLE.operator, "home"))
    assert bolt[0]["home"]["tab"] == "home" and "view" not in bolt[0]["home"]

    slack_emulator.app_home_opened(PEOPLE.operator)        # the second time, with the view
    slack_emulator.wait_for(lambda: len(bolt) == 2)
    assert bolt[1]["home"]["view"]["id"] == home.id

    assert slack_emulator.view_action(PEOPLE.operator, home.id, "open_home_form").status == 200
    click = slack_emulator.wait_for(lambda: next((s["home_click"] for s in bolt
                                                  if "home_click" in s), None))
    assert click["container"] == {"type": "view", "view_id": home.id}
    assert click["view"]["type"] == "home" and click["actions"][0]["block_id"] == "home"


def test_url_verification_echoes_the_challenge(slack_emulator, bolt):
    result = slack_emulator.url_verification("challenge-123")
    assert result.status == 200 and "challenge-123" in result.body


def _response_url(result) -> str:
    return dict(parse_qsl(result.request_body.decode()))["response_url"]


@pytest.mark.parametrize("answer, in_channel, ephemeral", [
    ({"text": "just for you"}, [], ["working on: x", "just for you"]),
    ({"text": "for all", "response_type": "in_channel"}, ["for all"], ["working on: x"]),
])
def test_response_url_posts_ephemeral_unless_in_channel(slack_emulator, bolt, answer,
                                                        in_channel, ephemeral):
    response_url = _response_url(slack_emulator.slash_command(PEOPLE.admin, C_AUDIT, text="x"))
    slack_emulator.wait_for(lambda: slack_emulator.messages(C_AUDIT))  # the bot's own respond()
    before = [m.text for m in slack_emulator.messages(C_AUDIT)]

    assert requests.post(response_url, json=answer, timeout=5).status_code == 200

    assert [m.text for m in slack_emulator.messages(C_AUDIT)] == before + in_channel
    assert [e.text for e in slack_emulator.ephemerals(PEOPLE.admin)] == ephemeral


def test_a_response_url_is_spent_after_five_posts(slack_emulator, bolt):
    response_url = _response_url(slack_emulator.slash_command(PEOPLE.admin, C_AUDIT, text="x"))
    slack_emulator.wait_for(lambda: slack_emulator.messages(C_AUDIT))  # the bot's own respond()
    statuses = [requests.post(response_url, json={"text": str(n)}, timeout=5).status_code
                for n in range(6)]
    # The bot's respond() used one of the five already.
    assert statuses.count(200) == 4 and statuses[-2:] == [404, 404]


def test_a_users_message_can_be_sent_to_the_bot_as_an_event(slack_emulator, bolt):
    message = slack_emulator.post_as_user(PEOPLE.operator, "#support", "hello bot",
                                          send_event=True)
    assert slack_emulator.messages(C_SUPPORT)[0].user == PEOPLE.operator
    sent = json.loads(slack_emulator.deliveries()[-1].request_body)["event"]
    assert (sent["type"], sent["ts"], sent["channel"]) == ("message", message.ts, C_SUPPORT)


def test_an_unreachable_bot_leaves_the_user_a_failure_notice(slack_emulator):
    slack_emulator.set_request_url(f"http://127.0.0.1:{free_port()}/slack/events")

    result = slack_emulator.slash_command(PEOPLE.operator, C_SUPPORT, text="x")

    assert result.status == 0 and result.error
    assert [e.text for e in slack_emulator.ephemerals(PEOPLE.operator)] == [
        '/tobit failed with the error "dispatch_failed"']
