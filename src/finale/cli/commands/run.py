"""`finale run`: execute a PipelineRun on this machine and print Tekton-shaped objects."""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType
from typing import Any

from finale.adapters.local_executor import LocalExecutor
from finale.adapters.secrets import KeyStore, load_keystore
from finale.cli.common import add_feature_argument, add_files_argument, read_valid_documents
from finale.cli.error_handler import EXIT_FAILED, EXIT_OK
from finale.cli.output import ProgressPrinter, format_objects, format_summary, mask
from finale.core.catalog import RunInputs, assemble
from finale.core.durations import parse_duration
from finale.core.model import SpecStatus
from finale.engine import Control, Engine
from finale.errors import InputError

NAME = "run"
HELP = "Run a PipelineRun (or a bare Pipeline) locally: steps as processes, workspaces as folders."

CANCEL_MODES = ("Cancelled", "CancelledRunFinally", "StoppedRunFinally")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_files_argument(
        parser, "YAML/JSON with the PipelineRun and the Pipeline/Tasks/Secrets it uses (repeatable; - for stdin)"
    )
    parser.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a Pipeline param",
    )
    parser.add_argument(
        "-w",
        "--workspace",
        action="append",
        default=[],
        metavar="NAME=DIR",
        help="bind a workspace to a folder",
    )
    parser.add_argument(
        "-o",
        "--output",
        choices=("yaml", "json", "name"),
        help="print the PipelineRun and TaskRuns as a v1 List",
    )
    parser.add_argument("--timeout", metavar="DURATION", help="set timeouts.pipeline (Go duration, e.g. 10m)")
    parser.add_argument(
        "--parallel",
        type=int,
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
        help="the spec.status --cancel-after sets",
    )
    add_feature_argument(parser)
    parser.add_argument("--keep", action="store_true", help="keep the run's working folder (logs, results, scripts)")


def _pairs(values: list[str], flag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise InputError(f"{flag} {item}: expected NAME=VALUE")
        out[name] = value
    return out


def _workspaces(inputs: RunInputs, cli: dict[str, str], workdir: Path, keystore: KeyStore) -> dict[str, str]:
    """-w binds folders; other bindings (emptyDir, PVC, Secret, ConfigMap) get a fresh folder."""
    declared = [str(w.get("name")) for w in inputs.raw_spec.get("workspaces") or ()]
    for name in cli:
        if name not in declared:
            raise InputError(
                f'-w {name}: the Pipeline declares no workspace "{name}" (declared: {", ".join(declared) or "none"})'
            )
    bound: dict[str, str] = {}
    for binding in inputs.run.workspaces:
        name = str(binding.get("name"))
        folder = workdir / "workspaces" / name
        folder.mkdir(parents=True, exist_ok=True)
        for kind, key in (("Secret", "secret"), ("ConfigMap", "configMap")):
            source = binding.get(key)
            if isinstance(source, dict):
                data = keystore.get(kind, str(source.get("secretName") or source.get("name") or ""))
                for k, v in (data or {}).items():
                    (folder / k).write_text(v)
        sub = str(binding.get("subPath") or "")
        bound[name] = str(folder / sub) if sub else str(folder)
    if inputs.bare_pipeline:
        for name in declared:
            if name not in bound:
                folder = workdir / "workspaces" / name
                folder.mkdir(parents=True, exist_ok=True)
                bound[name] = str(folder)
    for name, path in cli.items():
        Path(path).mkdir(parents=True, exist_ok=True)
        bound[name] = str(Path(path).resolve())
    return bound


class _Clock:
    def now(self) -> float:
        return time.time()


def main(args: argparse.Namespace) -> int:
    features = frozenset(args.feature)
    docs = read_valid_documents(args.filename, features)
    keystore = load_keystore((d.source, d.data) for d in docs)
    inputs = assemble([(d.source, d.data) for d in docs], _pairs(args.param, "-p"))
    if args.timeout:
        inputs = _with_timeout(inputs, args.timeout)
    cancel_at = None
    if args.cancel_after:
        cancel_at = (
            time.time() + _duration(args.cancel_after, "--cancel-after"),
            SpecStatus(args.cancel_mode),
        )
    workdir = Path(tempfile.mkdtemp(prefix="finale-run-"))
    secrets = keystore.secret_values()
    printer = ProgressPrinter(sys.stderr if args.output else sys.stdout, secrets, quiet=bool(args.output))
    try:
        run_ws = _workspaces(inputs, _pairs(args.workspace, "-w"), workdir, keystore)
        executor = LocalExecutor(
            workdir,
            keystore,
            parallel=args.parallel,
            log=printer.log_line,
            sidecar_logs="results-from=sidecar-logs" in features,
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
            _Clock(),
            control=control,
            progress=printer,
            cancel_at=cancel_at,
        )
        with _interrupts(control):
            result = engine.execute()
        executor.wait_idle()
    finally:
        if args.keep:
            print(f"working folder kept: {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.output:
        sys.stdout.write(mask(format_objects(result, args.output), secrets))
    else:
        sys.stdout.write(mask(format_summary(result), secrets))
    return EXIT_OK if result.condition.status == "True" else EXIT_FAILED


def _duration(text: str, flag: str) -> float:
    try:
        return parse_duration(text)
    except ValueError:
        raise InputError(f"{flag} {text}: not a duration (use Go syntax, e.g. 30s, 5m, 1h30m)") from None


def _with_timeout(inputs: RunInputs, text: str) -> RunInputs:
    from dataclasses import replace

    from finale.core.parse import timeouts

    _duration(text, "--timeout")
    spec = dict(inputs.run.raw.get("spec") or {})
    spec["timeouts"] = {**(spec.get("timeouts") or {}), "pipeline": text}
    return replace(inputs, run=replace(inputs.run, timeouts=timeouts(spec)))


class _interrupts:
    """First Ctrl-C: CancelledRunFinally (finally still runs); second: Cancelled."""

    def __init__(self, control: Control) -> None:
        self.control = control
        self.count = 0
        self.previous: Any = None

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        self.count += 1
        mode = SpecStatus.CANCELLED_RUN_FINALLY if self.count == 1 else SpecStatus.CANCELLED
        print(
            f"\ninterrupt: setting spec.status to {mode} (Ctrl-C again to cancel hard)",
            file=sys.stderr,
        )
        self.control.set_status(mode)

    def __enter__(self) -> _interrupts:
        try:
            self.previous = signal.signal(signal.SIGINT, self._handler)
        except ValueError:  # not the main thread (tests): no signal handling
            self.previous = None
        return self

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
