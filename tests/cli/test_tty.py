"""`finale run` on a terminal (rich live view and colour summary) and piped (plain lines, no rich)."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from finale.cli.main import main
from finale.cli.tty import LiveProgress
from finale.core.tekton.state import TaskRunState

RUN = """\
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: tty}
spec:
  pipelineSpec:
    tasks:
      - name: build
        taskSpec:
          steps: [{name: s, image: alpine, script: "echo '[red]s3cret[/red]'"}]
      - name: lint
        when: [{input: a, operator: in, values: [b]}]
        taskSpec:
          steps: [{name: s, image: alpine, script: "true"}]
"""


def _console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=True, width=100, color_system="standard", highlight=False), out


def test_live_view_shows_waiting_running_done_and_skipped() -> None:
    console, out = _console()
    progress = LiveProgress(["build", "test", "lint"], secrets=["s3cret"], console=console)
    assert [str(c) for c in progress._table().columns[1].cells] == ["waiting", "waiting", "waiting"]
    progress.taskrun_started(TaskRunState(name="r-build", pipeline_task="build", start=100.0))
    progress.log_line("r-build", "step-s", "[red]s3cret[/red] value")
    progress.task_skipped("lint", "When Expressions evaluated to false")
    progress.taskrun_finished(
        TaskRunState(name="r-build", pipeline_task="build", status="True", reason="Succeeded", start=100.0, end=102.5)
    )
    table = progress._table()
    assert [str(c) for c in table.columns[1].cells] == ["succeeded", "waiting", "Skipped"]
    assert [str(c) for c in table.columns[2].cells] == ["2.5s", "", ""]
    # Step output is text, never rich markup, and secrets are masked.
    assert "[build : s] [red]***[/red] value" in out.getvalue()


def _run_on_a_terminal(path: Path) -> str:
    """`finale run` with stdout on a pseudo-terminal, as a user at a terminal sees it."""
    main_fd, child_fd = os.openpty()
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "finale", "run", "-f", str(path)], stdout=child_fd, stderr=child_fd, env=env
    )
    os.close(child_fd)
    chunks = []
    while True:
        try:
            chunk = os.read(main_fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main_fd)
    assert proc.wait(timeout=120) == 0
    return b"".join(chunks).decode("utf-8", "replace")


def test_terminal_gets_colour_and_the_summary_table(tmp_path: Path) -> None:
    path = tmp_path / "run.yaml"
    path.write_text(RUN)
    screen = _run_on_a_terminal(path)
    assert "\x1b[" in screen  # colour
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen)
    header = next(line for line in plain.splitlines() if "TASKRUN" in line)
    assert header.replace("┃", " ").split() == ["TASK", "TASKRUN", "STATUS", "REASON", "START", "DURATION"]
    assert "PipelineRun tty: Completed (True)\r\n" in plain  # a skipped task: Completed
    assert "s3cret" in screen  # not a Secret here: only masked values are hidden
    assert "[red]" in screen  # step output shown as text, never read as markup


def test_plain_summary_when_piped(tmp_path: Path, capsys) -> None:
    path = tmp_path / "run.yaml"
    path.write_text(RUN)
    assert main(["run", "-f", str(path)]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if line.startswith("TASK"))
    assert header.split() == ["TASK", "TASKRUN", "STATUS", "REASON", "START", "DURATION"]
    assert "\x1b[" not in out  # no colour codes in a pipe
    assert "--- build: started TaskRun tty-build" in out


def test_piped_run_never_imports_rich(tmp_path: Path) -> None:
    path = tmp_path / "run.yaml"
    path.write_text(RUN)
    code = (
        "import sys; from finale.cli.main import main; code = main(['run', '-f', sys.argv[1]]); "
        "print('rich loaded:', 'rich' in sys.modules); sys.exit(code)"
    )
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("rich loaded: False\n")
