"""`finale run` on a terminal: live task states with rich, colour, durations, a summary table.

Imported only when stdout is a terminal (rich costs start-up time); piped output keeps the
plain lines of `finale.cli.output.ProgressPrinter`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from typing import TextIO

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from finale.cli.output import SUMMARY_HEADER, format_duration, mask, run_verdict, summary_rows
from finale.core.tekton.run_result import RunResult
from finale.core.tekton.state import TaskRunState

_STYLES = {
    "waiting": "dim",
    "running": "yellow",
    "Succeeded": "green",
    "True": "green",
    "False": "red",
    "Skipped": "dim cyan",
}


class LiveProgress:
    """Which tasks wait, run, succeeded, failed or were skipped, redrawn in place; step logs
    scroll above it. Every method may be called from the executor's threads."""

    def __init__(self, tasks: Sequence[str], secrets: Iterable[str] = (), console: Console | None = None) -> None:
        self.console = console or Console(highlight=False)
        self.secrets = list(secrets)
        self.lock = threading.Lock()
        self.state: dict[str, tuple[str, str, float | None, float | None]] = {
            name: ("waiting", "", None, None) for name in tasks
        }
        self.task_of: dict[str, str] = {}
        self.live = Live(console=self.console, get_renderable=self._table, refresh_per_second=8, transient=True)

    def __enter__(self) -> LiveProgress:
        self.live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.stop()

    def _table(self) -> Table:
        table = Table(box=None, show_header=False, pad_edge=False)
        now = time.time()
        with self.lock:
            rows = list(self.state.items())
        for name, (status, detail, start, end) in rows:
            took = format_duration((end or now) - start) if start is not None else ""
            label = {"True": "succeeded", "False": "failed"}.get(status, status)
            table.add_row(Text(name), Text(label, style=_STYLES.get(status, "")), Text(took), Text(detail, style="dim"))
        return table

    def log_line(self, taskrun: str, step: str, line: str) -> None:
        task = self.task_of.get(taskrun, taskrun)
        prefix = Text(f"[{task} : {step.removeprefix('step-')}] ", style="cyan")
        self.console.print(prefix + Text(mask(line, self.secrets)), soft_wrap=True)

    def taskrun_started(self, taskrun: TaskRunState) -> None:
        self.task_of[taskrun.name] = taskrun.pipeline_task
        with self.lock:
            self.state[taskrun.pipeline_task] = ("running", taskrun.name, taskrun.start or time.time(), None)

    def taskrun_finished(self, taskrun: TaskRunState) -> None:
        detail = taskrun.reason + (f": {mask(taskrun.message, self.secrets)}" if taskrun.status == "False" else "")
        with self.lock:
            start = self.state.get(taskrun.pipeline_task, ("", "", None, None))[2]
            self.state[taskrun.pipeline_task] = (taskrun.status, detail, taskrun.start or start, taskrun.end)

    def task_skipped(self, name: str, reason: str) -> None:
        with self.lock:
            self.state[name] = ("Skipped", reason, None, None)


def print_summary(result: RunResult, secrets: Iterable[str], stream: TextIO | None = None) -> None:
    """The summary table in colour, then the PipelineRun's condition."""
    console = Console(file=stream, highlight=False)
    table = Table(header_style="bold")
    for title in SUMMARY_HEADER:
        table.add_column(title, justify="right" if title == "DURATION" else "left")
    secrets = list(secrets)
    for row in summary_rows(result):
        style = _STYLES.get(row[2], "")
        table.add_row(*(Text(mask(cell, secrets), style=style if i == 2 else "") for i, cell in enumerate(row)))
    console.print(table)
    verdict, message = run_verdict(result)
    console.print(Text(mask(verdict, secrets), style=_STYLES.get(result.condition.status, "bold")))
    console.print(Text(mask(message, secrets)))
