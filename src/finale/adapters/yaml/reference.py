"""Read YAML with ruamel's pure-Python safe loader, with finale's limits: the reader of record.

`subset.py` reads ordinary files faster; this one reads everything else and words every error.
Imported only when needed: ruamel costs about three times a bare interpreter's start.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer, MaxDepthExceededError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode
from ruamel.yaml.scanner import Scanner

from finale.adapters.yaml.load import LIMIT_ENV, Limits, limit_error, limits_from_env
from finale.errors import YamlSyntaxError

# Set on the YAML object, read by its scanner and composer (ruamel builds them itself).
_ALIAS_ATTR = "finale_max_alias_nodes"
_SOURCE_ATTR = "finale_source"


def _raise_limit(loader: Any, kind: str, limit: int, mark: Any) -> None:
    what = {
        "max_depth": f"nested deeper than {limit} levels",
        "max_alias_nodes": f"aliases expand to more than {limit} nodes (a YAML alias bomb?)",
    }[kind]
    raise limit_error(getattr(loader, _SOURCE_ATTR, "<input>"), what, LIMIT_ENV[kind], limit, mark)


class _DepthLimitedScanner(Scanner):
    """Stops at the first `[` or `{` over the depth limit: the scanner's work per token grows
    with the flow depth, so 5,000 nested `[` would otherwise take seconds before any check."""

    def fetch_flow_collection_start(self, TokenClass: Any, to_push: str) -> None:
        limit = self.loader.max_depth
        if limit and len(self.flow_context) >= limit:
            _raise_limit(self.loader, "max_depth", limit, self.reader.get_mark())
        super().fetch_flow_collection_start(TokenClass, to_push)


class _AliasCountingComposer(Composer):
    """Counts the nodes each alias stands for, as if expanded, and stops over the limit."""

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader)
        self.alias_nodes = 0
        self.sizes: dict[int, int] = {}

    def return_alias(self, a: Any) -> Any:
        self.alias_nodes += self._size(a)
        limit = getattr(self.loader, _ALIAS_ATTR, Limits().max_alias_nodes)
        if self.alias_nodes > limit:
            _raise_limit(self.loader, "max_alias_nodes", limit, a.start_mark)
        return a

    def _size(self, node: Node) -> int:
        if id(node) not in self.sizes:
            if isinstance(node, MappingNode):
                size = 1 + sum(self._size(k) + self._size(v) for k, v in node.value)
            elif isinstance(node, SequenceNode):
                size = 1 + sum(self._size(v) for v in node.value)
            else:
                size = 1
            self.sizes[id(node)] = size
        return self.sizes[id(node)]


def safe_loader(source: str, limits: Limits | None = None) -> YAML:
    """The safe, pure-Python loader with finale's limits on depth and alias expansion."""
    # A known difference from a cluster: this reads YAML 1.2, so plain `yes`, `on`, `y` stay
    # strings and `0755` is 755, while kubectl turns manifests into JSON with sigs.k8s.io/yaml,
    # whose go-yaml v2 (resolve.go, resolveMapList and strconv.ParseInt base 0) reads them as
    # true and 493. Quoting such values makes both agree.
    limits = limits or limits_from_env(os.environ)
    yaml = YAML(typ="safe", pure=True)
    yaml.Scanner = _DepthLimitedScanner
    yaml.Composer = _AliasCountingComposer
    yaml.max_depth = limits.max_depth
    setattr(yaml, _ALIAS_ATTR, limits.max_alias_nodes)
    setattr(yaml, _SOURCE_ATTR, source)
    return yaml


def plain_scalar(value: Any) -> Any:
    """A constructed scalar as a plain Python value (a timestamp becomes the text Python prints)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value)


def _plain(node: Any) -> Any:
    """Turn ruamel's tagged scalars and ordered maps into plain Python values."""
    if isinstance(node, Mapping):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return plain_scalar(node)


@contextmanager
def syntax_errors_named(source: str) -> Iterator[None]:
    """Turn the YAML library's parse errors into YamlSyntaxError naming file:line:column."""
    try:
        yield
    except MaxDepthExceededError as exc:
        limit = int(os.environ.get(LIMIT_ENV["max_depth"], "") or Limits().max_depth)
        what = f"nested deeper than {limit} levels"
        raise limit_error(source, what, LIMIT_ENV["max_depth"], limit, exc.problem_mark) from None
    except RecursionError:
        raise YamlSyntaxError(f"{source}: nested too deeply to read") from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        raise YamlSyntaxError(f"{where}: not valid YAML: {exc.problem or exc}") from None
    except YAMLError as exc:
        raise YamlSyntaxError(f"{source}: not valid YAML: {exc}") from None


def reference_documents(text: str, source: str, limits: Limits) -> list[Any]:
    """Each document's plain value read by ruamel's pure-Python safe loader."""
    yaml = safe_loader(source, limits)
    with syntax_errors_named(source):
        return [_plain(d) for d in yaml.load_all(io.StringIO(text))]
