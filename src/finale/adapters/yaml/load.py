"""Read Tekton YAML/JSON files (multi-document, `kind: List`) into plain dicts.

Hostile input is refused before it costs time or memory: files over a size limit, nesting
deeper than a depth limit, and aliases expanding to more nodes than a limit (a YAML bomb).
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer, MaxDepthExceededError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode
from ruamel.yaml.scanner import Scanner

from finale.errors import InputError, YamlSyntaxError


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """What one file may cost. Each is raised with the environment variable it is named by."""

    # etcd refuses objects over 1.5 MiB (its --max-request-bytes default), so no real Tekton
    # object comes near this; the pure-Python parser needs seconds per MiB.
    max_bytes: int = 2 * 1024 * 1024
    # Tekton objects nest about 15 levels (pipelineSpec > tasks > taskSpec > steps > env > ...).
    max_depth: int = 100
    # Nodes that aliases stand for, counted as if expanded (what `_plain` and validation walk).
    max_alias_nodes: int = 100_000


LIMIT_ENV = {
    "max_bytes": "FINALE_MAX_YAML_BYTES",
    "max_depth": "FINALE_MAX_YAML_DEPTH",
    "max_alias_nodes": "FINALE_MAX_YAML_ALIAS_NODES",
}


def limits_from_env(env: Mapping[str, str]) -> Limits:
    values: dict[str, int] = {}
    for field, name in LIMIT_ENV.items():
        text = env.get(name, "").strip()
        if not text:
            continue
        if not text.isdigit() or int(text) < 1:
            raise InputError(
                f"{name}={text}: not a positive whole number\n  fix: e.g. {name}={getattr(Limits(), field) * 2}"
            )
        values[field] = int(text)
    return Limits(**values)


# Set on the YAML object, read by its scanner and composer (ruamel builds them itself).
_ALIAS_ATTR = "finale_max_alias_nodes"
_SOURCE_ATTR = "finale_source"


def _raise_limit(loader: Any, kind: str, limit: int, mark: Any) -> None:
    what = {
        "max_depth": f"nested deeper than {limit} levels",
        "max_alias_nodes": f"aliases expand to more than {limit} nodes (a YAML alias bomb?)",
    }[kind]
    raise _limit_error(getattr(loader, _SOURCE_ATTR, "<input>"), what, LIMIT_ENV[kind], limit, mark)


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


@dataclass(frozen=True, slots=True)
class SourceDoc:
    """One Kubernetes-style object and where it came from (`file` or `file#2`)."""

    source: str
    data: Mapping[str, Any]


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
        raise _limit_error(source, what, LIMIT_ENV["max_depth"], limit, exc.problem_mark) from None
    except RecursionError:
        raise YamlSyntaxError(f"{source}: nested too deeply to read") from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        raise YamlSyntaxError(f"{where}: not valid YAML: {exc.problem or exc}") from None
    except YAMLError as exc:
        raise YamlSyntaxError(f"{source}: not valid YAML: {exc}") from None


def _limit_error(source: str, what: str, env: str, limit: int, mark: Any) -> InputError:
    where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark is not None else source
    return InputError(
        f"{where}: {what}; finale refuses it\n"
        f"  fix: if the file is right, raise the limit: {env}={limit * 10} finale ..."
    )


def check_size(size: int, source: str, limits: Limits) -> None:
    if size > limits.max_bytes:
        env = LIMIT_ENV["max_bytes"]
        raise InputError(
            f"{source}: {size} bytes, over the limit of {limits.max_bytes} bytes for one file; finale refuses it\n"
            f"  fix: split the file, or raise the limit: {env}={size} finale ..."
        )


def parse_text(text: str, source: str, limits: Limits | None = None) -> list[SourceDoc]:
    """Parse YAML (or JSON) text holding one or more documents; `kind: List` is flattened."""
    limits = limits or limits_from_env(os.environ)
    check_size(len(text.encode("utf-8", "surrogatepass")), source, limits)
    if "\x00" in text:
        raise InputError(
            f"{source}: not YAML text: it holds NUL bytes (a binary file?)\n"
            "  fix: give the YAML or JSON file (UTF-8 text)"
        )
    raw_docs = [d for d in load_documents_safely(text, source, limits) if d is not None]
    docs: list[SourceDoc] = []
    for index, raw in enumerate(raw_docs):
        name = source if len(raw_docs) == 1 else f"{source}#{index + 1}"
        docs.extend(_flatten(raw, name))
    return docs


# Below this many characters ruamel's parse (about 4 ms a KiB) costs less than importing PyYAML.
FAST_MIN_CHARS = 4096


def load_documents_safely(text: str, source: str, limits: Limits) -> list[Any]:
    """Each document's plain value: libyaml's C parser when it reads the text plainly, else (and for
    every error or limit, so messages stay the same) the pure-Python loader."""
    if len(text) >= FAST_MIN_CHARS:
        # Imported here: PyYAML costs about as much start-up as it saves on a small file.
        from finale.adapters.yaml.fast import load_documents

        fast = load_documents(text, max_depth=limits.max_depth, max_alias_nodes=limits.max_alias_nodes)
        if fast is not None:
            return fast
    return reference_documents(text, source, limits)


def reference_documents(text: str, source: str, limits: Limits) -> list[Any]:
    """Each document's plain value read by ruamel's pure-Python safe loader."""
    yaml = safe_loader(source, limits)
    with syntax_errors_named(source):
        return [_plain(d) for d in yaml.load_all(io.StringIO(text))]


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


def read_text(path: str, limits: Limits | None = None) -> str:
    """One file's text (`-` is stdin), refused before reading when over the size limit, and
    named as binary when it is no UTF-8 text."""
    limits = limits or limits_from_env(os.environ)
    if path == "-":
        text = sys.stdin.read(limits.max_bytes + 1)
        check_size(len(text.encode("utf-8", "surrogatepass")), "<stdin>", limits)
        return text
    try:
        check_size(os.stat(path).st_size, path, limits)
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file (check the -f argument)") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder; give a file") from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not YAML text: byte {exc.start} is not UTF-8 (a binary file?)\n"
            "  fix: give the YAML or JSON file (UTF-8 text)"
        ) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None


def read_files(paths: Iterable[str], limits: Limits | None = None) -> list[SourceDoc]:
    """Read every `-f` argument; `-` is standard input, a directory reads its *.yaml/*.json."""
    limits = limits or limits_from_env(os.environ)
    docs: list[SourceDoc] = []
    for path in paths:
        files = yaml_files_in(path) if path != "-" and os.path.isdir(path) else [path if path == "-" else _pure(path)]
        for f in files:
            source = "<stdin>" if path == "-" else f
            text = read_text(f, limits)
            docs.extend(parse_text(text, source, limits))
    return docs


YAML_SUFFIXES = (".yaml", ".yml", ".json")


def yaml_files_in(folder: str) -> list[str]:
    """The folder's *.yaml/*.yml/*.json files, sorted, spelled as pathlib would (no pathlib import:
    it costs `finale validate` a tenth of its start-up)."""
    base = _pure(folder)
    return [f"{base}/{name}" for name in sorted(os.listdir(folder)) if os.path.splitext(name)[1] in YAML_SUFFIXES]


def _pure(path: str) -> str:
    """`str(PurePosixPath(path))`: empty and `.` parts dropped, `..` kept, one or two leading slashes kept."""
    root = "//" if path.startswith("//") and not path.startswith("///") else "/" if path.startswith("/") else ""
    return root + "/".join(p for p in path.split("/") if p not in ("", ".")) or "."
