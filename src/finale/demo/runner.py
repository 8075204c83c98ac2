"""Run a PipelineRun with `finale run` in a child process and read back how it ended.

A child process keeps the engine's steps, signals and output apart from the caller
(the demo's progress display, or a test's captured output). It runs in its own process
group, which the caller stops when interrupted (Ctrl-C) or out of time.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from finale.errors import ExecutorError

# Lines of `finale run`'s stderr that announce a TaskRun starting, ending or being skipped.
# (With `-o json` the engine may stay quiet; the caller then only sees the final result.)
EVENT_PREFIX = "--- "


@dataclass(frozen=True, slots=True, kw_only=True)
class RunResult:
    """Exit code, the PipelineRun's final condition, and each TaskRun's reason."""

    exit_code: int
    status: str = ""
    reason: str = ""
    message: str = ""
    task_reasons: Mapping[str, str] = field(default_factory=dict)
    skipped: Mapping[str, str] = field(default_factory=dict)
    stdout: str = ""
    stderr: str = ""

    def summary(self) -> str:
        if not self.reason:
            return f"finale run exited {self.exit_code}"
        return f"{self.reason} ({self.message})" if self.message else self.reason


def run_command(files: Sequence[Path], extra_args: Sequence[str] = ()) -> list[str]:
    """The argv of one `finale run`; it carries file names only, never a secret."""
    argv = [sys.executable, "-m", "finale", "run"]
    for path in files:
        argv += ["-f", str(path)]
    return [*argv, "-o", "json", *extra_args]


def start_run(files: Sequence[Path], extra_args: Sequence[str] = (), *, cwd: Path) -> subprocess.Popen[str]:
    try:
        return subprocess.Popen(
            run_command(files, extra_args),
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            # Its own process group: stopping it reaches everything it started.
            start_new_session=True,
        )
    except OSError as exc:
        raise ExecutorError(f"could not start finale run: {exc}") from exc


def finish_run(
    process: subprocess.Popen[str],
    timeout: float | None = None,
    on_event: Callable[[str], None] | None = None,
) -> RunResult:
    """Wait for the child and parse its `-o json` output.

    Its stderr is read line by line as it comes, so `on_event` can show each TaskRun
    starting and ending (the engine's `--- <task>: ...` lines) while the run goes on.
    """
    out: list[str] = []
    err: list[str] = []
    pumps = [
        threading.Thread(target=_pump, args=(process.stdout, out, None), daemon=True),
        threading.Thread(target=_pump, args=(process.stderr, err, on_event), daemon=True),
    ]
    for pump in pumps:
        pump.start()
    process.wait(timeout=timeout)
    for pump in pumps:
        pump.join()
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()
    return parse_run_output(process.returncode, "".join(out), "".join(err))


def _pump(stream: IO[str] | None, into: list[str], on_event: Callable[[str], None] | None) -> None:
    if stream is None:
        return
    # The stream may be closed under us when the run is being stopped: that ends the pump.
    with contextlib.suppress(ValueError, OSError):
        for line in stream:
            into.append(line)
            if on_event is not None and line.startswith(EVENT_PREFIX):
                on_event(line[len(EVENT_PREFIX) :].rstrip())


def run_pipeline(
    files: Sequence[Path],
    extra_args: Sequence[str] = (),
    *,
    cwd: Path,
    timeout: float = 120,
    on_event: Callable[[str], None] | None = None,
) -> RunResult:
    process = start_run(files, extra_args, cwd=cwd)
    try:
        return finish_run(process, timeout, on_event)
    except subprocess.TimeoutExpired as exc:
        raise ExecutorError(f"finale run did not finish within {timeout:g} s") from exc
    finally:
        stop_process(process)


def stop_process(process: subprocess.Popen[str], grace: float = 5) -> None:
    """Make sure the child is gone (it normally is), with the steps it started.

    `finale run` takes a second Ctrl-C as a hard cancel: it kills its running steps (each
    in its own process group) and ends. Only if it does not end in time is its group killed.
    """
    for _ in range(2):
        if process.poll() is not None:
            break
        process.send_signal(signal.SIGINT)
        # Two signals arriving together are handled once; let the first one land.
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=0.3)
    if process.poll() is None:
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait()
    for stream in (process.stdout, process.stderr):
        if stream is not None and not stream.closed:
            with contextlib.suppress(OSError):
                stream.close()


def _signal_group(process: subprocess.Popen[str], signum: int) -> None:
    # Only called while the child is unreaped, so its group id cannot belong to anyone else.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def parse_run_output(exit_code: int, stdout: str, stderr: str) -> RunResult:
    """Pick the PipelineRun condition and TaskRun reasons out of the JSON `List`."""
    items = _items(stdout)
    result = RunResult(exit_code=exit_code, stdout=stdout, stderr=stderr)
    runs = [i for i in items if i.get("kind") == "PipelineRun"]
    if not runs:
        return result
    status = runs[0].get("status") or {}
    condition = _condition(status)
    skipped = {s.get("name", ""): s.get("reason", "") for s in status.get("skippedTasks") or []}
    return RunResult(
        exit_code=exit_code,
        status=str(condition.get("status", "")),
        reason=str(condition.get("reason", "")),
        message=str(condition.get("message", "")),
        task_reasons=_task_reasons(items),
        skipped=skipped,
        stdout=stdout,
        stderr=stderr,
    )


def _items(stdout: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(stdout)
    except ValueError:
        return []
    if isinstance(data, dict) and data.get("kind") == "List":
        return [i for i in data.get("items") or [] if isinstance(i, dict)]
    return [data] if isinstance(data, dict) else []


def _condition(status: Mapping[str, Any]) -> Mapping[str, Any]:
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Succeeded":
            return dict(condition)
    return {}


def _task_reasons(items: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    reasons: dict[str, str] = {}
    for item in items:
        if item.get("kind") != "TaskRun":
            continue
        labels = (item.get("metadata") or {}).get("labels") or {}
        task = labels.get("tekton.dev/pipelineTask", "")
        reasons[task] = str(_condition(item.get("status") or {}).get("reason", ""))
    return reasons
