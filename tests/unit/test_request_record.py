"""Request records written before tickets and break-glass existed still load."""

from __future__ import annotations

import json

from bot.request_store import RequestRecord, RequestStore


class _StoredOnly:
    """Just enough of a Redis client for RequestStore.get."""

    def __init__(self, raw: str):
        self.raw = raw

    def get(self, key):
        return self.raw.encode()


def test_an_old_record_loads_without_ticket_or_break_glass():
    old = {"request_id": "r-1", "requester": "U_OLE", "channel": "C_SUPPORT",
           "command": "reset-password acme jdoe", "customer": "acme", "plan": {"steps": []},
           "message_ts": "1.1", "status_ts": "1.2", "state": "succeeded"}
    record = RequestStore(_StoredOnly(json.dumps(old))).get("r-1")
    assert record == RequestRecord(**old)
    assert (record.ticket, record.break_glass_reason, record.review_ts) == (None, None, "")
