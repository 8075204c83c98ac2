"""Read Tekton YAML/JSON files (multi-document, `kind: List`) into plain dicts."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from finale.errors import InputError, YamlSyntaxError


@dataclass(frozen=True, slots=True)
class SourceDoc:
    """One Kubernetes-style object and where it came from (`file` or `file#2`)."""

    source: str
    data: Mapping[str, Any]


def _plain(node: Any) -> Any:
    """Turn ruamel's tagged scalars and ordered maps into plain Python values."""
    if isinstance(node, Mapping):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return str(node)


@contextmanager
def syntax_errors_named(source: str) -> Iterator[None]:
    """Turn the YAML library's parse errors into YamlSyntaxError naming file:line:column."""
    try:
        yield
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        raise YamlSyntaxError(f"{where}: not valid YAML: {exc.problem or exc}") from None
    except YAMLError as exc:
        raise YamlSyntaxError(f"{source}: not valid YAML: {exc}") from None


def parse_text(text: str, source: str) -> list[SourceDoc]:
    """Parse YAML (or JSON) text holding one or more documents; `kind: List` is flattened."""
    yaml = YAML(typ="safe", pure=True)
    with syntax_errors_named(source):
        raw_docs = [d for d in yaml.load_all(io.StringIO(text)) if d is not None]
    docs: list[SourceDoc] = []
    for index, raw in enumerate(raw_docs):
        name = source if len(raw_docs) == 1 else f"{source}#{index + 1}"
        docs.extend(_flatten(_plain(raw), name))
    return docs


def _flatten(data: Any, source: str) -> Iterable[SourceDoc]:
    if not isinstance(data, dict):
        raise InputError(
            f"{source}: expected a Kubernetes object (a mapping with apiVersion and kind), got {type(data).__name__}"
        )
    if data.get("kind") == "List" and isinstance(data.get("items"), list):
        for i, item in enumerate(data["items"]):
            yield from _flatten(item, f"{source}: items[{i}]")
        return
    yield SourceDoc(source=source, data=data)


def read_files(paths: Iterable[str]) -> list[SourceDoc]:
    """Read every `-f` argument; `-` is standard input, a directory reads its *.yaml/*.json."""
    docs: list[SourceDoc] = []
    for path in paths:
        if path == "-":
            docs.extend(parse_text(sys.stdin.read(), "<stdin>"))
            continue
        p = Path(path)
        files = sorted(f for f in p.iterdir() if f.suffix in {".yaml", ".yml", ".json"}) if p.is_dir() else [p]
        for f in files:
            try:
                text = f.read_text(encoding="utf-8")
            except FileNotFoundError:
                raise InputError(f"{f}: no such file (check the -f argument)") from None
            except (OSError, UnicodeDecodeError) as exc:
                raise InputError(f"{f}: cannot read: {exc}") from None
            docs.extend(parse_text(text, str(f)))
    return docs
