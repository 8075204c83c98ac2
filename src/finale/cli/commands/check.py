"""`finale check`: prove every outcome of a pipeline reports exactly one final GitLab status."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Mapping
from typing import Any

from finale.cli.common import add_feature_argument, add_files_argument, read_valid_documents
from finale.cli.error_handler import EXIT_FAILED, EXIT_OK
from finale.core.check.report import format_text, to_data
from finale.core.check.verdict import check_documents


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_files_argument(
        parser,
        "YAML/JSON with the Pipeline or PipelineRun, and optionally its Tasks (repeatable; - for stdin); "
        "several Pipelines or PipelineRuns are checked one by one",
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
    parser.add_argument(
        "--skip-missing-pipelines",
        action="store_true",
        help="skip, with a note, a PipelineRun whose pipelineRef names a Pipeline not in the files given "
        "(the pre-commit hook passes only the changed files)",
    )
    parser.add_argument("-o", "--output", choices=("text", "json", "yaml"), default="text", help="output format")
    add_feature_argument(parser)


Doc = tuple[str, Mapping[str, Any]]


def _targets(docs: list[Doc]) -> list[list[Doc]]:
    """One check per PipelineRun, and per Pipeline no given PipelineRun references: pre-commit
    passes every changed file at once. Tasks and the Pipelines go along with each."""
    runs = [d for d in docs if d[1].get("kind") == "PipelineRun"]
    pipelines = [d for d in docs if d[1].get("kind") == "Pipeline"]
    if len(runs) + len(pipelines) <= 1:
        return [docs]  # one target, or none: the checker words that case itself
    others = [d for d in docs if d not in runs and d not in pipelines]
    referenced = {((d.get("spec") or {}).get("pipelineRef") or {}).get("name") for _, d in runs}
    alone = [d for d in pipelines if (d[1].get("metadata") or {}).get("name") not in referenced]
    return [[run, *pipelines, *others] for run in runs] + [[p, *others] for p in alone]


def _without_missing_pipelines(docs: list[Doc]) -> list[Doc]:
    """Drop PipelineRuns whose referenced Pipeline is not among the documents, each with a note."""
    given = {(d.get("metadata") or {}).get("name") for _, d in docs if d.get("kind") == "Pipeline"}
    kept: list[Doc] = []
    for source, doc in docs:
        ref = (doc.get("spec") or {}).get("pipelineRef") or {} if doc.get("kind") == "PipelineRun" else {}
        name = ref.get("name")
        if name and not ref.get("resolver") and name not in given:
            run = (doc.get("metadata") or {}).get("name") or (doc.get("metadata") or {}).get("generateName")
            print(
                f'note: {source}: PipelineRun {run} not checked: its Pipeline "{name}" is not in the files given',
                file=sys.stderr,
            )
            continue
        kept.append((source, doc))
    return kept


def _write_data(data: object, fmt: str) -> None:
    if fmt == "json":
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    from ruamel.yaml import YAML  # only this output needs it

    yaml = YAML()  # round-trip: keys keep their order
    yaml.default_flow_style = False
    yaml.representer.ignore_aliases = lambda _data: True
    yaml.dump(data, sys.stdout)


def main(args: argparse.Namespace) -> int:
    docs = read_valid_documents(args.filename, frozenset(args.feature), refuse=False)
    if not any(d.data.get("kind") in ("Pipeline", "PipelineRun") for d in docs):
        # pre-commit hands over every changed YAML file: a commit of `.gitlab-ci.yml` or a Task
        # alone has nothing to prove, and must not be blocked.
        print(f"note: no Pipeline or PipelineRun in {', '.join(args.filename)}: nothing to check", file=sys.stderr)
        return EXIT_OK
    given = [(d.source, d.data) for d in docs]
    if args.skip_missing_pipelines:
        given = _without_missing_pipelines(given)
        if not any(d.get("kind") in ("Pipeline", "PipelineRun") for _, d in given):
            print(f"note: no Pipeline or PipelineRun left to check in {', '.join(args.filename)}", file=sys.stderr)
            return EXIT_OK
    groups = _targets(given)
    reports = [check_documents(group, args.reporter) for group in groups]
    if args.output in ("json", "yaml"):
        data = [to_data(r, strict=args.strict) for r in reports]
        _write_data(data[0] if len(data) == 1 else data, args.output)
    else:
        width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
        sys.stdout.write("\n".join(format_text(r, strict=args.strict, width=width) for r in reports))
    return EXIT_OK if all(r.passed(strict=args.strict) for r in reports) else EXIT_FAILED
