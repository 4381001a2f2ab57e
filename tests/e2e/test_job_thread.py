"""The job thread: one status message, updated in place while the steps run, and one final reply."""

from __future__ import annotations

import re
import uuid

from tests.fixtures.slack import PEOPLE

OPERATOR, SUPPORT = PEOPLE.operator, "C_SUPPORT"
STEP = re.compile(r"Step (\d+) of (\d+)")


def test_the_status_message_is_updated_through_the_steps_and_a_reply_sums_up(bot_stack):
    slack = bot_stack.slack
    name = "Stefan Status" + "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:5])
    slack.slash_command(OPERATOR, SUPPORT, text=f'add-user acme "{name}"')
    request = slack.wait_for(lambda: next((m for m in slack.messages(SUPPORT) if name in m.text), None),
                             timeout=15)
    slack.wait_for(lambda: any(m.text.startswith(":white_check_mark: Done")
                               for m in slack.thread(SUPPORT, request.ts)), timeout=60)

    thread = slack.thread(SUPPORT, request.ts)[1:]      # the replies, after the request itself
    status = thread[0]
    updates = [c.params["text"] for c in slack.calls("chat.update")
               if c.ok and c.params.get("ts") == status.ts]
    assert len(updates) >= 2, updates                   # edited in place, not once at the end
    assert status.text == updates[-1] and status.text.startswith(":white_check_mark: Finished:")
    total = int(re.search(r"(\d+) of (\d+) steps", status.text).group(2))
    steps = [int(m.group(1)) for m in map(STEP.search, updates) if m]
    assert steps == sorted(steps) and all(1 <= s <= total for s in steps)
    assert all(int(m.group(2)) == total for m in map(STEP.search, updates) if m)

    # besides the status message, exactly one reply sums up: no second "Done"
    finals = [m for m in thread if m.text.startswith(":white_check_mark:")]
    assert len(finals) == 2 and finals[0].ts == status.ts
    assert finals[1].text.startswith(":white_check_mark: Done: all ")
