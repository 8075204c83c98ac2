"""Arguments and input handling that several commands share, so they behave alike."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from finale.adapters.yaml_io import SourceDoc, read_files
from finale.core.validate import validate_document
from finale.errors import InputError, ValidationError


def add_files_argument(parser: argparse.ArgumentParser, help_text: str) -> None:
    """`-f FILE`, repeatable, several files after one flag (as pre-commit passes them), `-` for stdin."""
    parser.add_argument("-f", "--filename", action="extend", nargs="+", required=True, metavar="FILE", help=help_text)


def add_feature_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--feature",
        action="append",
        default=[],
        metavar="FLAG",
        help="a Tekton feature flag that is on, e.g. enable-cel-in-whenexpression or enable-api-fields=alpha",
    )


def read_valid_documents(paths: list[str], features: frozenset[str]) -> list[SourceDoc]:
    """Every object in the files, each validated as Tekton's admission webhook would."""
    docs = read_files(paths)
    for doc in docs:
        errors = validate_document(doc.data, features=features)
        if errors:
            raise ValidationError(doc.source, errors)
    return docs


def read_token(token_file: str | None) -> str:
    """The GitLab token from a file or GITLAB_TOKEN: never a flag value, so never in argv."""
    if token_file is not None:
        try:
            token = Path(token_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise InputError(f"--token-file: cannot read {token_file}: {exc.strerror}") from None
        if not token:
            raise InputError(f"--token-file: {token_file} is empty; fix: put the token in it")
        return token
    token = os.environ.get("GITLAB_TOKEN", "").strip()
    if not token:
        raise InputError("no GitLab token; fix: pass --token-file FILE or set GITLAB_TOKEN")
    return token
