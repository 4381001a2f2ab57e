"""Sending requests to the bot the way Slack does: signed, with a three-second patience."""

from __future__ import annotations

import hashlib
import hmac
import time
import urllib.error
import urllib.request

from tobitbot.slack_emulator.model import HttpResult

ACK_TIMEOUT = 3.0  # Slack shows "operation_timeout" when the app has not answered by then

# The bot listens on loopback; a proxy from the environment must never see these requests.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def signature(signing_secret: str, timestamp: str, body: bytes) -> str:
    """Slack's request signature: v0= HMAC-SHA256 of "v0:{timestamp}:{body}"."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


def deliver(url: str, body: bytes, content_type: str, signing_secret: str, *,
            timestamp: int | None = None, retry_num: int | None = None,
            retry_reason: str = "http_timeout", timeout: float = ACK_TIMEOUT) -> HttpResult:
    """POST one signed request; status 0 and `error` when the bot does not answer at all."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    headers = {"Content-Type": content_type,
               "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
               "X-Slack-Request-Timestamp": stamp,
               "X-Slack-Signature": signature(signing_secret, stamp, body)}
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = retry_reason
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return HttpResult(response.status, response.read().decode("utf-8", "replace"),
                              dict(response.headers.items()), body, headers)
    except urllib.error.HTTPError as refusal:
        return HttpResult(refusal.code, refusal.read().decode("utf-8", "replace"),
                          dict(refusal.headers.items()), body, headers)
    except (urllib.error.URLError, TimeoutError, ConnectionError) as failure:
        return HttpResult(0, "", {}, body, headers, error=str(failure))
