"""The engine loop against a scripted executor and a fake clock: no processes, exact time."""

import pytest

from finale.core.tekton.run_result import RunResult
from finale.testing.fakes import FAIL, Attempt, run_scripted


def _reasons(result: RunResult) -> dict[str, str]:
    return {name: runs[0].reason for name, runs in result.taskruns.items()}


SEED_FIXED = """
metadata: {name: seed}
spec:
  pipelineSpec:
    tasks:
      - {name: clone, taskSpec: {steps: [{image: x, script: "true"}]}}
      - {name: build, runAfter: [clone], taskSpec: {steps: [{image: x, script: "true"}]}}
    finally:
      - name: report-failed
        when: [{input: $(tasks.status), operator: in, values: [Failed, None]}]
        taskSpec: {steps: [{image: x, script: "true"}]}
      - name: report-success
        when: [{input: $(tasks.status), operator: in, values: [Succeeded, Completed]}]
        taskSpec: {steps: [{image: x, script: "true"}]}
"""


def test_green_seed_run_ends_completed_because_one_reporter_is_skipped() -> None:
    result, _ = run_scripted(SEED_FIXED)
    c = result.condition
    assert (c.status, c.reason) == ("True", "Completed")
    assert c.message == "Tasks Completed: 3 (Failed: 0, Cancelled 0), Skipped: 1"
    assert result.skipped == {"report-failed": "When Expressions evaluated to false"}
    assert result.skipped_when["report-failed"] == (
        {"input": "Succeeded", "operator": "in", "values": ["Failed", "None"]},
    )


def test_failed_build_reports_failure_and_the_run_fails() -> None:
    result, _ = run_scripted(SEED_FIXED, {"build": [FAIL]})
    assert result.condition.reason == "Failed"
    assert _reasons(result) == {"clone": "Succeeded", "build": "StepFailed", "report-failed": "Succeeded"}
    assert result.skipped == {"report-success": "When Expressions evaluated to false"}


def test_failed_clone_skips_build_as_stopping() -> None:
    result, executor = run_scripted(SEED_FIXED, {"clone": [FAIL]})
    assert result.skipped["build"] == "PipelineRun was stopping"
    assert "seed-build" not in executor.started
    assert result.condition.message == "Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 2"


def test_retries_archive_failed_attempts_and_last_attempt_counts() -> None:
    text = """
metadata: {name: r}
spec:
  pipelineSpec:
    tasks:
      - {name: flaky, retries: 2, taskSpec: {steps: [{image: x, script: "true"}]}}
"""
    result, executor = run_scripted(text, {"flaky": [FAIL, FAIL, Attempt()]})
    tr = result.taskruns["flaky"][0]
    assert executor.started == ["r-flaky", "r-flaky", "r-flaky"]
    assert [a.reason for a in tr.retries_status] == ["StepFailed", "StepFailed"]
    assert result.condition.reason == "Succeeded"


def test_on_error_continue_is_an_ignored_failure_but_tasks_status_is_failed() -> None:
    text = """
metadata: {name: oe}
spec:
  pipelineSpec:
    tasks:
      - {name: a, onError: continue, taskSpec: {steps: [{image: x, script: "true"}]}}
      - {name: b, runAfter: [a], taskSpec: {steps: [{image: x, script: "true"}]}}
    finally:
      - name: f
        params: [{name: s, value: "$(tasks.status)"}, {name: r, value: "$(tasks.a.reason)"}]
        taskSpec: {params: [{name: s}, {name: r}], steps: [{image: x, script: "true"}]}
"""
    result, _ = run_scripted(text, {"a": [FAIL]})
    assert result.condition.message == "Tasks Completed: 3 (Failed: 1 (Ignored: 1), Cancelled 0), Skipped: 0"
    assert result.condition.reason == "Succeeded"
    assert result.taskruns["a"][0].reason == "FailureIgnored"
    assert dict(result.taskruns["f"][0].params) == {"s": "Failed", "r": "FailureIgnored"}


def test_missing_result_of_a_successful_producer_fails_validation_and_finally_still_runs() -> None:
    text = """
metadata: {name: mr}
spec:
  pipelineSpec:
    tasks:
      - {name: a, taskSpec: {results: [{name: r}], steps: [{image: x, script: "true"}]}}
      - name: b
        params: [{name: p, value: "$(tasks.a.results.r)"}]
        taskSpec: {params: [{name: p}], steps: [{image: x, script: "true"}]}
    finally:
      - {name: f, taskSpec: {steps: [{image: x, script: "true"}]}}
"""
    result, _ = run_scripted(text)
    assert result.condition.reason == "PipelineValidationFailed"
    assert result.condition.message == (
        "Tasks Completed: 2 (Failed: 0, Cancelled 0), Skipped: 0, Failed Validation: 1 "
        '(task "a" completed successfully but did not emit the result "r", which is referenced by task "b")'
    )


@pytest.mark.parametrize(
    ("status", "reason", "skip"),
    [
        pytest.param(
            "CancelledRunFinally", "Cancelled", "PipelineRun was gracefully cancelled", id="cancelled-run-finally"
        ),
        pytest.param("StoppedRunFinally", "Cancelled", "PipelineRun was gracefully stopped", id="stopped-run-finally"),
    ],
)
def test_graceful_status_before_start_skips_dag_and_runs_finally(status: str, reason: str, skip: str) -> None:
    text = SEED_FIXED.replace("spec:\n", f"spec:\n  status: {status}\n", 1)
    result, _ = run_scripted(text)
    assert result.condition.reason == reason
    assert result.condition.message == 'PipelineRun "seed" was cancelled'
    assert result.skipped["clone"] == skip and result.skipped["build"] == skip
    assert set(result.taskruns) == {"report-success"}  # $(tasks.status) is Completed


def test_hard_cancel_before_start_runs_nothing() -> None:
    text = SEED_FIXED.replace("spec:\n", "spec:\n  status: Cancelled\n", 1)
    result, executor = run_scripted(text)
    assert (result.condition.reason, result.condition.message) == ("Cancelled", 'PipelineRun "seed" was cancelled')
    assert executor.started == [] and result.skipped == {}


def test_pipeline_timeout_runs_no_finally() -> None:
    text = SEED_FIXED.replace("spec:\n", "spec:\n  timeouts: {pipeline: 90s}\n", 1)
    result, _ = run_scripted(text, {"clone": [Attempt(duration=100)]})
    c = result.condition
    assert (c.reason, c.message) == ("PipelineRunTimeout", 'PipelineRun "seed" failed to finish within "1m30s"')
    assert "report-failed" not in result.taskruns and "report-success" not in result.taskruns
