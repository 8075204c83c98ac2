"""Steps as local processes: one thread per TaskRun attempt, one process group per step.

Steps run on this machine, not in their `image`. Workspaces are folders, results are files
under a per-attempt folder that `$(results.r.path)` points to.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from finale.adapters.executor.results import TerminationWatch, read_results
from finale.adapters.executor.secrets import KeyStore
from finale.adapters.executor.step_command import StepStartError, step_command
from finale.adapters.executor.step_process import kill_group, pump_output
from finale.adapters.executor.step_shell import read_only
from finale.core.tekton.durations import format_duration, parse_duration
from finale.core.tekton.reasons import TaskRunReason
from finale.core.tekton.state import StepState
from finale.core.tekton.steps import StepPlan, TaskContext, isolated_workspaces, plan_steps
from finale.engine.protocols import AttemptOutcome, AttemptRequest

LogSink = Callable[[str, str, str], None]  # (taskrun, step, line)


@dataclass
class _Live:
    cancelled: bool = False
    process: subprocess.Popen[bytes] | None = None


class LocalExecutor:
    def __init__(
        self,
        workdir: Path,
        keystore: KeyStore,
        parallel: int = 16,
        log: LogSink | None = None,
        *,
        sidecar_logs: bool = False,  # feature flag results-from: sidecar-logs
        tidy: bool = False,  # remove each attempt's folder once it reported
    ) -> None:
        self.workdir = workdir
        self.tidy = tidy
        self.sidecar_logs = sidecar_logs
        self.keystore = keystore
        self.slots = threading.Semaphore(max(1, parallel))
        self.log = log
        self.live: dict[str, _Live] = {}
        self.lock = threading.Lock()
        self.threads: list[threading.Thread] = []
        self.exit_code_readers: set[str] = set()
        self.read_only: dict[str, list[str]] = {}
        self.mounts: dict[str, list[tuple[str, str]]] = {}
        self.isolated: dict[str, dict[str, tuple[str, str]]] = {}  # workspaces only some steps mount

    def start(self, request: AttemptRequest, done: Callable[[AttemptOutcome], None]) -> None:
        with self.lock:
            self.live[request.taskrun.name] = _Live()
            if "exitCode.path" in repr(request.taskrun.task_spec):
                self.exit_code_readers.add(request.taskrun.name)
        thread = threading.Thread(target=self._run, args=(request, done), daemon=True)
        self.threads = [t for t in self.threads if t.is_alive()]
        self.threads.append(thread)
        thread.start()

    def cancel(self, taskrun_name: str) -> None:
        with self.lock:
            live = self.live.get(taskrun_name)
            if live is None:
                return
            live.cancelled = True
            if live.process is not None:
                kill_group(live.process)

    def wait_idle(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        for thread in list(self.threads):
            thread.join(max(0.0, deadline - time.monotonic()))

    def close(self, timeout: float = 10.0) -> None:
        """Wait for the attempts to report, then kill any step still running: none outlives a run."""
        self.wait_idle(timeout)
        with self.lock:
            for live in self.live.values():
                live.cancelled = True
                if live.process is not None:
                    kill_group(live.process)

    # --- one attempt -----------------------------------------------------------------------

    def _run(self, request: AttemptRequest, done: Callable[[AttemptOutcome], None]) -> None:
        with self.slots:
            try:
                outcome = self._attempt(request)
            except Exception as exc:  # never lose a TaskRun to an executor bug
                now = time.time()
                outcome = AttemptOutcome(
                    name=request.taskrun.name,
                    succeeded=False,
                    reason=TaskRunReason.FAILED,
                    message=f"finale could not run this TaskRun: {exc}",
                    start=now,
                    end=now,
                )
        self._forget(request.taskrun.name)  # before `done`: a retry may start right after it
        done(outcome)
        if self.tidy:
            # Now, in this thread, while the engine starts the next TaskRun: on a slow file
            # system removing a folder costs as much as running a small step.
            shutil.rmtree(self.workdir / f"{request.taskrun.name}.{request.retry_count}", ignore_errors=True)

    def _forget(self, name: str) -> None:
        """Drop what only the attempt's steps needed, so a long run does not keep it all."""
        with self.lock:
            for table in (self.mounts, self.isolated, self.read_only, self.live):
                table.pop(name, None)
            self.exit_code_readers.discard(name)

    def _attempt(self, request: AttemptRequest) -> AttemptOutcome:
        tr = request.taskrun
        # File-system calls are the dearest part of a small TaskRun: make only what is used.
        base = self.workdir / f"{tr.name}.{request.retry_count}"
        results_dir, steps_dir, ws_root = base / "results", base / "steps", base / "workspace"
        base.mkdir(parents=True)
        if tr.task_spec.get("results"):
            results_dir.mkdir()
        bound = {name: path for name, path in request.workspaces.items() if path}
        if bound:
            ws_root.mkdir()
        for name, path in bound.items():
            Path(path).mkdir(parents=True, exist_ok=True)
            (ws_root / name).symlink_to(Path(path).resolve())
        named = {
            str(w.get("name")): (
                str(w.get("mountPath") or f"/workspace/{w.get('name')}"),
                str(Path(bound[str(w.get("name"))]).resolve()),
            )
            for w in tr.task_spec.get("workspaces") or ()
            if str(w.get("name")) in bound
        }
        isolated = isolated_workspaces(tr.task_spec)
        mounts = [m for name, m in named.items() if name not in isolated]
        self.mounts[tr.name] = [*mounts, ("/tekton/results", str(results_dir))]
        self.isolated[tr.name] = {name: m for name, m in named.items() if name in isolated}
        self.read_only[tr.name] = [
            str(Path(bound[str(w.get("name"))]).resolve())
            for w in tr.task_spec.get("workspaces") or ()
            if w.get("readOnly") and str(w.get("name")) in bound
        ]
        ctx = TaskContext(
            taskrun_name=tr.name,
            namespace=request.namespace,
            uid=request.run_uid,
            task_name=tr.task_ref or tr.name,
            retry_count=request.retry_count,
            results_dir=str(results_dir),
            steps_dir=str(steps_dir),
            workspace_paths={k: str(Path(v).resolve()) if v else "" for k, v in request.workspaces.items()},
        )
        start = time.time()
        deadline = start + tr.timeout if tr.timeout else None
        plans = plan_steps(tr.task_spec, tr.params, ctx)
        cwd_root = ws_root if bound else base
        watch = (
            None
            if self.sidecar_logs or not tr.task_spec.get("results")
            else TerminationWatch(tr.task_spec, results_dir)
        )
        steps, failure = self._steps(tr.name, plans, ctx, cwd_root, base, deadline, tr.timeout or 0.0, watch)
        end = time.time()
        reported = watch.kept if watch is not None and watch.overflow else None
        results, result_error = read_results(tr.task_spec, results_dir, sidecar_logs=self.sidecar_logs, texts=reported)
        if watch is not None and watch.overflow and _overflow_fails_first(watch.overflow, steps, failure):
            failure = (TaskRunReason.STEP_FAILED, f'"{watch.overflow}" exited with code 1: Error')
        live = self.live.get(tr.name)
        if live is not None and live.cancelled:
            return AttemptOutcome(
                name=tr.name,
                succeeded=False,
                reason=TaskRunReason.CANCELLED,
                message=f'TaskRun "{tr.name}" was cancelled',
                start=start,
                end=end,
                results=results,
                steps=steps,
            )
        if failure is None and result_error is not None:
            failure = result_error
        if failure is None:
            return AttemptOutcome(
                name=tr.name,
                succeeded=True,
                reason=TaskRunReason.SUCCEEDED,
                message="All Steps have completed executing",
                start=start,
                end=end,
                results=results,
                steps=steps,
            )
        return AttemptOutcome(
            name=tr.name,
            succeeded=False,
            reason=failure[0],
            message=failure[1],
            start=start,
            end=end,
            results=results,
            steps=steps,
        )

    def _steps(
        self,
        tr_name: str,
        plans: list[StepPlan],
        ctx: TaskContext,
        ws_root: Path,
        base: Path,
        deadline: float | None,
        tr_timeout: float,
        watch: TerminationWatch | None = None,
    ) -> tuple[tuple[StepState, ...], tuple[TaskRunReason, str] | None]:
        states: list[StepState] = []
        failure: tuple[TaskRunReason, str] | None = None
        for plan in plans:
            if failure is not None:
                states.append(StepState(name=plan.name[5:], container=plan.name, termination_reason="Skipped"))
                continue
            state, failure = self._one_step(tr_name, plan, ctx, ws_root, base, deadline, tr_timeout)
            states.append(state)
            if watch is not None and state.termination_reason != "Cancelled":
                watch.after_step(plan.name)
        return tuple(states), failure

    def _one_step(
        self,
        tr_name: str,
        plan: StepPlan,
        ctx: TaskContext,
        ws_root: Path,
        base: Path,
        deadline: float | None,
        tr_timeout: float,
    ) -> tuple[StepState, tuple[TaskRunReason, str] | None]:
        short = plan.name[5:]
        started = time.time()
        try:
            argv, env, cwd = self._command(plan, ctx, ws_root, base)
            argv = read_only(argv, self.read_only.get(tr_name, []))
        except StepStartError as exc:
            return (
                StepState(
                    name=short,
                    container=plan.name,
                    termination_reason="Error",
                    started=started,
                    finished=started,
                ),
                (exc.reason, exc.message),
            )
        step_limit = parse_duration(plan.timeout) if plan.timeout else None
        limits = [x for x in (deadline, started + step_limit if step_limit else None) if x is not None]
        code, why = self._spawn(tr_name, plan.name, argv, env, cwd, min(limits) if limits else None)
        finished = time.time()
        if self._exit_codes_used(ctx):
            exit_dir = Path(ctx.steps_dir) / plan.name
            exit_dir.mkdir(parents=True, exist_ok=True)
            (exit_dir / "exitCode").write_text(str(code))
        state = StepState(
            name=short,
            container=plan.name,
            exit_code=code,
            started=started,
            finished=finished,
            reason="Completed" if code == 0 else "Error",
        )
        if why == "cancelled":
            return replace_reason(state, "Cancelled"), (TaskRunReason.CANCELLED, "cancelled")
        if why == "timeout":
            if deadline is not None and (step_limit is None or deadline <= started + step_limit):
                return replace_reason(state, "TimeoutExceeded"), (
                    TaskRunReason.TIMEOUT,
                    f'TaskRun "{tr_name}" failed to finish within "{format_duration(tr_timeout)}"',
                )
            return replace_reason(state, "TimeoutExceeded"), (
                TaskRunReason.STEP_FAILED,
                f'"{plan.name}" exited because the step exceeded the specified timeout limit',
            )
        if code == 0:
            return replace_reason(state, "Completed"), None
        if plan.on_error == "continue":
            return replace_reason(state, "Continued"), None
        return replace_reason(state, "Error"), (
            TaskRunReason.STEP_FAILED,
            f'"{plan.name}" exited with code {code}: Error',
        )

    def _exit_codes_used(self, ctx: TaskContext) -> bool:
        return ctx.taskrun_name in self.exit_code_readers

    def _command(
        self, plan: StepPlan, ctx: TaskContext, ws_root: Path, base: Path
    ) -> tuple[list[str], dict[str, str], str]:
        isolated = self.isolated.get(ctx.taskrun_name, {})
        mounts = self.mounts.get(ctx.taskrun_name, []) + [
            (own or isolated[name][0], isolated[name][1]) for name, own in plan.workspaces if name in isolated
        ]
        return step_command(plan, mounts, self.keystore, ws_root, base)

    def _spawn(
        self,
        tr_name: str,
        step: str,
        argv: list[str],
        env: dict[str, str],
        cwd: str,
        until: float | None,
    ) -> tuple[int, str]:
        live = self.live.get(tr_name)
        if live is not None and live.cancelled:
            return 137, "cancelled"
        try:
            proc = subprocess.Popen(
                argv,
                env=env,
                cwd=cwd,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as exc:
            self._emit(tr_name, step, f"cannot start {argv[0]}: {exc.strerror or exc}")
            return 127, "error"
        with self.lock:
            if live is not None:
                live.process = proc
                if live.cancelled:  # a cancel that came while the process was being started
                    kill_group(proc)
        why = pump_output(proc, until, lambda line: self._emit(tr_name, step, line))
        if proc.stdout is not None:
            proc.stdout.close()
        with self.lock:
            if live is not None:
                live.process = None
        if live is not None and live.cancelled:
            return proc.returncode if proc.returncode >= 0 else 137, "cancelled"
        code = proc.returncode
        return (code if code >= 0 else 128 - code), why

    def _emit(self, tr_name: str, step: str, line: str) -> None:
        if self.log is not None:
            self.log(tr_name, step, line)


def replace_reason(state: StepState, termination: str) -> StepState:
    return replace(state, termination_reason=termination)


def _overflow_fails_first(
    container: str, steps: tuple[StepState, ...], failure: tuple[TaskRunReason, str] | None
) -> bool:
    """The overflowing step is the TaskRun's failure unless an earlier step failed on its own.

    The failure message names the first container that exited non-zero (pod/status.go
    getFailureMessage); a TaskRun timeout or cancel is decided by the controller instead.
    """
    if failure is None:
        return True
    if failure[0] != TaskRunReason.STEP_FAILED:
        return False
    names = [s.container for s in steps]
    failed = next((i for i, s in enumerate(steps) if s.termination_reason in ("Error", "TimeoutExceeded")), len(steps))
    return names.index(container) <= failed
