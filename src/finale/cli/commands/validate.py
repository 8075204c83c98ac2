"""`finale validate`: check Tekton YAML the way the admission webhook would, offline."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from enum import StrEnum

from finale.adapters.yaml.load import SourceDoc, read_files, yaml_files_in
from finale.cli.common import (
    add_feature_argument,
    add_files_argument,
    format_field_errors,
    is_kubernetes_object,
    skipped_note,
)
from finale.cli.error_handler import EXIT_BAD_INPUT, EXIT_OK
from finale.core.validation.document import is_checked, render_errors, validate_document
from finale.errors import FieldError, InputError
from finale.record import Record, set_field

TYPE_CHECKING = False  # typing costs start-up time; mypy reads the block below as true
if TYPE_CHECKING:
    from typing import Any, TextIO

CHECKED_WHAT = "tekton.dev Pipeline, PipelineRun, Task, TaskRun; triggers.tekton.dev/v1beta1 Triggers objects"


class Verdict(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    NOT_CHECKED = "not-checked"
    SKIPPED = "skipped"
    UNREADABLE = "unreadable"


# A Record, not a dataclass or NamedTuple: `finale validate` starts faster (finale/record.py).
class Finding(Record):
    """What validate found for one object (or for a file it could not read)."""

    __slots__ = ("api_version", "errors", "message", "object", "source", "verdict")
    source: str
    verdict: Verdict
    object: str
    api_version: str
    errors: tuple[FieldError, ...]
    message: str

    def __init__(
        self,
        *,
        source: str,
        verdict: Verdict,
        object: str = "",
        api_version: str = "",
        errors: tuple[FieldError, ...] = (),
        message: str = "",
    ) -> None:
        set_field(self, "source", source)
        set_field(self, "verdict", verdict)
        set_field(self, "object", object)
        set_field(self, "api_version", api_version)
        set_field(self, "errors", errors)
        set_field(self, "message", message)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_files_argument(parser, "YAML/JSON file, a directory of them, or - for stdin (repeatable)")
    add_feature_argument(parser)
    parser.add_argument(
        "--tekton-text", action="store_true", help="also print the errors as Tekton's webhook would word them"
    )
    parser.add_argument("-o", "--output", choices=("text", "json"), default="text", help="output format")


def _expand(path: str) -> Iterator[str]:
    """Each file on its own, so one broken file does not hide the others' problems."""
    if path == "-" or not os.path.isdir(path):
        yield path
        return
    try:
        files = yaml_files_in(path)
    except OSError as exc:
        raise InputError(f"{path}: cannot list the directory: {exc.strerror or exc}") from None
    if not files:
        raise InputError(f"{path}: no .yaml, .yml or .json files in this directory")
    yield from files


def _object_name(doc: SourceDoc) -> str:
    meta = doc.data.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    name = meta.get("name") or (f"{meta['generateName']}*" if meta.get("generateName") else "")
    return f"{doc.data.get('kind', '?')}/{name or '?'}"


def find(paths: list[str], features: frozenset[str]) -> list[Finding]:
    """One Finding per object in the files (or per file that could not be read)."""
    found: list[Finding] = []
    for arg in paths:
        try:
            files = list(_expand(arg))
        except InputError as exc:
            found.append(Finding(source=arg, verdict=Verdict.UNREADABLE, message=str(exc)))
            continue
        for path in files:
            found.extend(_find_in_file(path, features))
    return found


def _find_in_file(path: str, features: frozenset[str]) -> list[Finding]:
    try:
        docs = read_files([path])
    except InputError as exc:
        return [Finding(source=path, verdict=Verdict.UNREADABLE, message=str(exc))]
    if not docs:  # silence would read as "valid"; as in the other commands, nothing to read is an error
        source = path if path != "-" else "<stdin>"
        message = f"{source}: no objects in the file (it is empty)\n  fix: give a file holding Tekton YAML"
        return [Finding(source=source, verdict=Verdict.UNREADABLE, message=message)]
    return [_judge(doc, features) for doc in docs]


def _judge(doc: SourceDoc, features: frozenset[str]) -> Finding:
    api_version = str(doc.data.get("apiVersion", ""))
    if not is_kubernetes_object(doc.data):
        return Finding(source=doc.source, verdict=Verdict.SKIPPED, message=skipped_note(doc.source))
    name = _object_name(doc)
    if not is_checked(doc.data):
        return Finding(source=doc.source, verdict=Verdict.NOT_CHECKED, object=name, api_version=api_version)
    errors = tuple(validate_document(doc.data, features=features))
    verdict = Verdict.INVALID if errors else Verdict.VALID
    return Finding(source=doc.source, verdict=verdict, object=name, api_version=api_version, errors=errors)


def format_text(found: list[Finding], tekton_text: bool = False) -> str:
    lines: list[str] = []
    for f in found:
        if f.verdict is Verdict.VALID:
            lines.append(f"{f.source}: {f.object} is valid")
        elif f.verdict is Verdict.NOT_CHECKED:
            lines.append(f"{f.source}: {f.object} ({f.api_version}) not checked: not a kind finale validates")
        elif f.verdict is Verdict.INVALID:
            lines.append(format_field_errors(f.source, f.errors))
            if tekton_text:
                lines.append(f"{f.source}: Tekton would say: validation failed: {render_errors(list(f.errors))}")
        else:
            lines.append(f.message)
    unchecked = sorted({f.object.partition("/")[0] for f in found if f.verdict is Verdict.NOT_CHECKED})
    if unchecked:
        checked = sum(f.verdict in (Verdict.VALID, Verdict.INVALID) for f in found)
        lines.append(
            f"{checked} object(s) checked; not checked: {', '.join(unchecked)} (finale validates {CHECKED_WHAT})"
        )
    return "".join(line + "\n" for line in lines)


def to_data(found: list[Finding]) -> list[dict[str, Any]]:
    return [
        {
            "source": f.source,
            "object": f.object,
            "apiVersion": f.api_version,
            "verdict": f.verdict.value,
            "errors": [{"path": e.path, "message": e.message, "fix": e.hint} for e in f.errors],
            **({"message": f.message} if f.message else {}),
        }
        for f in found
    ]


def validate_files(
    paths: list[str], features: frozenset[str], out: TextIO, tekton_text: bool = False, output: str = "text"
) -> int:
    """Print one line per problem (with its fix), or one line per object saying what was found."""
    found = find(paths, features)
    if output == "json":
        import json  # -o json only

        out.write(json.dumps(to_data(found), indent=2) + "\n")
    else:
        out.write(format_text(found, tekton_text))
    failed = any(f.verdict in (Verdict.INVALID, Verdict.UNREADABLE) for f in found)
    return EXIT_BAD_INPUT if failed else EXIT_OK


def main(args: argparse.Namespace) -> int:
    return validate_files(args.filename, frozenset(args.feature), sys.stdout, args.tekton_text, args.output)
