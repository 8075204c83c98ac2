"""New YAML text for `finale.adapters.yaml.rewrite`: blocks in a file's own indent style.

Only what finale inserts: mappings, lists, one-line flow lists and string scalars.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from finale.core.gitlab.reporters import FlowList


@dataclass(frozen=True, slots=True, kw_only=True)
class IndentStyle:
    """How the file indents: nested maps, `- ` under a key, and the text after `-`."""

    mapping: int = 2
    sequence_offset: int = 2
    dash_width: int = 2


_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*")
_YAML11_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


class QuotedStr(str):
    """A string the file wrote quoted (`"STATE"`, `'x'`): rendered with the same quotes."""

    quote: str = '"'

    def __new__(cls, text: str, quote: str = '"') -> QuotedStr:
        made = super().__new__(cls, text)
        made.quote = quote
        return made


def scalar(value: Any) -> str:
    """A string as YAML: plain when unambiguous, else double-quoted (JSON escapes are YAML)."""
    if isinstance(value, QuotedStr):
        return "'" + value.replace("'", "''") + "'" if value.quote == "'" else json.dumps(str(value))
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _YAML11_WORDS:
        return text
    return json.dumps(text)


def quoted(value: Any) -> str:
    """Always double-quoted: for values Tekton reads as strings."""
    return json.dumps(str(value))


def _json_ready(value: Any) -> Any:
    if isinstance(value, FlowList):
        return list(value.items)
    if isinstance(value, Mapping):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    return str(value)


def render_flow(value: Any) -> str:
    """One-line (JSON) form, for insertions into flow collections."""
    return json.dumps(_json_ready(value))


def render_mapping(data: Mapping[str, Any], column: int, style: IndentStyle) -> list[str]:
    """Block lines of a mapping whose keys start at `column`."""
    pad = " " * column
    lines: list[str] = []
    for key, value in data.items():
        if isinstance(value, FlowList):
            lines.append(f"{pad}{key}: [{', '.join(quoted(v) for v in value.items)}]")
        elif isinstance(value, Mapping) and value:
            lines.append(f"{pad}{key}:")
            lines += render_mapping(value, column + style.mapping, style)
        elif isinstance(value, list) and value:
            lines.append(f"{pad}{key}:")
            lines += render_sequence(value, column + style.sequence_offset, style)
        elif isinstance(value, Mapping | list):
            lines.append(f"{pad}{key}: {'{}' if isinstance(value, Mapping) else '[]'}")
        else:
            # Param and `when` values are strings to Tekton: quoted, so no YAML 1.1 reader
            # takes them for a bool or a number.
            shown = quoted(value) if key in {"value", "default", "input"} else scalar(value)
            lines.append(f"{pad}{key}: {shown}")
    return lines


def render_sequence(
    items: Sequence[Any], dash_column: int, style: IndentStyle, dash_width: int | None = None
) -> list[str]:
    """Block lines of a sequence whose `-` sit at `dash_column`."""
    width = dash_width or style.dash_width
    lines: list[str] = []
    for item in items:
        if isinstance(item, Mapping) and item:
            body = render_mapping(item, dash_column + width, style)
            body[0] = " " * dash_column + "-" + " " * (width - 1) + body[0].lstrip(" ")
            lines += body
        else:
            lines.append(" " * dash_column + "- " + scalar(item))
    return lines
