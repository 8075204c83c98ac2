"""Printing: Tekton objects as YAML/JSON/names, live progress lines, and the summary table."""

from __future__ import annotations

import io
import json
import os
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from finale.core.tekton import objects as tekton_objects
from finale.core.tekton.reasons import ConditionStatus
from finale.core.tekton.run_result import RunResult
from finale.core.tekton.state import TaskRunState


def mask(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 3:
            text = text.replace(secret, "***")
    return text


def format_objects(result: RunResult, output: str) -> str:
    return format_objects_of([result], output)


def format_objects_of(results: list[RunResult], output: str) -> str:
    """Every run's PipelineRun and TaskRuns in one v1 List, as `kubectl get -o` prints several."""
    if output == "name":
        return "".join(line + "\n" for r in results for line in tekton_objects.names(r))
    data = tekton_objects.as_list(results[0])
    data["items"] = [item for r in results for item in tekton_objects.as_list(r)["items"]]
    if output == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    # No `&id001` anchors for values that happen to be shared: readers expect plain objects.
    yaml.representer.ignore_aliases = lambda data: True
    buf = io.StringIO()
    yaml.dump(data, buf)
    return buf.getvalue()


SUMMARY_HEADER = ("TASK", "TASKRUN", "STATUS", "REASON", "START", "DURATION")


def format_duration(seconds: float) -> str:
    """`0.4s`, `12.0s`, `2m5s`: short, like kubectl's ages."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m{rest}s" if minutes < 60 else f"{minutes // 60}h{minutes % 60}m"


def _clock(moment: float | None) -> str:
    return time.strftime("%H:%M:%S", time.localtime(moment)) if moment is not None else "-"


def summary_rows(result: RunResult) -> list[tuple[str, str, str, str, str, str]]:
    """One row per TaskRun (and per skipped task), in the Pipeline's order."""
    rows: list[tuple[str, str, str, str, str, str]] = []
    order = [t.name for t in result.spec.all_tasks()] if result.spec else list(result.taskruns)
    for name in order:
        for tr in result.taskruns.get(name, ()):
            took = format_duration(tr.end - tr.start) if tr.start is not None and tr.end is not None else "-"
            rows.append((name, tr.name, str(tr.status), str(tr.reason), _clock(tr.start), took))
        if name in result.skipped:
            rows.append((name, "-", "Skipped", str(result.skipped[name]), "-", "-"))
    return rows


def format_summary(result: RunResult) -> str:
    rows = [SUMMARY_HEADER, *summary_rows(result)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(SUMMARY_HEADER))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.append("")
    lines += run_verdict(result)
    return "\n".join(lines) + "\n"


def run_verdict(result: RunResult) -> list[str]:
    c = result.condition
    return [f"PipelineRun {result.run.name}: {c.reason} ({c.status})", c.message]


class ProgressPrinter:
    """Step logs as `[task : step] line`, and one line per TaskRun start/end/skip."""

    def __init__(self, stream: TextIO, secrets: Iterable[str] = (), quiet: bool = False) -> None:
        self.stream = stream
        self.secrets = list(secrets)
        self.quiet = quiet
        self.lock = threading.Lock()
        self.task_of: dict[str, str] = {}

    def _print(self, text: str) -> None:
        if self.quiet:
            return
        with self.lock:
            try:
                self.stream.write(mask(text, self.secrets) + "\n")
                self.stream.flush()
            except BrokenPipeError:
                # `finale run | head`: the reader left; the run goes on and its exit code
                # still tells how it ended.
                self.quiet = True
                silence(self.stream)

    def __enter__(self) -> ProgressPrinter:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def log_line(self, taskrun: str, step: str, line: str) -> None:
        task = self.task_of.get(taskrun, taskrun)
        self._print(f"[{task} : {step.removeprefix('step-')}] {line}")

    def taskrun_started(self, taskrun: TaskRunState) -> None:
        self.task_of[taskrun.name] = taskrun.pipeline_task
        self._print(f"--- {taskrun.pipeline_task}: started TaskRun {taskrun.name}")

    def taskrun_finished(self, taskrun: TaskRunState) -> None:
        self._print(
            f"--- {taskrun.pipeline_task}: {taskrun.reason}"
            + (f" ({taskrun.message})" if taskrun.status == ConditionStatus.FALSE else "")
        )

    def task_skipped(self, name: str, reason: str) -> None:
        self._print(f"--- {name}: skipped: {reason}")


class StepLogFiles:
    """With `--keep`: each step's output also in `<workdir>/logs/<taskrun>/<step>.log`, masked
    like the terminal's, so the kept folder holds what the run printed."""

    def __init__(self, root: Path, secrets: Iterable[str]) -> None:
        self.root = root
        self.secrets = list(secrets)
        self.lock = threading.Lock()
        self.files: dict[tuple[str, str], TextIO] = {}

    def log_line(self, taskrun: str, step: str, line: str) -> None:
        with self.lock:
            handle = self.files.get((taskrun, step))
            if handle is None:
                folder = self.root / taskrun
                folder.mkdir(parents=True, exist_ok=True)
                handle = (folder / f"{step.removeprefix('step-')}.log").open("a", encoding="utf-8")
                self.files[(taskrun, step)] = handle
            handle.write(mask(line, self.secrets) + "\n")

    def close(self) -> None:
        with self.lock:
            for handle in self.files.values():
                handle.close()
            self.files.clear()


def write(text: str, stream: TextIO | None = None) -> None:
    (stream or sys.stdout).write(text)


def write_to_reader(text: str, stream: TextIO) -> None:
    """Write, unless the reader has gone away (`| head`): then the rest is dropped."""
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        silence(stream)


def silence(stream: TextIO) -> None:
    """Point a closed pipe's descriptor at /dev/null, so that later writes and the flush at
    exit do not fail again."""
    try:
        fd = stream.fileno()
    except (OSError, ValueError):  # not a real file (in-process capture)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


__all__ = [
    "ProgressPrinter",
    "format_objects",
    "format_objects_of",
    "format_summary",
    "mask",
    "silence",
    "write",
    "write_to_reader",
]
