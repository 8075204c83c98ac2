"""`finale instrument`: add GitLab reporting in `finally` to a Pipeline, keeping the file's text."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from finale.adapters.instrument_yaml import Instrumented, instrument_text
from finale.cli.error_handler import EXIT_OK
from finale.core.instrument import REPORTER_TASK, Options
from finale.errors import InputError

NAME = "instrument"
HELP = "add finally tasks that report the pipeline's end to GitLab (keeps comments and layout)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-f", "--filename", dest="file", required=True, metavar="FILE",
                        help="Pipeline or PipelineRun YAML, several documents allowed; '-' = stdin")
    parser.add_argument("--in-place", action="store_true",
                        help="rewrite FILE instead of printing the result")
    parser.add_argument("--style", choices=("two-tasks", "one-task"), default="two-tasks",
                        help="two guarded finally tasks (failed/success, the default) or one "
                             "finally task passing $(tasks.status) as STATE")
    parser.add_argument("--start-status", action="store_true",
                        help="also post 'running' from a first task the others run after")
    parser.add_argument("--task-ref", default=REPORTER_TASK, metavar="NAME",
                        help=f"name of the status Task to reference (default: {REPORTER_TASK})")
    parser.add_argument("--context", metavar="NAME", default=None,
                        help="GitLab status name (CONTEXT); default: the existing reporter's, "
                             "else tekton-pipeline")


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file (check the -f argument)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None


def format_notes(result: Instrumented) -> str:
    """What the user has to do next: pass the params we had to add."""
    lines = []
    for where, names in result.required_params:
        lines.append(f"note: {where}: added params {', '.join(names)}; "
                     "pass them from the PipelineRun (or TriggerTemplate)")
    if not result.changed:
        lines.append("note: already reports to GitLab in finally; nothing to change")
    return "".join(line + "\n" for line in lines)


def main(args: argparse.Namespace) -> int:
    if args.in_place and args.file == "-":
        raise InputError("--in-place needs a file, not '-' (stdin)\n  fix: drop --in-place")
    if not args.task_ref.strip():
        raise InputError("--task-ref: empty name\n  fix: give the status Task's name")
    options = Options(style=args.style, start_status=args.start_status,
                      task_ref=args.task_ref, context=args.context)
    source = "<stdin>" if args.file == "-" else args.file
    original = _read(args.file)
    result = instrument_text(original, source, options)
    if args.in_place:
        if result.text != original:
            Path(args.file).write_text(result.text, encoding="utf-8")
    else:
        sys.stdout.write(result.text)
    sys.stderr.write(format_notes(result))
    return EXIT_OK
