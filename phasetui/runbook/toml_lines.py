"""Line numbers for TOML keys and tables, which ``tomllib`` does not keep.

A small scanner over the source that follows TOML's table and array-of-tables headers and
records the line of each key, so a validation error can say ``runbook.toml:42: …`` with the
line of the offending key (or of its table when the key is missing).
"""

from __future__ import annotations

import re
import tomllib

Path_ = tuple[str | int, ...]

_BARE = r"[A-Za-z0-9_-]+"
_QUOTED = r'"(?:[^"\\]|\\.)*"|\'[^\']*\''
_KEY = rf"(?:{_BARE}|{_QUOTED})"
_DOTTED = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_DOTTED})\s*\]\]?")
_ASSIGN = re.compile(rf"^\s*({_DOTTED})\s*=")
_PART = re.compile(_KEY)


def _parts(dotted: str) -> list[str]:
    out = []
    for m in _PART.finditer(dotted):
        token = m[0]
        if token[:1] == '"' and "\\" in token:
            out.append(_unescape(token))
        else:
            out.append(token[1:-1] if token[:1] in "\"'" else token)
    return out


def _unescape(token: str) -> str:
    """A quoted key with escapes (``"a\\u0007"``), as tomllib reads it."""
    try:
        return tomllib.loads(f"k = {token}")["k"]
    except tomllib.TOMLDecodeError:
        return token[1:-1]


def _open_depth(text: str) -> tuple[int, str | None]:
    """Bracket depth change over ``text`` (outside strings) and any unclosed triple quote."""
    depth, quote, _peak = _scan(text)
    return depth, quote


def _scan(text: str) -> tuple[int, str | None, int]:
    """(depth change, unclosed triple quote, deepest point) of ``text``."""
    depth, i, peak = 0, 0, 0
    while i < len(text):
        ch = text[i]
        if text.startswith('"""', i) or text.startswith("'''", i):
            quote = text[i : i + 3]
            end = text.find(quote, i + 3)
            if end < 0:
                return depth, quote, peak
            i = end + 3
            continue
        if ch in "\"'":
            end = i + 1
            while end < len(text) and text[end] != ch:
                end += 2 if ch == '"' and text[end] == "\\" else 1
            i = end + 1
            continue
        if ch == "#":
            break
        if ch in "[{":
            depth += 1
            peak = max(peak, depth)
        elif ch in "]}":
            depth -= 1
        i += 1
    return depth, None, peak


def deepest_line(source: str, limit: int) -> int:
    """The first line where arrays and inline tables nest deeper than ``limit``, else 1."""
    depth = 0
    for number, line in enumerate(source.split("\n"), 1):
        delta, _quote, peak = _scan(line)
        if depth + peak > limit:
            return number
        depth += delta
    return 1


class LineIndex:
    def __init__(self, source: str) -> None:
        self.lines: dict[Path_, int] = {}
        arrays: dict[Path_, int] = {}
        current: Path_ = ()
        depth, in_string = 0, None
        # TOML (like PostgreSQL, git and every editor's line count) ends a line at "\n" only:
        # a U+2028 or form feed inside a string must not shift the lines below it.
        for number, line in enumerate(source.split("\n"), 1):
            if in_string:
                if in_string in line:
                    rest = line[line.index(in_string) + 3 :]
                    in_string = None
                    depth += _open_depth(rest)[0]
                continue
            if depth > 0:
                delta, in_string = _open_depth(line)
                depth += delta
                continue
            header = _HEADER.match(line)
            if header:
                is_array = header[1] == "[["
                resolved: list[str | int] = []
                parts = _parts(header[2])
                for n, part in enumerate(parts, 1):
                    resolved.append(part)
                    key = tuple(resolved)
                    if key in arrays and not (is_array and n == len(parts)):
                        resolved.append(arrays[key])
                path = tuple(resolved)
                if is_array:
                    arrays[path] = arrays.get(path, -1) + 1
                    path = (*path, arrays[path])
                current = path
                self.lines.setdefault(current, number)
                continue
            assign = _ASSIGN.match(line)
            if assign:
                keys = _parts(assign[1])
                for n in range(1, len(keys) + 1):
                    self.lines.setdefault((*current, *keys[:n]), number)
                delta, in_string = _open_depth(line[assign.end() :])
                depth += delta

    def line(self, path: Path_) -> int:
        """The line of ``path``, else of its nearest recorded parent, else 1."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return 1
