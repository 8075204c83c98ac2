"""One TaskRun attempt's own state: its folders, mounts, cancel flag and running process.

Made when the engine starts the attempt (a cancel may come before its thread runs) and filled by
`prepare` with what its steps share; the executor forgets it once the attempt reported.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from finale.core.tekton.steps import TaskContext, isolated_workspaces, reads_step_exit_codes
from finale.engine.protocols import AttemptRequest

Mount = tuple[str, str]  # (folder on this machine, container path)


# A slotted class, not a dataclass: `finale run` starts faster without them (finale/record.py).
class Attempt:
    __slots__ = (
        "base",
        "cancelled",
        "ctx",
        "cwd_root",
        "isolated",
        "mounts",
        "process",
        "read_only",
        "request",
        "results_dir",
        "writes_exit_codes",
    )
    request: AttemptRequest
    cancelled: bool
    process: subprocess.Popen[bytes] | None  # the step running now, if any
    base: Path
    results_dir: Path
    cwd_root: Path  # the workspace folder when one is bound, else `base`
    mounts: list[Mount]  # every step's, results included
    isolated: dict[str, Mount]  # workspaces only some steps mount
    read_only: list[str]
    writes_exit_codes: bool  # a step reads $(steps.<name>.exitCode.path)
    ctx: TaskContext | None

    def __init__(self, request: AttemptRequest) -> None:
        self.request = request
        self.cancelled = False
        self.process = None
        self.base = self.results_dir = self.cwd_root = Path()
        self.mounts = []
        self.isolated = {}
        self.read_only = []
        self.writes_exit_codes = False
        self.ctx = None  # `prepare` fills the folders, mounts and context

    @property
    def name(self) -> str:
        return self.request.taskrun.name

    @property
    def context(self) -> TaskContext:
        assert self.ctx is not None, "prepare() first"
        return self.ctx


def prepare(attempt: Attempt, workdir: Path, spare: Path | None = None) -> None:
    """Make the attempt's folders and work out its mounts (only what is used: file-system calls
    are the dearest part of a small TaskRun). `spare` is a folder to use as its own: empty, or
    holding only an empty `results` folder when the Task declares results."""
    request = attempt.request
    tr = request.taskrun
    base = spare or workdir / f"{tr.name}.{request.retry_count}"
    results_dir, ws_root = base / "results", base / "workspace"
    if spare is None:
        base.mkdir(parents=True)
    if tr.task_spec.get("results"):
        results_dir.mkdir(exist_ok=spare is not None)
    bound = _bind_workspaces(request, ws_root)
    named = _named_mounts(attempt, bound)
    isolated = isolated_workspaces(tr.task_spec)
    attempt.base, attempt.results_dir = base, results_dir
    attempt.cwd_root = ws_root if bound else base
    attempt.mounts = [*(m for n, m in named.items() if n not in isolated), ("/tekton/results", str(results_dir))]
    attempt.isolated = {n: m for n, m in named.items() if n in isolated}
    attempt.read_only = [
        str(Path(bound[str(w.get("name"))]).resolve())
        for w in tr.task_spec.get("workspaces") or ()
        if w.get("readOnly") and str(w.get("name")) in bound
    ]
    attempt.writes_exit_codes = reads_step_exit_codes(tr.task_spec)
    attempt.ctx = _context(request, base)


def _bind_workspaces(request: AttemptRequest, ws_root: Path) -> dict[str, str]:
    bound = {name: path for name, path in request.workspaces.items() if path}
    if bound:
        ws_root.mkdir()
    for name, path in bound.items():
        Path(path).mkdir(parents=True, exist_ok=True)
        (ws_root / name).symlink_to(Path(path).resolve())
    return bound


def _named_mounts(attempt: Attempt, bound: dict[str, str]) -> dict[str, Mount]:
    return {
        str(w.get("name")): (
            str(w.get("mountPath") or f"/workspace/{w.get('name')}"),
            str(Path(bound[str(w.get("name"))]).resolve()),
        )
        for w in attempt.request.taskrun.task_spec.get("workspaces") or ()
        if str(w.get("name")) in bound
    }


def _context(request: AttemptRequest, base: Path) -> TaskContext:
    tr = request.taskrun
    return TaskContext(
        taskrun_name=tr.name,
        namespace=request.namespace,
        uid=request.run_uid,
        task_name=tr.task_ref or tr.name,
        retry_count=request.retry_count,
        results_dir=str(base / "results"),
        steps_dir=str(base / "steps"),
        workspace_paths={k: str(Path(v).resolve()) if v else "" for k, v in request.workspaces.items()},
    )


def emptied(folder: Path) -> bool | None:
    """Ready an attempt's folder for the next attempt: None if it holds anything but a `results`
    folder of plain files (it is removed instead), else whether that `results` folder is kept,
    its files removed (the results were read already)."""
    with os.scandir(folder) as entries:
        found = list(entries)
    if not found:
        return False
    if len(found) > 1 or found[0].name != "results" or not found[0].is_dir(follow_symlinks=False):
        return None
    with os.scandir(found[0].path) as entries:
        files = list(entries)
    if not all(f.is_file(follow_symlinks=False) for f in files):
        return None
    for f in files:
        os.unlink(f.path)
    return True
