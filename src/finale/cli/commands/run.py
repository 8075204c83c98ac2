"""`finale run`: execute a PipelineRun on this machine and print Tekton-shaped objects."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from finale.adapters.executor.local import LocalExecutor
from finale.adapters.executor.secrets import KeyStore, load_keystore
from finale.adapters.executor.workspaces import bind_workspaces
from finale.adapters.yaml.load import SourceDoc
from finale.cli.common import add_feature_argument, add_files_argument, read_valid_documents
from finale.cli.error_handler import EXIT_FAILED, EXIT_OK
from finale.cli.interrupts import Interrupts
from finale.cli.output import (
    ProgressPrinter,
    StepLogFiles,
    format_objects_of,
    format_summary,
    mask,
    write_to_reader,
)
from finale.clock import SystemClock
from finale.core.tekton.catalog import RunInputs, assemble
from finale.core.tekton.durations import parse_duration
from finale.core.tekton.model import SpecStatus
from finale.core.tekton.reasons import ConditionStatus
from finale.core.tekton.run_result import RunResult
from finale.core.tekton.selection import name_bare_run, select_runs
from finale.engine.loop import Control, Engine
from finale.errors import InputError
from finale.record import replace

TYPE_CHECKING = False
if TYPE_CHECKING:
    from finale.cli.tty import LiveProgress

CANCEL_MODES = ("Cancelled", "CancelledRunFinally", "StoppedRunFinally")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_files_argument(
        parser,
        "YAML/JSON with the PipelineRun and the Pipeline/Tasks/Secrets it uses; a folder means its "
        "YAML/JSON files; - for stdin (repeatable)",
    )
    parser.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a Pipeline param (JSON arrays/objects allowed; repeatable)",
    )
    parser.add_argument(
        "-w",
        "--workspace",
        action="append",
        default=[],
        metavar="NAME=DIR",
        help="bind a workspace to a folder (repeatable; others get a fresh folder)",
    )
    parser.add_argument(
        "-o",
        "--output",
        choices=("yaml", "json", "name"),
        help="print the PipelineRun and TaskRuns as a v1 List (name: one line per object)",
    )
    parser.add_argument("--timeout", metavar="DURATION", help="set timeouts.pipeline (Go duration, e.g. 10m)")
    parser.add_argument(
        "--parallel",
        type=_count,
        default=16,
        metavar="N",
        help="TaskRuns running at once (default 16)",
    )
    parser.add_argument(
        "--cancel-after",
        metavar="DURATION",
        help="set spec.status after this long, as kubectl patch would",
    )
    parser.add_argument(
        "--cancel-mode",
        choices=CANCEL_MODES,
        default="CancelledRunFinally",
        help="the spec.status --cancel-after sets (default CancelledRunFinally)",
    )
    parser.add_argument(
        "--name",
        metavar="NAME",
        help="run only the PipelineRun of this name; for a bare Pipeline, the name of the PipelineRun "
        "made for it (default <pipeline>-run)",
    )
    parser.add_argument(
        "-n",
        "--namespace",
        metavar="NAMESPACE",
        help="the PipelineRun's namespace, as kubectl -n sets it ($(context.pipelineRun.namespace); default: default)",
    )
    add_feature_argument(parser)
    parser.add_argument("--keep", action="store_true", help="keep the run's working folder (logs, results, scripts)")


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a count of TaskRuns; fix: give 1 or more")
    return value


def _require_something_to_run(paths: list[str], docs: list[SourceDoc]) -> None:
    """Name what the files held when none of it can run, instead of a bare "not found"."""
    if any(d.data.get("kind") in ("PipelineRun", "Pipeline") for d in docs):
        return
    objects = [f"{d.data.get('kind', '?')}/{_name_of(d.data)}" for d in docs]
    found = ", ".join(objects[:5]) + (f" and {len(objects) - 5} more" if len(objects) > 5 else "")
    raise InputError(
        f"{', '.join(paths)}: no PipelineRun or Pipeline in the files given with -f (found: {found or 'no objects'})\n"
        "  fix: add the file holding the PipelineRun, or the Pipeline to run with its defaults"
    )


def _name_of(data: Mapping[str, Any]) -> str:
    meta = data.get("metadata")
    return str(meta.get("name") or meta.get("generateName") or "?") if isinstance(meta, dict) else "?"


def _pairs(values: list[str], flag: str) -> dict[str, str]:
    shape, example = ("NAME=DIR", "./{name}") if flag == "-w" else ("NAME=VALUE", "VALUE (JSON for arrays and objects)")
    out: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            hint = f"{flag} {name or 'NAME'}={example.format(name=name or 'NAME')}"
            raise InputError(f"{flag} {item}: expected {shape}\n  fix: e.g. {hint}")
        out[name] = value
    return out


def main(args: argparse.Namespace) -> int:
    features = frozenset(args.feature)
    docs = read_valid_documents(args.filename, features, refuse=True)
    _require_something_to_run(args.filename, docs)
    plain = [(d.source, d.data) for d in docs]
    keystore = load_keystore(plain)
    # Steps get this machine's environment; a GITLAB_TOKEN set there for `finale report` is as
    # secret as any Secret's value, so whatever a step prints of it is masked too.
    secrets = [*keystore.secret_values(), os.environ.get("GITLAB_TOKEN", "").strip()]
    groups = select_runs(plain, name=args.name, namespace=args.namespace)
    # Every run is assembled before the first starts: a missing Task in the second run is
    # bad input, found before anything ran.
    all_inputs = [_inputs(group, args) for group in groups]
    results: list[RunResult] = []
    for inputs in all_inputs:
        result, interrupted = _execute(inputs, args, keystore, secrets, features)
        results.append(result)
        if not args.output:
            _print_summary(result, secrets)
        if interrupted:
            break  # Ctrl-C stops this run and starts no other
    if args.output:
        write_to_reader(mask(format_objects_of(results, args.output), secrets), sys.stdout)
    return EXIT_OK if all(r.condition.status == ConditionStatus.TRUE for r in results) else EXIT_FAILED


def _inputs(group: list[tuple[str, Mapping[str, Any]]], args: argparse.Namespace) -> RunInputs:
    inputs = assemble(group, _pairs(args.param, "-p"))
    if inputs.bare_pipeline:
        run = name_bare_run(inputs.run, name=args.name, namespace=args.namespace)
        inputs = replace(inputs, run=run)
    return _with_timeout(inputs, args.timeout) if args.timeout else inputs


def _execute(
    inputs: RunInputs,
    args: argparse.Namespace,
    keystore: KeyStore,
    secrets: list[str],
    features: frozenset[str],
) -> tuple[RunResult, bool]:
    """One PipelineRun from start to end: (its result, whether Ctrl-C was pressed)."""
    cancel_at = None
    if args.cancel_after:
        cancel_at = (time.time() + _duration(args.cancel_after, "--cancel-after"), SpecStatus(args.cancel_mode))
    workdir = Path(tempfile.mkdtemp(prefix="finale-run-"))
    printer = _progress(inputs, args, secrets)
    log_files = StepLogFiles(workdir / "logs", secrets) if args.keep else None
    log = printer.log_line if log_files is None else _both(printer.log_line, log_files.log_line)
    executor: LocalExecutor | None = None
    try:
        run_ws = bind_workspaces(inputs, _pairs(args.workspace, "-w"), workdir, keystore)
        executor = LocalExecutor(
            workdir,
            keystore,
            parallel=args.parallel,
            log=log,
            sidecar_logs="results-from=sidecar-logs" in features,
            tidy=not args.keep,
        )
        control = Control()
        if sys.stdout.isatty() and not args.output:
            print("note: steps run on this machine with its tools, not in their container images")
        engine = Engine(
            inputs.run,
            inputs.raw_spec,
            inputs.task_specs,
            run_ws,
            executor,
            SystemClock(),
            control=control,
            progress=printer,
            cancel_at=cancel_at,
        )
        with Interrupts(control) as interrupts, printer:
            result = engine.execute()
    finally:
        if executor is not None:
            executor.close()
        if log_files is not None:
            log_files.close()
            print(f"working folder kept: {workdir} (step logs in {workdir / 'logs'})", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return result, interrupts.count > 0


def _on_terminal(args: argparse.Namespace) -> bool:
    return not args.output and sys.stdout.isatty()


def _progress(inputs: RunInputs, args: argparse.Namespace, secrets: list[str]) -> ProgressPrinter | LiveProgress:
    if not _on_terminal(args):
        return ProgressPrinter(sys.stderr if args.output else sys.stdout, secrets, quiet=bool(args.output))
    from finale.cli.tty import LiveProgress  # rich only on a terminal: it costs start-up time

    names = [str(t.get("name")) for key in ("tasks", "finally") for t in inputs.raw_spec.get(key) or ()]
    return LiveProgress(names, secrets)


def _print_summary(result: RunResult, secrets: list[str]) -> None:
    if sys.stdout.isatty():
        from finale.cli.tty import print_summary

        print_summary(result, secrets)
    else:
        write_to_reader(mask(format_summary(result), secrets), sys.stdout)


def _both(*logs: Callable[[str, str, str], None]) -> Callable[[str, str, str], None]:
    def log(taskrun: str, step: str, line: str) -> None:
        for each in logs:
            each(taskrun, step, line)

    return log


def _duration(text: str, flag: str) -> float:
    try:
        return parse_duration(text)
    except ValueError:
        raise InputError(f"{flag} {text}: not a duration (use Go syntax, e.g. 30s, 5m, 1h30m)") from None


def _with_timeout(inputs: RunInputs, text: str) -> RunInputs:
    from finale.core.tekton.parse import timeouts

    _duration(text, "--timeout")
    spec = dict(inputs.run.raw.get("spec") or {})
    spec["timeouts"] = {**(spec.get("timeouts") or {}), "pipeline": text}
    return replace(inputs, run=replace(inputs.run, timeouts=timeouts(spec)))
