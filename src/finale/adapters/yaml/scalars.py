"""Scalars of the YAML subset `subset.py` reads: plain values resolved as ruamel's YAML 1.2 safe
loader resolves them, quoted text, and block (`|`, `>`) text. Anything else raises `SubsetDeclined`.
"""

from __future__ import annotations

import re

from finale.errors import FinaleError

TYPE_CHECKING = False  # typing costs start-up time; mypy reads the block below as true
if TYPE_CHECKING:
    from typing import Any


class SubsetDeclined(FinaleError):
    """The text is outside the subset, or wrong: ruamel reads it, with its values and messages."""


_NULLS = frozenset({"~", "null", "Null", "NULL"})
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_NUMBER_START = frozenset("0123456789+-.")
# A superset of YAML 1.2's ints, floats and timestamps (underscores, `0x`/`0o`/`0b`, exponents,
# `.inf`, dates): such text is left to ruamel, unless it is a plain decimal int or float.
# Compiled on first use (re caches it): few files hold such text, and compiling costs start-up.
_MAYBE_TYPED = (
    r"[-+]?(?:[0-9_]*\.?[0-9_]*(?:[eE][-+]?[0-9]+)?|0[bB][01_]+|0[oO]?[0-7_]+|0[xX][0-9a-fA-F_]+"
    r"|\.(?:inf|Inf|INF|nan|NaN|NAN))|(?s:[0-9]{4}-[0-9].*)"
)
_DIGITS = frozenset("0123456789")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
# Plain scalars may not start with these (YAML 1.2 c-indicator), nor with `-?:` and a space.
INDICATORS = frozenset(",[]{}#&*!|>'\"%@`")


def resolve_plain(text: str) -> Any:
    """The value of a plain scalar, as ruamel's YAML 1.2 resolver and safe constructor give it."""
    first = text[0]
    if first in _NUMBER_START:
        whole, dot, fraction = (text[1:] if first == "-" else text).partition(".")
        if _decimal(whole):
            if not dot:
                return int(text)
            if 0 < len(fraction) <= 40 and _DIGITS.issuperset(fraction):
                return float(text)
        if re.fullmatch(_MAYBE_TYPED, text):
            raise SubsetDeclined
        return text
    if text in _NULLS:
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    if text == "=" or text.startswith("<<"):  # YAML 1.1's value tag and the merge key
        raise SubsetDeclined
    return text


def _decimal(text: str) -> bool:
    """Digits without a leading zero (or a lone 0), as YAML 1.2's core schema writes an int."""
    return 0 < len(text) <= 41 and _DIGITS.issuperset(text) and (text[0] != "0" or text == "0")


_ESCAPES = {
    "0": "\0",
    "a": "\a",
    "b": "\b",
    "t": "\t",
    "\t": "\t",
    "n": "\n",
    "v": "\v",
    "f": "\f",
    "r": "\r",
    "e": "\x1b",
    " ": " ",
    '"': '"',
    "/": "/",
    "\\": "\\",
    "N": "\x85",
    "_": "\xa0",
    "L": "\u2028",
    "P": "\u2029",
}
_ESCAPE_LENGTHS = {"x": 2, "u": 4, "U": 8}


def unescape(text: str) -> str:
    """A double-quoted scalar's text (one line, between the quotes) with its escapes applied."""
    out: list[str] = []
    start, at = 0, text.find("\\")
    while at >= 0:
        out.append(text[start:at])
        code = text[at + 1 : at + 2]
        if code in _ESCAPES:
            out.append(_ESCAPES[code])
            start = at + 2
        elif code in _ESCAPE_LENGTHS:
            digits = text[at + 2 : at + 2 + _ESCAPE_LENGTHS[code]]
            if len(digits) != _ESCAPE_LENGTHS[code] or not _HEX_DIGITS.issuperset(digits):
                raise SubsetDeclined
            point = int(digits, 16)
            if 0xD800 <= point <= 0xDFFF or point > 0x10FFFF:
                raise SubsetDeclined
            out.append(chr(point))
            start = at + 2 + len(digits)
        else:
            raise SubsetDeclined
        at = text.find("\\", start)
    out.append(text[start:])
    return "".join(out)


def fold_lines(parts: list[str]) -> str:
    """A flow scalar's lines (at least two), trimmed, joined as YAML folds them: a line break is a
    space, and each empty line between is a newline. The first and last parts are text even when empty."""
    out = [parts[0]]
    empties = 0
    for part in parts[1:-1]:
        if not part:
            empties += 1
            continue
        out.append("\n" * empties if empties else " ")
        out.append(part)
        empties = 0
    out.append("\n" * empties if empties else " ")
    out.append(parts[-1])
    return "".join(out)


def block_text(lines: list[str], indent: int, folded: bool, chomp: str) -> str:
    """The value of a block scalar from its content lines (`indent` spaces removed)."""
    content = [line[indent:] for line in lines]
    trailing = 0
    while trailing < len(content) and not content[len(content) - 1 - trailing]:
        trailing += 1
    body = content[: len(content) - trailing]
    if folded:
        if any(line[:1] in (" ", "\t") for line in body):  # more-indented lines keep their breaks
            raise SubsetDeclined
        text = _fold_block(body)
    else:
        text = "\n".join(body)
    if chomp == "-":
        return text
    if chomp == "+":
        return text + "\n" * (trailing + 1)
    return text + "\n"


def _fold_block(body: list[str]) -> str:
    out: list[str] = []
    empties = 0
    for line in body:
        if not line:
            empties += 1
            continue
        if out:
            out.append("\n" * empties if empties else " ")
        else:
            out.append("\n" * empties)
        out.append(line)
        empties = 0
    return "".join(out)


def closing_quote(line: str, quote: str, start: int) -> int:
    """The column of the `quote` that closes a quoted scalar, searching `line` from `start`; -1 if
    the line holds none (the scalar goes on, or is never closed)."""
    at = start
    while True:
        close = line.find(quote, at)
        if close < 0:
            return -1
        if quote == "'":
            if line[close + 1 : close + 2] == "'":
                at = close + 2
                continue
            return close
        backslashes = 0
        while close - 1 - backslashes >= start and line[close - 1 - backslashes] == "\\":
            backslashes += 1
        if backslashes % 2 == 0:
            return close
        at = close + 1


def unquote(raw: str, quote: str) -> str:
    return unescape(raw) if quote == '"' else raw.replace("''", "'")
