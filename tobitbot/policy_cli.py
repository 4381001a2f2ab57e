"""`tobitbot policy check FILE` and `tobitbot policy replay FILE`: a policy change, before it is made.

`check` validates the file (exit status 2 with file:line errors) and says who gains or loses
which command on which customer against the policy in use. `replay` decides the audit log's
past requests again under the file and lists those that would come out the other way.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from datetime import datetime, timezone
from typing import Any, TextIO

import redis

from bot.audit import AuditLog
from commands.errors import ConfigError
from commands.policy import Policy
from commands.policy_diff import ability_changes, customer_scopes, setting_changes
from commands.policy_replay import DECISIONS, replay
from tobitbot.policy_file import load_policy_file
from tobitbot.settings import ToolSettings

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def add_parser(sub: Any) -> None:
    policy = sub.add_parser("policy", help="check a policy file, or replay past requests against it")
    actions = policy.add_subparsers(dest="action", required=True)
    check = actions.add_parser("check", help="validate FILE and say what changes against the "
                                             "policy in use")
    replay_cmd = actions.add_parser("replay", help="decide the audit log's past requests again "
                                                   "under FILE; list those that would differ")
    for action in (check, replay_cmd):
        action.add_argument("file", help="the new policy file")
        action.add_argument("--against", default=None,
                            help="the policy to compare with (default: TOBITBOT_POLICY_FILE)")
        action.add_argument("--redis-url", default=None,
                            help="where the audit log is (default: TOBITBOT_REDIS_URL)")
    replay_cmd.add_argument("--since", type=since_ms, default=since_ms("30d"),
                            help="how far back: 30d, 12h, 90m, 2w, or a date 2024-05-01 "
                                 "(default 30d)")
    check.set_defaults(run=lambda args: check_policy(args.file, *_in_use(args)))
    replay_cmd.set_defaults(run=lambda args: replay_policy(args.file, args.since, *_in_use(args)))


def since_ms(text: str) -> int:
    """`30d` (before now) or `2024-05-01` (UTC) as a stream position in milliseconds."""
    match = re.fullmatch(r"(\d+)([smhdw])", text.strip())
    if match:
        return int((time.time() - int(match.group(1)) * UNITS[match.group(2)]) * 1000)
    try:
        day = datetime.strptime(text.strip(), "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is no time: write 30d, 12h, 90m, 2w or a date like 2024-05-01") from None
    return int(day.timestamp() * 1000)


def _in_use(args: argparse.Namespace) -> tuple[str, str]:
    settings = ToolSettings()
    return str(args.against or settings.policy_file), args.redis_url or settings.redis_url


def check_policy(path: str, against: str, redis_url: str, out: TextIO = sys.stdout) -> int:
    """0 when `path` is valid (its changes printed); a ConfigError (status 2) when it is not."""
    new = load_policy_file(path)
    print(f"{path}: valid", file=out)
    try:
        old = load_policy_file(against)
    except ConfigError as err:   # likely why someone checks a fix: the file is still valid
        print(f"the policy in use does not load, so there is nothing to compare with (name one "
              f"with --against):\n{err}", file=out)
        return 0
    people, seen_customers, note = _seen_in_audit_log(redis_url)
    customers = customer_scopes((old, new), seen_customers)
    named = ", ".join(customers[:-1])
    print(f"compared with {against}, on " + (f"customers {named} and any other" if named
                                             else "any customer (none is named)"), file=out)
    sections = [("who may do what (the groups and users the files name):",
                 ability_changes(old, new, None, customers))]
    if people is not None:
        sections.append((f"people seen in the audit log ({len(people)}, with their groups as "
                         "last recorded):", ability_changes(old, new, people, customers)))
    else:
        print(note, file=out)
    if not any(lines for _, lines in sections):
        print("no change in who may do what", file=out)
    sections.append(("settings:", setting_changes(old, new)))
    for title, lines in sections:
        if lines:
            print(title + "".join(f"\n  {line}" for line in lines), file=out)
    return 0


def replay_policy(path: str, since: int, against: str, redis_url: str,
                  out: TextIO = sys.stdout) -> int:
    """Print the past requests `path` would decide differently; 1 when the log cannot be read."""
    new = load_policy_file(path)
    try:
        old: Policy | None = load_policy_file(against)
    except ConfigError as err:
        print(f"the policy in use does not load, so a refusal cannot be told to be the policy's "
              f"and is skipped:\n{err}", file=out)
        old = None
    # entries reach replay one by one as their page is read: a long log is never in memory
    entries = (entry for _, entry, _, _ in AuditLog(_redis(redis_url)).rows(since))
    try:
        result = replay(entries, new, old)
    except redis.RedisError as err:
        print(f"tobitbot: cannot read the audit log at {redis_url}: {err}", file=sys.stderr)
        return 1
    for changed in result.changed:
        print(changed.line(), file=out)
    for note in result.skipped:
        print(note, file=out)
    when = datetime.fromtimestamp(since / 1000, timezone.utc).strftime("%Y-%m-%d %H:%MZ")
    print(f"since {when}: {result.summary()}", file=out)
    print("reads (reports, plan, help) are audited only when refused: `tobitbot policy check` "
          "shows who would lose them", file=out)
    return 0


def _seen_in_audit_log(redis_url: str
                       ) -> tuple[dict[str, set[str]] | None, list[str], str | None]:
    """Each requester's groups as last recorded, and the customers asked about; or a note why not."""
    people: dict[str, set[str]] = {}
    customers = set()
    try:
        for _, entry, _, _ in AuditLog(_redis(redis_url)).rows():   # a page at a time
            groups, actor = entry.get("groups"), str(entry.get("actor"))
            # an empty list may be a failed group lookup: it does not replace groups seen before
            if (entry.get("action") in DECISIONS and isinstance(groups, list)
                    and (groups or actor not in people)):
                people[actor] = set(groups)
            if isinstance(entry.get("customer"), str):
                customers.add(entry["customer"])
    except redis.RedisError as err:
        return None, [], (f"the audit log at {redis_url} is not reachable ({err}): "
                          "speaking of groups and named users only")
    return people, sorted(customers), None


def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=10)
