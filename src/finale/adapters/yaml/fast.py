"""Read YAML with libyaml's C parser (through PyYAML), valued by ruamel's own YAML 1.2 rules.

Anything unusual (a tag, a directive, a merge key, a limit near, a syntax error) gives None, and
the caller reads the text again with the pure-Python path, whose values, messages and limits rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.nodes import ScalarNode as RuamelScalarNode

from finale.adapters.yaml.load import plain_scalar
from finale.errors import FinaleError

# Without libyaml PyYAML parses in pure Python too, so the fast path would be no faster.
AVAILABLE = bool(getattr(yaml, "__with_libyaml__", False))

# libyaml's composer recurses on the C stack; Tekton objects nest about 15 levels, so deeper
# text is always left to the pure-Python path and its depth limit.
_MAX_FAST_DEPTH = 200

_STR = "tag:yaml.org,2002:str"
# The plain-scalar tags of ruamel's YAML 1.2 resolver whose values `plain_scalar` keeps as today;
# any other (the merge key `<<`) is left to the pure-Python path.
_CONSTRUCTED = frozenset(f"tag:yaml.org,2002:{t}" for t in ("null", "bool", "int", "float", "timestamp"))


class FastReadDeclined(FinaleError):
    """The text needs the pure-Python path; caught in `load_documents`, never shown."""


def load_documents(text: str, *, max_depth: int, max_alias_nodes: int) -> list[Any] | None:
    """Every document's plain value, or None when the pure-Python path must read the text."""
    if not AVAILABLE:
        return None
    try:
        has_alias = _check_events(text, min(max_depth - 2, _MAX_FAST_DEPTH))
        nodes = list(yaml.compose_all(text, Loader=yaml.CSafeLoader))
        if has_alias:
            _check_aliases(nodes, max_alias_nodes)
        builder = _Builder()
        return [builder.build(node) for node in nodes]
    except Exception:  # any surprise is the pure-Python path's to report
        return None


def _check_events(text: str, max_open: int) -> bool:
    """Refuse deep nesting, tags and directives before anything recursive sees the text; say
    whether it holds an alias. ruamel counts a scalar one level below its collection, hence the
    margin of 2 the caller leaves."""
    open_collections, has_alias = 0, False
    # Any: dispatch is on the exact type (the fastest test), which mypy does not narrow.
    events: Iterator[Any] = yaml.parse(text, Loader=yaml.CSafeLoader)
    for event in events:
        kind = type(event)  # one test for the commonest event first: this loop sees every one
        if kind is yaml.ScalarEvent:
            if event.tag is not None:
                raise FastReadDeclined
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            open_collections += 1
            if event.tag is not None or open_collections > max_open:
                raise FastReadDeclined
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            open_collections -= 1
        elif kind is yaml.AliasEvent:
            has_alias = True
        elif kind is yaml.DocumentStartEvent and (event.version or event.tags):
            raise FastReadDeclined
    return has_alias


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_aliases(documents: list[yaml.Node], limit: int) -> None:
    """Count the nodes each alias stands for as ruamel's composer does (a node met again is an
    alias), without expanding anything; at the limit the pure-Python path names the place."""
    seen: set[int] = set()
    sizes: dict[int, int] = {}
    total = 0
    stack = list(reversed(documents))
    while stack:
        node = stack.pop()
        if id(node) in seen:
            total += _size(node, sizes)
            if total >= limit:
                raise FastReadDeclined
            continue
        seen.add(id(node))
        stack.extend(reversed(_children(node)))


def _size(root: yaml.Node, sizes: dict[int, int]) -> int:
    """Nodes under `root` as if its aliases were expanded, memoised, iterative; a cycle is unusual."""
    visiting: set[int] = set()
    stack = [root]
    while stack:
        node = stack[-1]
        if id(node) in sizes:
            stack.pop()
            continue
        pending = [c for c in _children(node) if id(c) not in sizes]
        if not pending:
            sizes[id(node)] = 1 + sum(sizes[id(c)] for c in _children(node))
            visiting.discard(id(node))
            stack.pop()
        elif id(node) in visiting:
            raise FastReadDeclined
        else:
            visiting.add(id(node))
            stack.extend(pending)
    return sizes[id(root)]


class _Builder:
    """Plain values from composed nodes; plain scalars resolved and built by ruamel's safe loader."""

    def __init__(self) -> None:
        loader = YAML(typ="safe", pure=True)
        self._resolver = loader.resolver
        self._constructor = loader.constructor
        self._plain: dict[str, Any] = {}

    def build(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item) for item in node.value]
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node)
        raise FastReadDeclined

    def _mapping(self, node: yaml.MappingNode) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self._scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            # ruamel refuses duplicate keys with its own message; other than text keys are rare
            # enough in Tekton files to leave them to it too.
            if not isinstance(key, str) or key in out:
                raise FastReadDeclined
            out[key] = self.build(value_node)
        return out

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        if node.style:  # quoted, literal or folded: always a string
            return str(node.value)
        text: str = node.value
        if text not in self._plain:
            tag = self._resolver.resolve(RuamelScalarNode, text, (True, False))
            if str(tag) == _STR:
                self._plain[text] = text
            elif str(tag) in _CONSTRUCTED:
                value = self._constructor.construct_object(RuamelScalarNode(tag, text))
                self._plain[text] = plain_scalar(value)
            else:
                raise FastReadDeclined
        return self._plain[text]
