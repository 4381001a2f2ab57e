"""What the bot answers when it cannot decide: Redis down at the door, or Slack unable to list
the user groups that carry the roles. Each test runs a bot of its own (its own Redis, its own
Slack emulator, the shared DC), since it breaks what the shared stack needs."""

from __future__ import annotations

import json
import signal

import pytest

from tests.fixtures.bot import BOT_TOKEN, SIGNING_SECRET
from tests.fixtures.slack import PEOPLE, populate
from tobitbot.servers.bot import BotProcesses
from tobitbot.servers.redis import RedisServer
from tobitbot.slack_emulator import SlackEmulator

SUPPORT = "C_SUPPORT"
OPERATOR = PEOPLE.operator


@pytest.fixture
def own_bot(bot_stack, tmp_path):
    """(slack emulator, bot, its Redis server) sharing nothing breakable with bot_stack."""
    redis_server = RedisServer(tmp_path / "redis").start()
    slack = populate(SlackEmulator(BOT_TOKEN, SIGNING_SECRET).start())
    env = {**bot_stack.env, "TOBITBOT_REDIS_URL": redis_server.url,
           "TOBITBOT_SLACK_API_URL": slack.api_url}
    bot = BotProcesses(env, tmp_path / "logs", workers=0).start()
    slack.set_request_url(bot.request_url)
    yield slack, bot, redis_server
    bot.stop()
    slack.stop()
    redis_server.stop()


def _answer(result) -> str:
    """The text of the bot's own answer (the ack): JSON, or plain text, as Slack reads it."""
    if (result.header("Content-Type") or "").startswith("application/json"):
        return json.loads(result.body).get("text", "")
    return result.body


def test_with_redis_down_the_commands_own_answer_says_nothing_was_done_and_to_try_again(own_bot):
    slack, bot, redis_server = own_bot
    redis_server.proc.send_signal(signal.SIGKILL)
    redis_server.proc.wait(10)

    result = slack.slash_command(OPERATOR, SUPPORT, text='add-user acme "Rudi Redislos"')

    assert (result.status, result.error) == (200, None)
    answer = _answer(result)
    assert "Nothing was done" in answer and "Redis" in answer and "Try again" in answer
    assert not [m for m in slack.messages(SUPPORT) if "Rudi Redislos" in m.text]


def test_when_slack_cannot_list_the_groups_the_command_is_refused_in_doubt(own_bot):
    slack, bot, redis_server = own_bot
    slack.fail("usergroups.list", "internal_error", times=100)

    result = slack.slash_command(OPERATOR, SUPPORT, text='add-user acme "Gerda Gruppenlos"')
    assert result.status == 200

    refusal = slack.wait_for(lambda: next((e for e in slack.ephemerals(user=OPERATOR)
                                           if e.source != "ack"), None), timeout=20)
    assert refusal.text.startswith(":no_entry: Slack could not tell")
    assert "Try again" in refusal.text and "Internal error" not in refusal.text
    assert not [m for m in slack.messages(SUPPORT) if "Gerda Gruppenlos" in m.text]

    import redis

    from bot.audit import AuditLog

    entries = [e for _, e, _, _ in AuditLog(redis.Redis.from_url(redis_server.url)).entries()]
    assert [e["action"] for e in entries if "Gerda Gruppenlos" in (e.get("text") or "")] == ["refused"]
    assert not [e for e in entries if e["action"] in ("allowed", "enqueued")]
