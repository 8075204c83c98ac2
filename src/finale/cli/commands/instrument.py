"""`finale instrument`: add GitLab reporting in `finally` to a Pipeline, keeping the file's text."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from finale.adapters.yaml.instrument import PLACEHOLDER, Instrumented, instrument_text
from finale.adapters.yaml.load import parse_text, read_text
from finale.cli.common import InvalidDocumentError, add_feature_argument, is_kubernetes_object, refuse_unsupported
from finale.cli.error_handler import EXIT_OK
from finale.core.check.verdict import check_documents
from finale.core.instrument.plan import REPORTER_TASK, Options
from finale.core.tekton.unsupported import find_unsupported
from finale.core.validation.document import validate_document
from finale.errors import FinaleError, InputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-f",
        "--filename",
        dest="files",
        action="extend",
        nargs="+",
        required=True,
        metavar="FILE",
        help="Pipeline or PipelineRun YAML, several documents allowed; '-' = stdin (repeatable)",
    )
    parser.add_argument("--in-place", action="store_true", help="rewrite each FILE instead of printing the result")
    add_feature_argument(parser)
    parser.add_argument(
        "--style",
        choices=("two-tasks", "one-task"),
        default="two-tasks",
        help="two guarded finally tasks (failed/success, the default) or one "
        "finally task passing $(tasks.status) as STATE",
    )
    parser.add_argument(
        "--start-status", action="store_true", help="also post 'running' from a first task the others run after"
    )
    parser.add_argument(
        "--task-ref",
        default=REPORTER_TASK,
        metavar="NAME",
        help=f"name of the status Task to reference (default: {REPORTER_TASK})",
    )
    parser.add_argument(
        "--context",
        metavar="NAME",
        default=None,
        help="GitLab status name (CONTEXT); default: the existing reporter's, else tekton-pipeline",
    )


def _read(path: str) -> str:
    if path != "-" and Path(path).is_dir():
        example = Path(path) / "pipeline.yaml"
        raise InputError(
            f"{path}: is a folder; instrument rewrites one file\n"
            f"  fix: pass the file that defines the Pipeline, e.g. -f {example}"
        )
    return read_text(path)  # CRLF kept: the rewrite gives every line its ending back


def format_notes(result: Instrumented) -> str:
    """What the user has to do next: pass the params we had to add."""
    lines = []
    for where, names in result.required_params:
        lines.append(
            f"note: {where}: added params {', '.join(names)}; pass them from the PipelineRun (or TriggerTemplate)"
        )
    for where, names in result.run_placeholders:
        lines.append(
            f"note: {where}: gave the new params {', '.join(names)} the value {PLACEHOLDER}; "
            "set their real values there (or with finale run -p NAME=VALUE)"
        )
    lines += [
        f"note: {where}: the finally reporters now post canceled for $(tasks.status) = "
        "Completed: no DAG task has a when or a matrix, so only a graceful stop gives "
        "Completed, and that run ends Cancelled"
        for where in result.completed_fixed
    ]
    if not result.changed:
        lines.append("note: already reports to GitLab in finally; nothing to change")
    lines += [_failing_warning(where, names) for where, names in result.failing_finally]
    return "".join(line + "\n" for line in lines)


def _failing_warning(where: str, names: tuple[str, ...]) -> str:
    one = len(names) == 1
    tasks = f"finally task{'' if one else 's'} {', '.join(names)}"
    return (
        f"warning: {where}: {tasks} can fail after GitLab was told success, and the run "
        f"then ends Failed; give {'it' if one else 'them'} onError: continue "
        "(left unchanged)"
    )


def check_warning(text: str, source: str) -> str:
    """One line per pipeline that `finale check` still flags (e.g. existing reporters finale
    leaves alone), counting its problems exactly as `finale check` does."""
    lines = []
    for doc in parse_text(text, source):
        if doc.data.get("kind") not in ("Pipeline", "PipelineRun") or find_unsupported(
            [(doc.source, doc.data)], running=False
        ):
            continue
        try:
            report = check_documents([(doc.source, doc.data)])
        except FinaleError:
            continue  # a PipelineRun with a pipelineRef: checked with its Pipeline, not here
        flagged = report.problems()
        if flagged:
            count = len(report.counterexamples(limits=False))
            lines.append(
                f"warning: {doc.source}: the result still fails finale check: {count} problem(s), "
                f"first when {flagged[0].label}; "
                "run finale check on it for the details and fixes\n"
            )
    return "".join(lines)


def _validated(path: str, features: frozenset[str]) -> tuple[str, str]:
    """(source, text) of one file, refused unless it is valid Tekton, as `run` and `check` do."""
    source = "<stdin>" if path == "-" else path
    text = _read(path)
    docs = parse_text(text, source)
    refuse_unsupported(docs)
    for doc in docs:
        errors = validate_document(doc.data, features=features) if is_kubernetes_object(doc.data) else []
        if errors:
            raise InvalidDocumentError(doc.source, errors)
    return source, text


def main(args: argparse.Namespace) -> int:
    if args.in_place and "-" in args.files:
        raise InputError("--in-place needs a file, not '-' (stdin)\n  fix: drop --in-place")
    if not args.task_ref.strip():
        raise InputError("--task-ref: empty name\n  fix: give the status Task's name")
    options = Options(style=args.style, start_status=args.start_status, task_ref=args.task_ref, context=args.context)
    features = frozenset(args.feature)
    # Every file is read, validated and instrumented before any is written: one bad file
    # leaves all of them untouched.
    inputs = [_validated(path, features) for path in args.files]
    results = [(source, original, instrument_text(original, source, options)) for source, original in inputs]
    for index, (source, original, result) in enumerate(results):
        if args.in_place:
            if result.text != original:
                Path(source).write_text(result.text, encoding="utf-8", newline="")
        else:
            separator = "---\n" if index and not result.text.startswith("---") else ""
            sys.stdout.write(separator + result.text)
        sys.stderr.write(format_notes(result) + check_warning(result.text, source))
    return EXIT_OK
