"""Finds the line of a key or table in TOML text, so that semantic errors can name it.

`tomllib` reports line numbers only for syntax errors; once the text parsed, a validator knows
the offending key only as a path such as ("grants", 1, "role"). This module scans the text once
and maps such paths to line numbers. It understands table headers, arrays of tables and (dotted)
keys; for anything finer (an element of an array, a key inside an inline table) it answers with
the line of the nearest enclosing key or table it did see, which is where a person should look.
"""

from __future__ import annotations

import re

Path = tuple[str | int, ...]

_KEY_PART = r'(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|\'[^\']*\')'
_DOTTED = rf"{_KEY_PART}(?:\s*\.\s*{_KEY_PART})*"
_ARRAY_HEADER = re.compile(rf"^\s*\[\[\s*({_DOTTED})\s*\]\]\s*(?:#.*)?$")
_TABLE_HEADER = re.compile(rf"^\s*\[\s*({_DOTTED})\s*\]\s*(?:#.*)?$")
_KEY_LINE = re.compile(rf"^\s*({_DOTTED})\s*=")
_PART = re.compile(r'[A-Za-z0-9_-]+|"((?:[^"\\]|\\.)*)"|\'([^\']*)\'')


def _parts(dotted: str) -> tuple[str, ...]:
    out = []
    for match in _PART.finditer(dotted):
        if match.group(1) is not None:
            out.append(match.group(1).encode().decode("unicode_escape"))
        elif match.group(2) is not None:
            out.append(match.group(2))
        else:
            out.append(match.group(0))
    return tuple(out)


class LineIndex:
    """Path -> line number (1-based) of where that path is first defined in the text."""

    def __init__(self, text: str):
        self._lines: dict[Path, int] = {}
        self._arrays: dict[Path, int] = {}   # array-of-tables path -> index of its last element
        table: Path = ()
        in_multiline: str | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            if in_multiline:
                if line.count(in_multiline) % 2 == 1:
                    in_multiline = None
                continue
            if match := _ARRAY_HEADER.match(line):
                names = _parts(match.group(1))
                base = self._resolve(names[:-1]) + names[-1:]
                index = self._arrays.get(base, -1) + 1
                self._arrays[base] = index
                table = base + (index,)
                self._remember(base, number)
                self._remember(table, number)
            elif match := _TABLE_HEADER.match(line):
                table = self._resolve(_parts(match.group(1)))
                self._remember(table, number)
            elif match := _KEY_LINE.match(line):
                keys = _parts(match.group(1))
                for depth in range(1, len(keys) + 1):
                    self._remember(table + keys[:depth], number)
                rest = line[match.end():]
                for quote in ('"""', "'''"):
                    if rest.count(quote) % 2 == 1:
                        in_multiline = quote

    def _resolve(self, names: tuple[str, ...]) -> Path:
        # In [grants.extra] after [[grants]], "grants" means the array's latest element.
        path: Path = ()
        for name in names:
            path = path + (name,)
            if path in self._arrays:
                path = path + (self._arrays[path],)
        return path

    def _remember(self, path: Path, number: int) -> None:
        self._lines.setdefault(path, number)

    def line_of(self, path: Path) -> int:
        """The line of `path`, else of its nearest enclosing path; 1 when nothing matches."""
        for length in range(len(path), 0, -1):
            if path[:length] in self._lines:
                return self._lines[path[:length]]
        return 1
