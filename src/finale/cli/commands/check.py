"""`finale check`: prove every outcome of a pipeline reports exactly one final GitLab status."""

from __future__ import annotations

import argparse
import json
import sys

from finale.adapters.yaml_io import SourceDoc, read_files
from finale.cli.error_handler import EXIT_FAILED, EXIT_OK
from finale.core.check import check_documents
from finale.core.check_report import format_text, to_data
from finale.core.validate import validate_document
from finale.errors import ValidationError

NAME = "check"
HELP = "prove every outcome of a Pipeline (or PipelineRun) posts exactly one final GitLab status"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-f",
        "--filename",
        action="extend",
        nargs="+",
        required=True,
        metavar="FILE",
        help="YAML/JSON with the Pipeline or PipelineRun, and optionally its Tasks (repeatable; - for stdin)",
    )
    parser.add_argument(
        "--reporter",
        action="append",
        default=[],
        metavar="NAME",
        help="a PipelineTask that posts the GitLab status (besides gitlab-set-status ones; repeatable)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="also fail on the pattern's limits (hard cancel, timeouts.pipeline, stops finally cannot see)",
    )
    parser.add_argument("-o", "--output", choices=("text", "json"), default="text", help="output format")
    parser.add_argument(
        "--feature",
        action="append",
        default=[],
        metavar="FLAG",
        help="a Tekton feature flag that is on, e.g. enable-cel-in-whenexpression",
    )


def _validate(docs: list[SourceDoc], features: frozenset[str]) -> None:
    for doc in docs:
        errors = validate_document(doc.data, features=features)
        if errors:
            raise ValidationError(doc.source, errors)


def main(args: argparse.Namespace) -> int:
    docs = read_files(args.filename)
    _validate(docs, frozenset(args.feature))
    report = check_documents([(d.source, d.data) for d in docs], args.reporter)
    if args.output == "json":
        sys.stdout.write(json.dumps(to_data(report, strict=args.strict), indent=2) + "\n")
    else:
        sys.stdout.write(format_text(report, strict=args.strict))
    return EXIT_OK if report.passed(strict=args.strict) else EXIT_FAILED
