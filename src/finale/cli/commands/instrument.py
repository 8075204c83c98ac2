"""`finale instrument`: add GitLab reporting in `finally` to a Pipeline, keeping the file's text."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from finale.adapters.yaml.instrument import Instrumented, instrument_text
from finale.adapters.yaml.load import parse_text
from finale.cli.error_handler import EXIT_OK
from finale.core.check.verdict import check_documents
from finale.core.instrument.plan import REPORTER_TASK, Options
from finale.errors import FinaleError, InputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-f",
        "--filename",
        dest="file",
        required=True,
        metavar="FILE",
        help="Pipeline or PipelineRun YAML, several documents allowed; '-' = stdin",
    )
    parser.add_argument("--in-place", action="store_true", help="rewrite FILE instead of printing the result")
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
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file (check the -f argument)") from None
    except IsADirectoryError:
        example = Path(path) / "pipeline.yaml"
        raise InputError(
            f"{path}: is a folder; instrument rewrites one file\n"
            f"  fix: pass the file that defines the Pipeline, e.g. -f {example}"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None


def format_notes(result: Instrumented) -> str:
    """What the user has to do next: pass the params we had to add."""
    lines = []
    for where, names in result.required_params:
        lines.append(
            f"note: {where}: added params {', '.join(names)}; pass them from the PipelineRun (or TriggerTemplate)"
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
    """One line when `finale check` still flags the output (e.g. existing reporters finale
    leaves alone); failing finally tasks are left out, they have their own warning."""
    try:
        docs = parse_text(text, source)
        report = check_documents([(d.source, d.data) for d in docs])
    except FinaleError:
        return ""  # several pipelines, or input check refuses: the user can run it per file
    flagged = [c for c in report.problems() if not c.outcome.scenario.finally_fails]
    if not flagged:
        return ""
    return (
        f"warning: {source}: the result still fails finale check: {len(flagged)} outcome "
        f"class(es) without exactly one right final status, first: {flagged[0].label}; "
        "run finale check on it for the details and fixes\n"
    )


def main(args: argparse.Namespace) -> int:
    if args.in_place and args.file == "-":
        raise InputError("--in-place needs a file, not '-' (stdin)\n  fix: drop --in-place")
    if not args.task_ref.strip():
        raise InputError("--task-ref: empty name\n  fix: give the status Task's name")
    options = Options(style=args.style, start_status=args.start_status, task_ref=args.task_ref, context=args.context)
    source = "<stdin>" if args.file == "-" else args.file
    original = _read(args.file)
    result = instrument_text(original, source, options)
    if args.in_place:
        if result.text != original:
            Path(args.file).write_text(result.text, encoding="utf-8")
    else:
        sys.stdout.write(result.text)
    sys.stderr.write(format_notes(result) + check_warning(result.text, source))
    return EXIT_OK
