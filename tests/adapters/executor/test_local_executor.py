"""The local executor on its own: real processes, killed whole on cancel and on close."""

import os
import time
from pathlib import Path

from finale.adapters.executor.local import LocalExecutor
from finale.adapters.executor.secrets import KeyStore
from finale.core.tekton.state import TaskRunState
from finale.engine.protocols import AttemptOutcome, AttemptRequest
from finale.testing.fakes import FakeClock


def _request(name: str, script: str) -> AttemptRequest:
    spec = {"steps": [{"name": "s", "image": "busybox", "script": script}]}
    return AttemptRequest(
        taskrun=TaskRunState(name=name, pipeline_task=name, task_spec=spec),
        retry_count=0,
        namespace="default",
        run_uid="u",
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_close_kills_a_step_still_running(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    executor = LocalExecutor(tmp_path / "work", KeyStore())
    outcomes: list[AttemptOutcome] = []
    executor.start(_request("slow", f"echo $$ > {pid_file}; exec sleep 30"), outcomes.append)
    deadline = time.monotonic() + 10
    while not (pid_file.exists() and pid_file.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.02)
    pid = int(pid_file.read_text())
    executor.close(timeout=0.2)
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _alive(pid)


def test_cancel_kills_the_whole_process_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "child"
    executor = LocalExecutor(tmp_path / "work", KeyStore())
    outcomes: list[AttemptOutcome] = []
    executor.start(_request("group", f"sleep 30 & echo $! > {pid_file}; wait"), outcomes.append)
    deadline = time.monotonic() + 10
    while not (pid_file.exists() and pid_file.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.02)
    child = int(pid_file.read_text())
    executor.cancel("group")
    executor.wait_idle(5)
    assert [o.reason for o in outcomes] == ["TaskRunCancelled"]
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _alive(child)


def test_times_come_from_the_clock_seam(tmp_path: Path) -> None:
    clock = FakeClock(start=5_000.0)
    executor = LocalExecutor(tmp_path / "work", KeyStore(), clock=clock)
    outcomes: list[AttemptOutcome] = []
    executor.start(_request("timed", "true"), outcomes.append)
    executor.wait_idle(10)
    [outcome] = outcomes
    assert (outcome.succeeded, outcome.start, outcome.end) == (True, 5_000.0, 5_000.0)
    assert [(s.started, s.finished) for s in outcome.steps] == [(5_000.0, 5_000.0)]


def test_exit_codes_are_written_where_a_step_reads_them(tmp_path: Path) -> None:
    spec = {
        "steps": [
            {"name": "a", "image": "busybox", "script": "exit 3", "onError": "continue"},
            {"name": "b", "image": "busybox", "script": "cat $(steps.step-a.exitCode.path)"},
        ]
    }
    request = AttemptRequest(
        taskrun=TaskRunState(name="codes", pipeline_task="codes", task_spec=spec),
        retry_count=0,
        namespace="default",
        run_uid="u",
    )
    lines: list[tuple[str, str, str]] = []
    executor = LocalExecutor(tmp_path / "work", KeyStore(), log=lambda *line: lines.append(line))
    outcomes: list[AttemptOutcome] = []
    executor.start(request, outcomes.append)
    executor.wait_idle(10)
    assert outcomes[0].succeeded
    assert ("codes", "step-b", "3") in lines


def test_a_tidy_executor_removes_an_attempt_folder_its_steps_wrote_into(tmp_path: Path) -> None:
    work = tmp_path / "work"
    executor = LocalExecutor(work, KeyStore(), tidy=True)
    outcomes: list[AttemptOutcome] = []
    executor.start(_request("writes", "echo hi > here.txt"), outcomes.append)
    executor.wait_idle(10)
    assert [o.succeeded for o in outcomes] == [True]
    assert list(work.iterdir()) == []
    assert executor.live == {}  # nothing kept per finished attempt


def test_an_executor_keeping_folders_leaves_what_the_steps_wrote(tmp_path: Path) -> None:
    work = tmp_path / "work"
    executor = LocalExecutor(work, KeyStore())
    outcomes: list[AttemptOutcome] = []
    executor.start(_request("writes", "echo hi > here.txt"), outcomes.append)
    executor.wait_idle(10)
    assert [o.succeeded for o in outcomes] == [True]
    assert (work / "writes.0" / "here.txt").read_text() == "hi\n"


def test_a_tidy_executor_starts_each_taskrun_in_an_empty_folder_of_its_own(tmp_path: Path) -> None:
    """Empty folders are reused, never one a step wrote into: each TaskRun sees an empty cwd."""
    work = tmp_path / "work"
    seen = tmp_path / "seen"
    executor = LocalExecutor(work, KeyStore(), tidy=True)
    outcomes: list[AttemptOutcome] = []
    for i, script in enumerate(["true", f"ls -A >> {seen}; echo x > mine", f"ls -A >> {seen}", f"ls -A >> {seen}"]):
        executor.start(_request(f"t{i}", script), outcomes.append)
        executor.wait_idle(10)
    assert [o.succeeded for o in outcomes] == [True] * 4
    assert seen.read_text() == ""  # no step found another's file
    assert list(work.iterdir()) == [executor.spare[0]]  # one empty folder, kept for the next
    assert list(executor.spare[0].iterdir()) == []


def _timed_request(name: str, script: str, timeout: float) -> AttemptRequest:
    request = _request(name, script)
    return AttemptRequest(
        taskrun=TaskRunState(name=name, pipeline_task=name, task_spec=request.taskrun.task_spec, timeout=timeout),
        retry_count=0,
        namespace="default",
        run_uid="u",
    )


def test_a_step_that_closed_its_output_is_still_stopped_at_the_timeout(tmp_path: Path) -> None:
    executor = LocalExecutor(tmp_path / "work", KeyStore())
    outcomes: list[AttemptOutcome] = []
    executor.start(_timed_request("quiet", "exec >&- 2>&-; sleep 30", 0.5), outcomes.append)
    executor.wait_idle(10)
    [outcome] = outcomes
    assert (outcome.reason, outcome.message) == ("TaskRunTimeout", 'TaskRun "quiet" failed to finish within "500ms"')
    assert [s.termination_reason for s in outcome.steps] == ["TimeoutExceeded"]


def test_a_step_that_closed_its_output_reports_its_exit_code(tmp_path: Path) -> None:
    executor = LocalExecutor(tmp_path / "work", KeyStore())
    outcomes: list[AttemptOutcome] = []
    executor.start(_timed_request("closed", "exec >&- 2>&-; sleep 0.2; exit 3", 60.0), outcomes.append)
    executor.wait_idle(10)
    [outcome] = outcomes
    assert (outcome.reason, [s.exit_code for s in outcome.steps]) == ("StepFailed", [3])


def _results_request(name: str, script: str) -> AttemptRequest:
    spec = {"results": [{"name": "r"}], "steps": [{"name": "s", "image": "busybox", "script": script}]}
    return AttemptRequest(
        taskrun=TaskRunState(name=name, pipeline_task=name, task_spec=spec),
        retry_count=0,
        namespace="default",
        run_uid="u",
    )


def test_a_tidy_executor_reuses_a_folder_that_held_only_results_without_them(tmp_path: Path) -> None:
    """A results folder is emptied and kept for a TaskRun declaring results, never shown to one that does not."""
    work = tmp_path / "work"
    seen = tmp_path / "seen"
    executor = LocalExecutor(work, KeyStore(), tidy=True)
    outcomes: list[AttemptOutcome] = []
    requests = [
        _results_request("a", "printf one > $(results.r.path)"),
        _results_request("b", f"r=$(results.r.path); ls -A ${{r%/*}} >> {seen}"),  # writes no result
        _request("c", f"ls -A >> {seen}"),
        _results_request("d", "printf two > $(results.r.path)"),
    ]
    for request in requests:
        executor.start(request, outcomes.append)
        executor.wait_idle(10)
    assert [(o.succeeded, dict(o.results)) for o in outcomes] == [
        (True, {"r": "one"}),
        (True, {}),
        (True, {}),
        (True, {"r": "two"}),
    ]
    assert seen.read_text() == ""  # b found no result of a's, c no results folder
    assert sorted(p.name for p in work.iterdir()) == sorted(p.name for p in executor.spare + executor.spare_results)
