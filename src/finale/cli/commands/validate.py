"""`finale validate`: check Tekton YAML the way the admission webhook would, offline."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from finale.adapters.yaml.load import SourceDoc, read_files
from finale.cli.common import (
    add_feature_argument,
    add_files_argument,
    format_field_errors,
    is_kubernetes_object,
    skipped_note,
)
from finale.cli.error_handler import EXIT_BAD_INPUT, EXIT_OK
from finale.core.validation.document import render_errors, validate_document
from finale.errors import InputError

_SUFFIXES = {".yaml", ".yml", ".json"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_files_argument(parser, "YAML/JSON file, a directory of them, or - for stdin (repeatable)")
    add_feature_argument(parser)
    parser.add_argument(
        "--tekton-text", action="store_true", help="also print the errors as Tekton's webhook would word them"
    )


def _expand(paths: list[str]) -> Iterator[str]:
    """Each file on its own, so one broken file does not hide the others' problems."""
    for path in paths:
        p = Path(path)
        if path == "-" or not p.is_dir():
            yield path
            continue
        try:
            files = sorted(f for f in p.iterdir() if f.suffix in _SUFFIXES)
        except OSError as exc:
            raise InputError(f"{path}: cannot list the directory: {exc.strerror or exc}") from None
        if not files:
            raise InputError(f"{path}: no .yaml, .yml or .json files in this directory")
        yield from (str(f) for f in files)


def _object_name(doc: SourceDoc) -> str:
    meta = doc.data.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    name = meta.get("name") or (f"{meta['generateName']}*" if meta.get("generateName") else "")
    return f"{doc.data.get('kind', '?')}/{name or '?'}"


def validate_files(paths: list[str], features: frozenset[str], out: TextIO, tekton_text: bool = False) -> int:
    """Print one line per problem (with its fix) or one `is valid` line per object."""
    failed = False
    for arg in paths:
        try:
            files = list(_expand([arg]))
        except InputError as exc:
            print(str(exc), file=out)
            failed = True
            continue
        failed = _validate_each(files, features, out, tekton_text) or failed
    return EXIT_BAD_INPUT if failed else EXIT_OK


def _validate_each(files: list[str], features: frozenset[str], out: TextIO, tekton_text: bool) -> bool:
    """True when any file had a problem."""
    failed = False
    for path in files:
        try:
            docs = read_files([path])
        except InputError as exc:
            print(str(exc), file=out)
            failed = True
            continue
        if not docs:  # silence would read as "valid"; an empty file is not an error either
            print(f"{path if path != '-' else '<stdin>'}: no objects to validate", file=out)
        for doc in docs:
            if not is_kubernetes_object(doc.data):
                print(skipped_note(doc.source), file=out)
                continue
            errors = validate_document(doc.data, features=features)
            if not errors:
                print(f"{doc.source}: {_object_name(doc)} is valid", file=out)
                continue
            failed = True
            print(format_field_errors(doc.source, errors), file=out)
            if tekton_text:
                print(f"{doc.source}: Tekton would say: validation failed: {render_errors(errors)}", file=out)
    return failed


def main(args: argparse.Namespace) -> int:
    return validate_files(args.filename, frozenset(args.feature), sys.stdout, args.tekton_text)
