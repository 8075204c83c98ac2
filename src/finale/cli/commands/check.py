"""`finale check`: prove every outcome of a pipeline reports exactly one final GitLab status."""

from __future__ import annotations

import argparse
import json
import sys

from finale.cli.common import add_feature_argument, add_files_argument, read_valid_documents
from finale.cli.error_handler import EXIT_FAILED, EXIT_OK
from finale.core.check import check_documents
from finale.core.check_report import format_text, to_data

NAME = "check"
HELP = "prove every outcome of a Pipeline (or PipelineRun) posts exactly one final GitLab status"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_files_argument(
        parser, "YAML/JSON with the Pipeline or PipelineRun, and optionally its Tasks (repeatable; - for stdin)"
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
    add_feature_argument(parser)


def main(args: argparse.Namespace) -> int:
    docs = read_valid_documents(args.filename, frozenset(args.feature))
    report = check_documents([(d.source, d.data) for d in docs], args.reporter)
    if args.output == "json":
        sys.stdout.write(json.dumps(to_data(report, strict=args.strict), indent=2) + "\n")
    else:
        sys.stdout.write(format_text(report, strict=args.strict))
    return EXIT_OK if report.passed(strict=args.strict) else EXIT_FAILED
