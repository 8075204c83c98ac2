"""Edit YAML text in place: find nodes by path, splice new text in by node offsets.

Nothing is re-dumped, so every comment, quote, key order and indent outside the inserted
or removed lines stays byte for byte. New blocks copy the file's own indentation style.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from finale.adapters.yaml.reference import syntax_errors_named
from finale.adapters.yaml.render import (
    IndentStyle,
    render_flow,
    render_mapping,
    render_sequence,
    scalar,
)


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace text[start:end] with `text`; a pure insertion has start == end."""

    start: int
    end: int
    text: str


def compose_documents(text: str, source: str) -> list[Node]:
    """The node tree of every document; syntax errors are reported with file:line:column."""
    with syntax_errors_named(source):
        # The safe loader composes the same nodes and marks, faster: comments are not needed.
        loader = YAML(typ="safe", pure=True)
        return [n for n in loader.compose_all(io.StringIO(text)) if n is not None]


def to_plain(node: Node) -> Any:
    """Node -> dicts, lists and strings (every scalar as its text)."""
    if isinstance(node, MappingNode):
        return {str(k.value): to_plain(v) for k, v in node.value}
    if isinstance(node, SequenceNode):
        return [to_plain(v) for v in node.value]
    return str(node.value)


def entry(node: Node | None, key: str) -> tuple[ScalarNode, Node] | None:
    """(key node, value node) of `key` in a mapping node."""
    if not isinstance(node, MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.value == key:
            return k, v
    return None


def child(node: Node | None, key: str) -> Node | None:
    found = entry(node, key)
    return found[1] if found else None


def is_flow(node: Node) -> bool:
    return bool(getattr(node, "flow_style", False))


def _content_end(text: str, node: Node) -> int:
    """Offset just after a node's last character (block collections end at the next token)."""
    if isinstance(node, MappingNode | SequenceNode) and not is_flow(node) and node.value:
        last = node.value[-1]
        if isinstance(last, tuple):
            return max(_content_end(text, last[0]), _content_end(text, last[1]))
        return _content_end(text, last)
    end = int(node.end_mark.index)
    if isinstance(node, ScalarNode) and node.style in {"|", ">"}:
        # A block scalar's end mark lies past the blank lines after it; they are not its text.
        while end >= 2 and text[end - 1] == "\n" and text[end - 2] == "\n":
            end -= 1
    return end


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def after_line(text: str, index: int) -> int:
    """Start of the line after the one holding `index` (unless `index` already starts one)."""
    if index > 0 and text[index - 1] == "\n":
        return index
    newline = text.find("\n", index)
    return len(text) if newline < 0 else newline + 1


def _above_comments(text: str, line_start: int, column: int) -> int:
    """Move up over the full-line comments directly above a line: they describe it.

    Only comments indented no deeper than `column`; deeper ones end the block above.
    """
    while line_start > 0:
        previous = _line_start(text, line_start - 1)
        line = text[previous:line_start]
        body = line.lstrip()
        if not body.startswith("#") or len(line) - len(body) > column:
            break
        line_start = previous
    return line_start


def detect_style(roots: Iterable[Node]) -> IndentStyle:
    """The most common indents of the file, 2/2/2 where it has no example."""
    mapping: Counter[int] = Counter()
    offset: Counter[int] = Counter()
    dash: Counter[int] = Counter()
    for node in _walk(roots):
        if not isinstance(node, MappingNode) or is_flow(node):
            continue
        for key, value in node.value:
            column = value.start_mark.column - key.start_mark.column
            if isinstance(value, MappingNode) and not is_flow(value) and value.value:
                mapping[column] += 1
            elif isinstance(value, SequenceNode) and not is_flow(value) and value.value:
                offset[column] += 1
                for item in value.value:
                    if isinstance(item, MappingNode) and not is_flow(item):
                        dash[item.start_mark.column - value.start_mark.column] += 1

    def pick(counts: Counter[int], default: int, smallest: int) -> int:
        # The most used width (the wider on a tie), ignoring impossible ones.
        usable = [(uses, width) for width, uses in counts.items() if width >= smallest]
        return max(usable)[1] if usable else default

    return IndentStyle(mapping=pick(mapping, 2, 1), sequence_offset=pick(offset, 2, 0), dash_width=pick(dash, 2, 2))


def _walk(roots: Iterable[Node]) -> Iterator[Node]:
    for node in roots:
        yield node
        if isinstance(node, MappingNode):
            yield from _walk(v for _, v in node.value)
        elif isinstance(node, SequenceNode):
            yield from _walk(node.value)


def lines_text(text: str, at: int, lines: Sequence[str]) -> str:
    block = "".join(line + "\n" for line in lines)
    # A file without a final newline: start the insertion on its own line.
    return "\n" + block if at == len(text) and text and not text.endswith("\n") else block


def append_items(text: str, seq: SequenceNode, items: Sequence[Any], style: IndentStyle) -> Edit:
    """Add items at the end of a sequence, in its own style."""
    if is_flow(seq):
        rendered = ", ".join(render_flow(i) for i in items)
        if seq.value:
            at = _content_end(text, seq.value[-1])
            return Edit(at, at, ", " + rendered)
        at = int(seq.end_mark.index) - 1
        return Edit(at, at, rendered)
    at = after_line(text, _content_end(text, seq))
    lines = render_sequence(items, seq.start_mark.column, style, _dash_width(seq))
    return Edit(at, at, lines_text(text, at, lines))


def prepend_items(text: str, seq: SequenceNode, items: Sequence[Any], style: IndentStyle) -> Edit:
    """Add items before the first one (above the comments that introduce it)."""
    if is_flow(seq) or not seq.value:
        if not seq.value:
            return append_items(text, seq, items, style)
        at = int(seq.value[0].start_mark.index)
        return Edit(at, at, "".join(render_flow(i) + ", " for i in items))
    at = _above_comments(text, _line_start(text, seq.start_mark.index), seq.start_mark.column)
    lines = render_sequence(items, seq.start_mark.column, style, _dash_width(seq))
    return Edit(at, at, "".join(line + "\n" for line in lines))


def _dash_width(seq: SequenceNode) -> int | None:
    for item in seq.value:
        if isinstance(item, MappingNode) and not is_flow(item):
            return int(item.start_mark.column - seq.start_mark.column)
    return None


def remove_item(text: str, seq: SequenceNode, index: int) -> Edit:
    """Delete one item: its lines and the comments right above it (block), or `, item` (flow)."""
    item = seq.value[index]
    if is_flow(seq):
        if index + 1 < len(seq.value):
            return Edit(int(item.start_mark.index), int(seq.value[index + 1].start_mark.index), "")
        start = _content_end(text, seq.value[index - 1]) if index else int(item.start_mark.index)
        return Edit(start, _content_end(text, item), "")
    start = _above_comments(text, _line_start(text, item.start_mark.index), seq.start_mark.column)
    return Edit(start, after_line(text, _content_end(text, item)), "")


def insert_entry(
    text: str,
    mapping: MappingNode,
    key: str,
    value: Any,
    style: IndentStyle,
    *,
    after: str | None = None,
    before: str | None = None,
) -> Edit:
    """Add `key: value` to a mapping, after or before a sibling key (default: at the end)."""
    if is_flow(mapping):
        pair = f"{json.dumps(key)}: {render_flow(value)}"
        if mapping.value:
            at = _content_end(text, mapping.value[-1][1])
            return Edit(at, at, ", " + pair)
        at = int(mapping.end_mark.index) - 1
        return Edit(at, at, pair)
    lines = render_mapping({key: value}, mapping.start_mark.column, style)
    anchor = entry(mapping, before) if before else None
    if anchor is not None:
        key_node = anchor[0]
        at = _above_comments(text, _line_start(text, key_node.start_mark.index), key_node.start_mark.column)
        return Edit(at, at, "".join(line + "\n" for line in lines))
    after_entry = entry(mapping, after) if after else None
    last = after_entry or mapping.value[-1]
    at = after_line(text, max(_content_end(text, last[0]), _content_end(text, last[1])))
    return Edit(at, at, lines_text(text, at, lines))


def replace_value(text: str, key: ScalarNode, value: Node, new: list[str], style: IndentStyle) -> Edit:
    """Write a new list in place of a list value: flow stays flow, block becomes block lines."""
    if is_flow(value) or not new:
        # Keep the text of items that stay (their quoting), render only new ones.
        old = {str(v.value): text[v.start_mark.index : v.end_mark.index] for v in value.value}
        inner = ", ".join(old.get(name, scalar(name)) for name in new)
        if is_flow(value):
            return Edit(int(value.start_mark.index), int(value.end_mark.index), f"[{inner}]")
        return Edit(int(key.end_mark.index), _content_end(text, value), f": [{inner}]")
    lines = render_sequence(new, value.start_mark.column, style, None)
    return Edit(
        int(key.end_mark.index),
        after_line(text, _content_end(text, value)),
        ":\n" + "".join(line + "\n" for line in lines),
    )


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits from the end so earlier offsets stay valid."""
    # Ties keep their given order in the output: the later one is applied first.
    indexed = sorted(enumerate(edits), key=lambda p: (p[1].start, p[1].end, p[0]), reverse=True)
    ordered = [edit for _, edit in indexed]
    for earlier, later in zip(ordered[1:], ordered, strict=False):
        if earlier.end > later.start:
            raise ValueError(f"overlapping edits at {later.start}")
    for edit in ordered:
        text = text[: edit.start] + edit.text + text[edit.end :]
    return text
