"""Read the YAML that Tekton files are written in, in pure Python and cheaply: block and one-line
flow collections, plain, quoted and block scalars, anchors and aliases, several documents.

Anything else, and every error, gives None; ruamel's loader then reads the text, so its values,
messages and limits rule. Importing this costs next to nothing, unlike ruamel (three times a bare
interpreter's start) or PyYAML.
"""

from __future__ import annotations

import re

from finale.adapters.yaml.flow import FlowReader, read_quoted
from finale.adapters.yaml.scalars import (
    INDICATORS,
    SubsetDeclined,
    block_text,
    closing_quote,
    fold_lines,
    resolve_plain,
    unquote,
)

TYPE_CHECKING = False  # typing costs start-up time; mypy reads the block below as true
if TYPE_CHECKING:
    from typing import Any

# Anchor and alias names; compiled on first use (re caches it), as few files hold any.
_ANCHOR = r"[^\s,\[\]{}]+"
# Tekton objects nest about 15 levels; deeper text is left to ruamel and its depth limit.
_MAX_DEPTH = 100


def read_subset(text: str, *, max_depth: int, max_alias_nodes: int) -> list[Any] | None:
    """Every document's plain value, or None when ruamel must read the text."""
    if not text.replace("\n", "").replace("\t", "").isprintable():
        # Line breaks other than \n (\r, NEL, LS, PS), a byte-order mark and other characters
        # that are not printable change how YAML reads lines, or are refused: ruamel reads them.
        return None
    try:
        # ruamel counts a scalar one level below its collection, hence the margin of 2.
        return _Reader(text, min(max_depth - 2, _MAX_DEPTH), max_alias_nodes).documents()
    except (SubsetDeclined, RecursionError):
        return None


def _blank_or_comment(line: str) -> bool:
    stripped = line.lstrip(" ")
    return not stripped or stripped[0] == "#"


def _is_dash(line: str, col: int) -> bool:
    return line[col : col + 1] == "-" and line[col + 1 : col + 2] in ("", " ")


def _rest_is_empty(line: str, at: int) -> bool:
    """Nothing but spaces and a comment from `at` to the end of the line."""
    rest = line[at:]
    stripped = rest.lstrip(" ")
    return not stripped or (stripped[0] == "#" and len(stripped) < len(rest))


class _Reader:
    """A cursor over the lines of one text; each method reads one node and leaves `self.i` on the
    first line after it."""

    def __init__(self, text: str, max_depth: int, max_alias_nodes: int) -> None:
        self.lines = text.split("\n")
        if text.endswith("\n"):
            self.lines.pop()
        self.unbroken_last = not text.endswith("\n")
        # Columns of each line's first character; -1 for blank and comment lines.
        self.indent = [-1 if _blank_or_comment(s) else len(s) - len(s.lstrip(" ")) for s in self.lines]
        self.max_depth = max_depth
        self.alias_budget = max_alias_nodes
        self.anchors: dict[str, Any] = {}
        self.i = 0
        self.end = 0

    def documents(self) -> list[Any]:
        docs: list[Any] = []
        for start, end, explicit in self._segments():
            self.i, self.end, self.anchors = start, end, {}
            first = self._next(start)
            if first == end:
                if explicit:
                    docs.append(None)
                continue
            if not explicit and docs:  # a bare document after `...`
                raise SubsetDeclined
            docs.append(self._value(first, self.indent[first], -1, True, 0))
            if self._next(self.i) != end:
                raise SubsetDeclined
        return docs

    def _segments(self) -> list[tuple[int, int, bool]]:
        """(first line, end line, starts with `---`) of each document."""
        segments: list[tuple[int, int, bool]] = []
        start, explicit = 0, False
        for j, line in enumerate(self.lines):
            head = line[:3]
            if head == "---" or head == "...":
                if not _rest_is_empty(line, 3) or (len(line) > 3 and line[3] != " "):
                    raise SubsetDeclined
                if head == "..." and not explicit and all(i < 0 for i in self.indent[start:j]):
                    raise SubsetDeclined  # `...` closing no document
                segments.append((start, j, explicit))
                start, explicit = j + 1, head == "---"
            elif line[:1] == "%":
                raise SubsetDeclined
        segments.append((start, len(self.lines), explicit))
        return segments

    def _next(self, i: int) -> int:
        """The first content line from `i` on (the document's end if none)."""
        indent, end = self.indent, self.end
        while i < end and indent[i] < 0:
            i += 1
        return i

    def _value(self, i: int, col: int, parent: int, line_start: bool, depth: int) -> Any:
        """The node starting at column `col` of line `i`, inside a collection at column `parent`;
        `line_start`: nothing but indentation and `- ` stands before it on the line."""
        line = self.lines[i]
        c = line[col]
        if c == "-" and line[col + 1 : col + 2] in ("", " "):
            if not line_start:
                raise SubsetDeclined
            return self._sequence(i, col, depth + 1)
        if line_start and self._key_end(line, col) >= 0:
            return self._mapping(i, col, depth + 1)
        if c == "[" or c == "{":
            value, i, col = FlowReader(self.lines, self.end, parent, depth, self.max_depth).node(i, col)
            return self._after_inline(value, i, col)
        if c == '"' or c == "'":
            text, i, col = read_quoted(self.lines, self.end, parent, i, col)
            return self._after_inline(text, i, col)
        if c == "|" or c == ">":
            return self._block_scalar(i, col, parent)
        if c == "&":
            return self._anchored(i, col, parent, depth)
        if c == "*":
            return self._alias(i, col)
        if c in INDICATORS or c in "?:\t":
            raise SubsetDeclined
        return self._plain(i, col, parent)

    def _after_inline(self, value: Any, i: int, col: int) -> Any:
        if not _rest_is_empty(self.lines[i], col):
            raise SubsetDeclined
        self.i = i + 1
        return value

    def _mapping(self, i: int, col: int, depth: int) -> dict[str, Any]:
        if depth > self.max_depth:
            raise SubsetDeclined
        out: dict[str, Any] = {}
        lines, indent, end = self.lines, self.indent, self.end
        while True:
            line = lines[i]
            colon = self._key_end(line, col)
            if colon < 0:
                raise SubsetDeclined
            key = self._key(line, col, colon)
            if key in out:
                raise SubsetDeclined
            start = colon + 1
            while line[start : start + 1] == " ":
                start += 1
            if _rest_is_empty(line, start):
                out[key] = self._value_below(i, col, depth, indentless=True)
            else:
                out[key] = self._value(i, start, col, False, depth)
            i = self._next(self.i)
            if i >= end or indent[i] < col:
                self.i = i
                return out
            if indent[i] > col:
                raise SubsetDeclined

    def _value_below(self, i: int, col: int, depth: int, indentless: bool) -> Any:
        """The value of an entry whose line ends after `key:` or `-`: on the lines below, or null."""
        j = self._next(i + 1)
        if j < self.end:
            if self.indent[j] > col:
                return self._value(j, self.indent[j], col, True, depth)
            if indentless and self.indent[j] == col and _is_dash(self.lines[j], col):
                return self._sequence(j, col, depth + 1)
        self.i = i + 1
        return None

    def _sequence(self, i: int, col: int, depth: int) -> list[Any]:
        if depth > self.max_depth:
            raise SubsetDeclined
        out: list[Any] = []
        lines, indent, end = self.lines, self.indent, self.end
        while True:
            line = lines[i]
            start = col + 1
            while line[start : start + 1] == " ":
                start += 1
            if _rest_is_empty(line, start):
                out.append(self._value_below(i, col, depth, indentless=False))
            else:
                out.append(self._value(i, start, col, True, depth))
            i = self._next(self.i)
            if i >= end or indent[i] < col or (indent[i] == col and not _is_dash(lines[i], col)):
                self.i = i
                return out
            if indent[i] > col:
                raise SubsetDeclined

    def _key_end(self, line: str, col: int) -> int:
        """The column of the `:` ending a one-line key that starts at `col`, or -1 if none does."""
        c = line[col]
        if c == '"' or c == "'":
            close = closing_quote(line, c, col + 1)
            if close > 0 and line[close + 1 : close + 2] == ":" and line[close + 2 : close + 3] in ("", " "):
                return close + 1
            return -1
        if c in INDICATORS or c in "?:" or (c == "-" and line[col + 1 : col + 2] in ("", " ")):
            return -1
        colon = line.find(":", col)
        while colon >= 0 and line[colon + 1 : colon + 2] not in ("", " "):
            colon = line.find(":", colon + 1)
        if colon < 0 or line.find(" #", col, colon) >= 0:
            return -1
        return colon

    def _key(self, line: str, col: int, colon: int) -> str:
        c = line[col]
        if c == '"' or c == "'":
            key: Any = unquote(line[col + 1 : colon - 1], c)
        else:
            text = line[col:colon]
            if text[-1] == " " or "\t" in text:
                raise SubsetDeclined
            key = resolve_plain(text)
            if key == "<<" or not isinstance(key, str):
                raise SubsetDeclined
        return str(key)

    def _plain(self, i: int, col: int, parent: int) -> Any:
        """A plain scalar, folded over the more-indented lines that continue it."""
        line = self.lines[i]
        comment = line.find(" #", col)
        text = (line[col:comment] if comment >= 0 else line[col:]).rstrip(" ")
        _check_plain(text)
        parts, j = [text], i + 1
        if comment < 0:
            j = self._continuation(parts, j, parent)
        self.i = j
        if len(parts) == 1:
            return resolve_plain(text)
        return resolve_plain(fold_lines(parts))

    def _continuation(self, parts: list[str], j: int, parent: int) -> int:
        """Add the lines continuing a plain scalar to `parts`; the index after the last one."""
        lines, last, empties = self.lines, j, 0
        while j < self.end:
            line = lines[j]
            stripped = line.strip(" ")
            if not stripped:
                empties += 1
            elif len(line) - len(line.lstrip(" ")) <= parent or stripped[0] == "#":
                break
            else:
                if stripped[:2] == "- " or " #" in stripped:
                    raise SubsetDeclined
                _check_plain(stripped)
                parts.extend([""] * empties)
                parts.append(stripped)
                empties, last = 0, j + 1
            j += 1
        return last

    def _block_scalar(self, i: int, col: int, parent: int) -> str:
        line = self.lines[i]
        folded = line[col] == ">"
        chomp = line[col + 1 : col + 2]
        at = col + 2 if chomp in ("-", "+") else col + 1
        if chomp not in ("-", "+"):
            chomp = ""
        if not _rest_is_empty(line, at) or line[at : at + 1] not in ("", " "):
            raise SubsetDeclined  # an indentation indicator, or text after the header
        body, indent, j = self._block_lines(i + 1, parent)
        self.i = j
        return block_text(body, indent, folded, chomp)

    def _block_lines(self, j: int, parent: int) -> tuple[list[str], int, int]:
        """A block scalar's lines from line `j`, its content indentation, and the line after it."""
        lines, body, indent = self.lines, [], -1
        while j < self.end:
            line = lines[j]
            stripped = line.lstrip(" ")
            if not stripped:
                if indent < 0 and line:  # a line of spaces before the text: ruamel refuses it
                    raise SubsetDeclined
                body.append(line)
            elif stripped[0] == "\t" and not stripped.strip():
                raise SubsetDeclined
            else:
                width = len(line) - len(stripped)
                if indent < 0:
                    if width <= parent:
                        break
                    indent = width
                elif width < indent:
                    break
                body.append(line)
            j += 1
        if indent < 0:  # no text: an empty block scalar is left to ruamel
            raise SubsetDeclined
        if j == len(lines) and self.unbroken_last:
            raise SubsetDeclined
        return body, indent, j

    def _anchored(self, i: int, col: int, parent: int, depth: int) -> Any:
        line = self.lines[i]
        match = re.compile(_ANCHOR).match(line, col + 1)
        if match is None or line[match.end() : match.end() + 1] not in ("", " "):
            raise SubsetDeclined
        start = match.end()
        while line[start : start + 1] == " ":
            start += 1
        if line[start : start + 1] in ("&", "*"):
            raise SubsetDeclined
        if _rest_is_empty(line, start):
            j = self._next(i + 1)
            if j >= self.end or self.indent[j] <= parent or self.lines[j][self.indent[j]] in "&*":
                raise SubsetDeclined
            value = self._value(j, self.indent[j], parent, True, depth)
        else:
            value = self._value(i, start, parent, False, depth)
        if match.group() in self.anchors:  # ruamel warns, and which node it means is its own rule
            raise SubsetDeclined
        self.anchors[match.group()] = value
        return value

    def _alias(self, i: int, col: int) -> Any:
        line = self.lines[i]
        match = re.compile(_ANCHOR).match(line, col + 1)
        if match is None or match.group() not in self.anchors or not _rest_is_empty(line, match.end()):
            raise SubsetDeclined
        value = self.anchors[match.group()]
        # Counted as ruamel's composer counts an alias: every node it stands for, keys included.
        self.alias_budget -= _size(value)
        if self.alias_budget <= 0:
            raise SubsetDeclined
        self.i = i + 1
        return _copy(value)


def _check_plain(text: str) -> None:
    if ": " in text or text.endswith(":") or "\t" in text:
        raise SubsetDeclined


def _size(value: Any) -> int:
    if type(value) is dict:
        return 1 + sum(1 + _size(v) for v in value.values())
    if type(value) is list:
        return 1 + sum(_size(v) for v in value)
    return 1


def _copy(value: Any) -> Any:
    if type(value) is dict:
        return {k: _copy(v) for k, v in value.items()}
    if type(value) is list:
        return [_copy(v) for v in value]
    return value
