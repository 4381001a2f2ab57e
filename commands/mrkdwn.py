"""The one escape for anyone's words in a Slack message: names, tickets, commands as typed.

Slack reads `<!channel>`, `<@U1>` and `<https://x|y>` in message text as a ping, a mention or a
hidden link, and `&` starts an entity; escaping its three control characters shows the words as
typed and nothing else. The core's error texts are plain words: the bot escapes each one
once, where it renders it for Slack (`bot/messages`), and its own messages with the same
function. It lives in the core for the core's few mrkdwn renderers (plan, help), which escape
what they embed.
"""

from __future__ import annotations


def escape(text: object) -> str:
    """`text` shown literally in mrkdwn (and in plain text fields Slack also decodes)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
