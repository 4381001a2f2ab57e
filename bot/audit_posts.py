"""Audit lines packed into audit-channel posts: whole lines together, an over-long line in
numbered parts, nothing ever cut away.

Each post says which entries it completes (acknowledged once Slack took the post), how far it
carried an entry that continues in the next post, and the last entry it shows, whose hash it
witnesses (bot/audit_witness.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

# a section block holds 3,000 characters; Slack's hard limit for a message is 40,000, and
# posts of this size stay readable
POST_LIMIT = 2900
PART_LABEL = "_part {i}/{n}_ "
LABEL_ROOM = 24  # the longest label, "_part 9999/9999_ ", with room to spare


@dataclass(frozen=True)
class Post:
    text: str
    done: tuple[str, ...]              # entries whose last line or part is in this post
    carried: tuple[str, int] | None    # (entry id, parts posted up to here) of one that goes on
    witness: tuple[str, str]           # (entry id, hash) of the last entry the post shows


def split_line(line: str, size: int) -> list[str]:
    """`line` in pieces of at most `size` characters whose concatenation is `line`; a piece
    never ends inside an HTML entity (`&amp;`), which Slack would show broken."""
    pieces, start = [], 0
    while len(line) - start > size:
        cut = start + size
        amp = line.rfind("&", max(start, cut - 5), cut)
        if amp > start and ";" not in line[amp:cut]:
            cut = amp
        pieces.append(line[start:cut])
        start = cut
    pieces.append(line[start:])
    return pieces


def pack(items: Sequence[tuple[str, str, str]], posted_parts: Mapping[str, int],
         limit: int = POST_LIMIT) -> list[Post]:
    """Posts for (entry id, hash, line) items in stream order; `posted_parts` says how many parts
    of an entry an earlier, interrupted run already posted (those are not posted again)."""
    posts: list[Post] = []
    lines: list[str] = []
    done: list[str] = []
    carried: tuple[str, int] | None = None
    witness = ("", "")

    def add(text: str) -> None:
        nonlocal carried
        if lines and len("\n".join(lines)) + 1 + len(text) > limit:
            posts.append(Post("\n".join(lines), tuple(done), carried, witness))
            lines.clear(), done.clear()
            carried = None
        lines.append(text)

    for entry_id, digest, line in items:
        if len(line) <= limit:
            pieces = [line]
        else:
            pieces = split_line(line, limit - LABEL_ROOM)
        n = len(pieces)
        # at worst the last part again: an entry is acknowledged only with its last part
        for i in range(min(posted_parts.get(entry_id, 0) + 1, n), n + 1):
            add(PART_LABEL.format(i=i, n=n) + pieces[i - 1] if n > 1 else pieces[0])
            witness = (entry_id, digest)
            if i == n:
                done.append(entry_id)
                carried = None
            else:
                carried = (entry_id, i)
    if lines:
        posts.append(Post("\n".join(lines), tuple(done), carried, witness))
    return posts
