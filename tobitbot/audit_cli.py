"""`tobitbot audit verify` and `tobitbot audit export`: the operator's view of the audit log.

`verify` walks the hash chain in pages (memory stays flat however long the log), compares its
end with the head kept beside it, and, where a Slack token and the audit channel are set (or
with `--witnesses`), checks the stream against the hashes the audit channel's posts witnessed:
that catches a stream deleted or rewritten together with its head.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Iterable, TextIO

import redis
from pydantic import SecretStr
from slack_sdk.errors import SlackClientError

from bot.audit import PAGE, AuditLog
from commands.audit_chain import WitnessTally
from tobitbot.settings import Settings, ToolSettings

INTACT, BROKEN, UNCHECKED = 0, 1, 2  # exit statuses
Witnesses = Iterable[list[tuple[str, str]]]  # pages of (entry id, hash), as the channel holds them


class AuditToolSettings(ToolSettings):
    """What `tobitbot audit` reads besides Redis: the Slack side, for the witnesses."""

    slack_bot_token: SecretStr | None = None
    slack_api_url: str = Settings.model_fields["slack_api_url"].default
    audit_channel: str | None = None


def add_parser(sub: Any) -> None:
    audit = sub.add_parser("audit", help="verify the audit log's hash chain, or export it as JSON lines")
    audit.add_argument("action", choices=["verify", "export"])
    audit.add_argument("--redis-url", default=None, help="default: TOBITBOT_REDIS_URL")
    witnesses = audit.add_mutually_exclusive_group()
    witnesses.add_argument("--witnesses", dest="witnesses", action="store_true", default=None,
                           help="check the stream against the audit channel's posts (default when "
                                "TOBITBOT_SLACK_BOT_TOKEN and TOBITBOT_AUDIT_CHANNEL are set)")
    witnesses.add_argument("--no-witnesses", dest="witnesses", action="store_false",
                           help="check the chain in Redis only")
    audit.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = AuditToolSettings()
    client = redis.Redis.from_url(args.redis_url or settings.redis_url)
    if args.action == "export":
        return export(client)
    slack_set = settings.slack_bot_token is not None and bool(settings.audit_channel)
    if args.witnesses and not slack_set:
        print("tobitbot: --witnesses needs TOBITBOT_SLACK_BOT_TOKEN and TOBITBOT_AUDIT_CHANNEL",
              file=sys.stderr)
        return UNCHECKED
    witnesses = None
    if slack_set and args.witnesses is not False:
        witnesses = _channel_witnesses(settings)
    return verify(client, witnesses=witnesses)


def verify(client: redis.Redis, out: TextIO = sys.stdout, witnesses: Witnesses | None = None,
           page: int = PAGE) -> int:
    """Check the hash chain, its head and (given) the witnesses; exit status 0 when intact, 1
    when anything was edited or removed, 2 when the witnesses could not be read or none was
    found while the stream holds entries."""
    log, broken = AuditLog(client), 0

    def report(problem: str) -> None:  # printed as found: a broken log of any length is not kept
        nonlocal broken
        print(f"BROKEN {problem}", file=out)
        broken += 1

    walk = log.walk(report, page)
    print(f"{walk.count} entries, chain {'intact' if not broken else 'BROKEN'}", file=out)
    if witnesses is None:
        return INTACT if not broken else BROKEN
    tally = WitnessTally()
    try:
        for batch in witnesses:
            stored = log.hashes_of(entry_id for entry_id, _ in batch)
            for entry_id, digest in batch:
                tally.add(entry_id, digest, stored[entry_id])
    except (SlackClientError, OSError) as err:  # Slack unreachable or refusing: never pass unchecked
        print(f"tobitbot: cannot read the audit channel's witnesses ({err}); "
              "use --no-witnesses to check the chain in Redis only", file=sys.stderr)
        return UNCHECKED
    if not tally.checked and walk.count:
        # the bot's own posts were not found (another app's token, another channel): nothing
        # was compared, which must never read as "all in the stream"
        print(f"tobitbot: no witness found in the audit channel although the stream holds "
              f"{walk.count} entries; check that TOBITBOT_SLACK_BOT_TOKEN is the bot's own token and "
              "TOBITBOT_AUDIT_CHANNEL its audit channel, or use --no-witnesses", file=sys.stderr)
        return BROKEN if broken else UNCHECKED
    problems = tally.problems(log.last_id())
    for problem in problems:
        print(f"BROKEN {problem}", file=out)
    print(f"{tally.checked} witnesses from the audit channel, "
          f"{'all in the stream' if not problems else 'NOT all in the stream'}", file=out)
    return INTACT if not (broken or problems) else BROKEN


def _channel_witnesses(settings: AuditToolSettings) -> Witnesses:
    from bot.app import slack_client
    from bot.audit_witness import read_witnesses

    assert settings.slack_bot_token is not None and settings.audit_channel
    slack = slack_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)
    return read_witnesses(slack, settings.audit_channel)


def export(client: redis.Redis, out: TextIO = sys.stdout) -> int:
    """Write every entry as one JSON line, with its stream id and hashes (for archiving)."""
    for entry_id, entry, prev, digest in AuditLog(client).rows():
        out.write(json.dumps({"id": entry_id, **entry, "prev_hash": prev, "hash": digest},
                             ensure_ascii=False) + "\n")
    return 0
