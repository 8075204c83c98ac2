"""Flow collections (`[a, b]`, `{k: v}`, JSON) and quoted scalars over several lines, for the YAML
subset `subset.py` reads. Positions are (line, column); continuation lines must be indented deeper
than the block collection holding the node (`parent`). Anything unusual raises `SubsetDeclined`.
"""

from __future__ import annotations

from finale.adapters.yaml.scalars import INDICATORS, SubsetDeclined, closing_quote, fold_lines, resolve_plain, unquote

TYPE_CHECKING = False  # typing costs start-up time; mypy reads the block below as true
if TYPE_CHECKING:
    from typing import Any

_FLOW_END = frozenset(",[]{}")
_AFTER_COLON = ("", " ", ",", "[", "]", "{", "}")


class FlowReader:
    """Reads one flow node; every method returns (value, line, column after it)."""

    def __init__(self, lines: list[str], end: int, parent: int, depth: int, max_depth: int) -> None:
        self.lines, self.end, self.parent = lines, end, parent
        self.depth, self.max_depth = depth, max_depth

    def node(self, i: int, p: int) -> tuple[Any, int, int]:
        c = self.lines[i][p]
        if c == "[":
            return self._sequence(i, p)
        if c == "{":
            return self._mapping(i, p)
        if c == '"' or c == "'":
            return read_quoted(self.lines, self.end, self.parent, i, p)
        if c in INDICATORS or c in "?:\t" or (c == "-" and self.lines[i][p + 1 : p + 2] in _AFTER_COLON):
            raise SubsetDeclined
        text, i, p = self._plain(i, p)
        return resolve_plain(text), i, p

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > self.max_depth:
            raise SubsetDeclined

    def _sequence(self, i: int, p: int) -> tuple[list[Any], int, int]:
        self._enter()
        out: list[Any] = []
        i, p = self._skip(i, p + 1)
        if self.lines[i][p] != "]":
            while True:
                value, i, p = self.node(i, p)
                out.append(value)
                i, p = self._skip(i, p)
                if self.lines[i][p] != ",":
                    break
                i, p = self._skip(i, p + 1)
        if self.lines[i][p] != "]":  # a trailing comma, a `key: value` pair, a second line of text
            raise SubsetDeclined
        self.depth -= 1
        return out, i, p + 1

    def _mapping(self, i: int, p: int) -> tuple[dict[str, Any], int, int]:
        self._enter()
        out: dict[str, Any] = {}
        i, p = self._skip(i, p + 1)
        if self.lines[i][p] != "}":
            while True:
                key, i, p = self._key(i, p)
                if key in out:
                    raise SubsetDeclined
                i, p = self._skip(i, p)
                if self.lines[i][p] in (",", "}"):  # a key without a value
                    raise SubsetDeclined
                out[key], i, p = self.node(i, p)
                i, p = self._skip(i, p)
                if self.lines[i][p] != ",":
                    break
                i, p = self._skip(i, p + 1)
        if self.lines[i][p] != "}":
            raise SubsetDeclined
        self.depth -= 1
        return out, i, p + 1

    def _key(self, i: int, p: int) -> tuple[str, int, int]:
        """A one-line text key and its `:`; the position after the colon."""
        line = self.lines[i]
        c = line[p]
        if c == '"' or c == "'":
            close = closing_quote(line, c, p + 1)
            if close < 0:
                raise SubsetDeclined
            key: Any = unquote(line[p + 1 : close], c)
            p = close + 1
            while line[p : p + 1] == " ":
                p += 1
        else:
            if c in INDICATORS or c in "?:" or (c == "-" and line[p + 1 : p + 2] in _AFTER_COLON):
                raise SubsetDeclined
            text, i, p = self._plain(i, p)
            key = resolve_plain(text)
            # After a plain key the colon needs a space; only a quoted (JSON-like) key may have its
            # value right after the colon.
            if not isinstance(key, str) or line[p + 1 : p + 2] not in ("", " "):
                raise SubsetDeclined
        if line[p : p + 1] != ":":
            raise SubsetDeclined
        return key, i, p + 1

    def _plain(self, i: int, p: int) -> tuple[str, int, int]:
        """A one-line plain scalar's text; it ends at a flow indicator, `: ` or ` #`."""
        line = self.lines[i]
        q = p
        while q < len(line):
            ch = line[q]
            if ch in _FLOW_END:
                break
            if ch == ":" and line[q + 1 : q + 2] in _AFTER_COLON:
                break
            if ch == "#" and line[q - 1] in " \t":
                break
            q += 1
        text = line[p:q].rstrip(" ")
        if "\t" in text:
            raise SubsetDeclined
        return text, i, p + len(text)

    def _skip(self, i: int, p: int) -> tuple[int, int]:
        """The next character that is no space, comment or line break."""
        lines = self.lines
        line = lines[i]
        while True:
            while p < len(line) and line[p] in " \t":
                p += 1
            if p < len(line) and not (line[p] == "#" and (p == 0 or line[p - 1] in " \t")):
                return i, p
            i, p = i + 1, 0
            if i >= self.end:
                raise SubsetDeclined
            line = lines[i]
            stripped = line.lstrip(" ")
            if stripped and stripped[0] != "#" and len(line) - len(stripped) <= self.parent:
                raise SubsetDeclined


def read_quoted(lines: list[str], end: int, parent: int, i: int, col: int) -> tuple[str, int, int]:
    """A quoted scalar from its opening quote at (i, col): its text, and the position after it."""
    line = lines[i]
    quote = line[col]
    close = closing_quote(line, quote, col + 1)
    if close >= 0:
        return unquote(line[col + 1 : close], quote), i, close + 1
    parts: list[str] = []  # the lines folded; "" for an empty one
    current = ""  # text of lines joined by escaped breaks
    raw = line[col + 1 :]
    while True:
        escaped_break = quote == '"' and _ends_in_escape(raw)
        if escaped_break:
            current += unquote(raw[:-1], quote)
        else:
            stripped = raw.rstrip(" \t")
            if quote == '"' and stripped != raw and _ends_in_escape(stripped):
                raise SubsetDeclined  # an escaped space or tab before the break
            parts.append(current + unquote(stripped, quote))
            current = ""
        i = _next_quoted_line(lines, end, parent, i + 1, escaped_break, parts)
        line = lines[i]
        start = len(line) - len(line.lstrip(" \t"))
        close = closing_quote(line, quote, start)
        if close >= 0:
            last = current + unquote(line[start:close], quote)
            if not parts:  # every break so far was escaped
                return last, i, close + 1
            return fold_lines([*parts, last]), i, close + 1
        raw = line[start:]


def _next_quoted_line(lines: list[str], end: int, parent: int, i: int, escaped_break: bool, parts: list[str]) -> int:
    """The next line holding text of a quoted scalar; the empty lines before it go to `parts`."""
    while i < end and not lines[i].strip(" \t"):
        if escaped_break:
            raise SubsetDeclined
        parts.append("")
        i += 1
    if i >= end:
        raise SubsetDeclined
    line = lines[i]
    if len(line) - len(line.lstrip(" ")) <= parent or line.lstrip(" \t")[:3] in ("---", "..."):
        raise SubsetDeclined
    return i


def _ends_in_escape(raw: str) -> bool:
    """Whether `raw` ends in a backslash that escapes what follows (the line break)."""
    count = len(raw) - len(raw.rstrip("\\"))
    return count % 2 == 1
