"""Steps as local processes: one thread per TaskRun attempt, one process group per step.

Steps run on this machine, not in their `image`. Workspaces are folders, results are files
under a per-attempt folder that `$(results.r.path)` points to.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

from finale.adapters.executor.attempt import Attempt, emptied, prepare
from finale.adapters.executor.results import TerminationWatch, read_results
from finale.adapters.executor.secrets import KeyStore
from finale.adapters.executor.step_command import StepStartError, step_command
from finale.adapters.executor.step_process import kill_group, pump_output
from finale.adapters.executor.step_shell import read_only
from finale.clock import Clock, SystemClock
from finale.core.tekton.durations import format_duration, parse_duration
from finale.core.tekton.reasons import TaskRunReason
from finale.core.tekton.state import StepState
from finale.core.tekton.steps import StepPlan, plan_steps
from finale.engine.protocols import AttemptOutcome, AttemptRequest
from finale.record import replace

LogSink = Callable[[str, str, str], None]  # (taskrun, step, line)


class LocalExecutor:
    def __init__(
        self,
        workdir: Path,
        keystore: KeyStore,
        parallel: int = 16,
        log: LogSink | None = None,
        *,
        sidecar_logs: bool = False,  # feature flag results-from: sidecar-logs
        tidy: bool = False,  # attempt folders are not kept: reuse the empty ones, remove the others
        clock: Clock | None = None,
    ) -> None:
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.workdir = workdir
        self.tidy = tidy
        self.sidecar_logs = sidecar_logs
        self.keystore = keystore
        self.slots = threading.Semaphore(max(1, parallel))
        self.log = log
        self.live: dict[str, Attempt] = {}  # by TaskRun name, so that a cancel finds its attempt
        self.lock = threading.Lock()
        self.threads: list[threading.Thread] = []
        self.spare: list[Path] = []  # empty attempt folders to reuse (tidy only)
        self.spare_results: list[Path] = []  # the same, holding an empty `results` folder
        # Every step's environment starts from this machine's, and its stdin is /dev/null: both
        # made once, as opening a file per step lets the engine's thread in before the step starts.
        self.machine_env = dict(os.environ)
        self.devnull = os.open(os.devnull, os.O_RDWR)  # as subprocess.DEVNULL opens it

    def start(self, request: AttemptRequest, done: Callable[[AttemptOutcome], None]) -> None:
        attempt = Attempt(request)
        with self.lock:
            self.live[request.taskrun.name] = attempt
        thread = threading.Thread(target=self._run, args=(attempt, done), daemon=True)
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
        deadline = self.clock.now() + timeout
        for thread in list(self.threads):
            thread.join(max(0.0, deadline - self.clock.now()))

    def close(self, timeout: float = 10.0) -> None:
        """Wait for the attempts to report, then kill any step still running: none outlives a run."""
        self.wait_idle(timeout)
        with self.lock:
            for live in self.live.values():
                live.cancelled = True
                if live.process is not None:
                    kill_group(live.process)
            if not self.live and self.devnull >= 0:
                os.close(self.devnull)
                self.devnull = -1

    # --- one attempt -----------------------------------------------------------------------

    def _run(self, attempt: Attempt, done: Callable[[AttemptOutcome], None]) -> None:
        request = attempt.request
        with self.slots:
            try:
                outcome = self._attempt(attempt)
            except Exception as exc:  # never lose a TaskRun to an executor bug
                now = self.clock.now()
                outcome = AttemptOutcome(
                    name=request.taskrun.name,
                    succeeded=False,
                    reason=TaskRunReason.FAILED,
                    message=f"finale could not run this TaskRun: {exc}",
                    start=now,
                    end=now,
                )
        # Before `done`: a retry, or the next TaskRun, may start right after it.
        self._forget(request.taskrun.name)
        tidy = self.tidy and attempt.base.parent == self.workdir  # not if it failed before making it
        reused = tidy and self._recycle(attempt.base)
        done(outcome)
        if tidy and not reused:
            shutil.rmtree(attempt.base, ignore_errors=True)

    def _forget(self, name: str) -> None:
        """Drop what only the attempt's steps needed, so a long run does not keep it all."""
        with self.lock:
            self.live.pop(name, None)

    def _recycle(self, folder: Path) -> bool:
        """Keep an attempt's folder its steps left empty, but for result files, for the next
        attempt: on a slow file system making and removing a folder costs as much as running a
        small step. A TaskRun still starts in an empty working directory of its own, as in its
        pod, with an empty `results` folder only when its Task declares results."""
        try:
            kept_results = emptied(folder)
        except OSError:
            return False
        if kept_results is None:
            return False
        with self.lock:
            (self.spare_results if kept_results else self.spare).append(folder)
        return True

    def _take_spare(self, results: bool) -> Path | None:
        with self.lock:
            if results and self.spare_results:
                return self.spare_results.pop()
            return self.spare.pop() if self.spare else None

    def _attempt(self, attempt: Attempt) -> AttemptOutcome:
        declares = bool(attempt.request.taskrun.task_spec.get("results"))
        prepare(attempt, self.workdir, self._take_spare(declares) if self.tidy else None)
        tr = attempt.request.taskrun
        start = self.clock.now()
        deadline = start + tr.timeout if tr.timeout else None
        plans = plan_steps(tr.task_spec, tr.params, attempt.context)
        watch = (
            None
            if self.sidecar_logs or not tr.task_spec.get("results")
            else TerminationWatch(tr.task_spec, attempt.results_dir)
        )
        steps, failure = self._steps(attempt, plans, deadline, watch)
        end = self.clock.now()
        reported = watch.kept if watch is not None and watch.overflow else None
        results, result_error = read_results(
            tr.task_spec, attempt.results_dir, sidecar_logs=self.sidecar_logs, texts=reported
        )
        if watch is not None and watch.overflow and _overflow_fails_first(watch.overflow, steps, failure):
            failure = (TaskRunReason.STEP_FAILED, f'"{watch.overflow}" exited with code 1: Error')
        if attempt.cancelled:
            failure = (TaskRunReason.CANCELLED, f'TaskRun "{tr.name}" was cancelled')
        elif failure is None:
            failure = result_error
        outcome = AttemptOutcome(
            name=tr.name,
            succeeded=True,
            reason=TaskRunReason.SUCCEEDED,
            message="All Steps have completed executing",
            start=start,
            end=end,
            results=results,
            steps=steps,
        )
        return outcome if failure is None else replace(outcome, succeeded=False, reason=failure[0], message=failure[1])

    def _steps(
        self, attempt: Attempt, plans: list[StepPlan], deadline: float | None, watch: TerminationWatch | None
    ) -> tuple[tuple[StepState, ...], tuple[TaskRunReason, str] | None]:
        states: list[StepState] = []
        failure: tuple[TaskRunReason, str] | None = None
        for plan in plans:
            if failure is not None:
                states.append(StepState(name=plan.name[5:], container=plan.name, termination_reason="Skipped"))
                continue
            state, failure = self._one_step(attempt, plan, deadline)
            states.append(state)
            if watch is not None and state.termination_reason != "Cancelled":
                watch.after_step(plan.name)
        return tuple(states), failure

    def _one_step(
        self, attempt: Attempt, plan: StepPlan, deadline: float | None
    ) -> tuple[StepState, tuple[TaskRunReason, str] | None]:
        started = self.clock.now()
        try:
            argv, env, cwd = self._command(attempt, plan)
        except StepStartError as exc:
            state = StepState(
                name=plan.name[5:], container=plan.name, termination_reason="Error", started=started, finished=started
            )
            return state, (exc.reason, exc.message)
        step_limit = parse_duration(plan.timeout) if plan.timeout else None
        limits = [x for x in (deadline, started + step_limit if step_limit else None) if x is not None]
        code, why = self._spawn(attempt, plan.name, argv, env, cwd, min(limits) if limits else None)
        if attempt.writes_exit_codes:
            exit_dir = Path(attempt.context.steps_dir) / plan.name
            exit_dir.mkdir(parents=True, exist_ok=True)
            (exit_dir / "exitCode").write_text(str(code))
        state = StepState(
            name=plan.name[5:],
            container=plan.name,
            exit_code=code,
            started=started,
            finished=self.clock.now(),
            reason="Completed" if code == 0 else "Error",
        )
        # The TaskRun's deadline, unless the step's own limit came first.
        timed_out_run = deadline is not None and (step_limit is None or deadline <= started + step_limit)
        return _judge(attempt, plan, state, why, timed_out_run)

    def _command(self, attempt: Attempt, plan: StepPlan) -> tuple[list[str], dict[str, str], str]:
        isolated = attempt.isolated
        mounts = attempt.mounts + [
            (own or isolated[name][0], isolated[name][1]) for name, own in plan.workspaces if name in isolated
        ]
        argv, env, cwd = step_command(plan, mounts, self.keystore, attempt.cwd_root, attempt.base, self.machine_env)
        return read_only(argv, attempt.read_only), env, cwd

    def _spawn(
        self, attempt: Attempt, step: str, argv: list[str], env: dict[str, str], cwd: str, until: float | None
    ) -> tuple[int, str]:
        """Run one step's process to its end, its deadline or a cancel: (exit code, why it ended)."""
        if attempt.cancelled:
            return 137, "cancelled"
        try:
            proc = subprocess.Popen(
                argv,
                env=env,
                cwd=cwd,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=self.devnull,
                start_new_session=True,
            )
        except OSError as exc:
            self._emit(attempt.name, step, f"cannot start {argv[0]}: {exc.strerror or exc}")
            return 127, "error"
        with self.lock:
            attempt.process = proc
            if attempt.cancelled:  # a cancel that came while the process was being started
                kill_group(proc)
        why = pump_output(proc, until, lambda line: self._emit(attempt.name, step, line), now=self.clock.now)
        if proc.stdout is not None:
            proc.stdout.close()
        with self.lock:
            attempt.process = None
        if attempt.cancelled:
            return proc.returncode if proc.returncode >= 0 else 137, "cancelled"
        code = proc.returncode
        return (code if code >= 0 else 128 - code), why

    def _emit(self, tr_name: str, step: str, line: str) -> None:
        if self.log is not None:
            self.log(tr_name, step, line)


def replace_reason(state: StepState, termination: str) -> StepState:
    return replace(state, termination_reason=termination)


def _judge(
    attempt: Attempt, plan: StepPlan, state: StepState, why: str, timed_out_run: bool
) -> tuple[StepState, tuple[TaskRunReason, str] | None]:
    """The step's termination reason and the TaskRun failure it causes, if any (pod/status.go)."""
    if why == "cancelled":
        return replace_reason(state, "Cancelled"), (TaskRunReason.CANCELLED, "cancelled")
    if why == "timeout" and timed_out_run:
        limit = format_duration(attempt.request.taskrun.timeout or 0.0)
        return replace_reason(state, "TimeoutExceeded"), (
            TaskRunReason.TIMEOUT,
            f'TaskRun "{attempt.name}" failed to finish within "{limit}"',
        )
    if why == "timeout":
        return replace_reason(state, "TimeoutExceeded"), (
            TaskRunReason.STEP_FAILED,
            f'"{plan.name}" exited because the step exceeded the specified timeout limit',
        )
    if state.exit_code == 0:
        return replace_reason(state, "Completed"), None
    if plan.on_error == "continue":
        return replace_reason(state, "Continued"), None
    return replace_reason(state, "Error"), (
        TaskRunReason.STEP_FAILED,
        f'"{plan.name}" exited with code {state.exit_code}: Error',
    )


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
