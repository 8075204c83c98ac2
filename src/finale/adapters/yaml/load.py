"""Read Tekton YAML/JSON files (multi-document, `kind: List`) into plain dicts.

Hostile input is refused before it costs time or memory: files over a size limit, nesting
deeper than a depth limit, and aliases expanding to more nodes than a limit (a YAML bomb).
"""

from __future__ import annotations

import os
import sys

from finale.adapters.yaml.subset import read_subset
from finale.errors import InputError
from finale.record import Record, set_field

TYPE_CHECKING = False  # typing costs start-up time; mypy reads the block below as true
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any


class Limits(Record):
    """What one file may cost. Each is raised with the environment variable it is named by."""

    # etcd refuses objects over 1.5 MiB (its --max-request-bytes default), so no real Tekton
    # object comes near this; the pure-Python parser needs seconds per MiB.
    max_bytes: int
    # Tekton objects nest about 15 levels (pipelineSpec > tasks > taskSpec > steps > env > ...).
    max_depth: int
    # Nodes that aliases stand for, counted as if expanded (what `_plain` and validation walk).
    max_alias_nodes: int

    __slots__ = ("max_alias_nodes", "max_bytes", "max_depth")

    def __init__(
        self, *, max_bytes: int = 2 * 1024 * 1024, max_depth: int = 100, max_alias_nodes: int = 100_000
    ) -> None:
        set_field(self, "max_bytes", max_bytes)
        set_field(self, "max_depth", max_depth)
        set_field(self, "max_alias_nodes", max_alias_nodes)


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


class SourceDoc(Record):
    """One Kubernetes-style object and where it came from (`file` or `file#2`)."""

    source: str
    data: Mapping[str, Any]

    __slots__ = ("data", "source")

    def __init__(self, source: str, data: Mapping[str, Any]) -> None:
        set_field(self, "source", source)
        set_field(self, "data", data)


def limit_error(source: str, what: str, env: str, limit: int, mark: Any) -> InputError:
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


def load_documents_safely(text: str, source: str, limits: Limits) -> list[Any]:
    """Each document's plain value: read by `subset.py` when the text is ordinary YAML, else (and
    for every error or limit, so messages stay the same) by ruamel's loader."""
    fast = read_subset(text, max_depth=limits.max_depth, max_alias_nodes=limits.max_alias_nodes)
    if fast is not None:
        return fast
    from finale.adapters.yaml.reference import reference_documents  # ruamel: only when needed

    return reference_documents(text, source, limits)


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
