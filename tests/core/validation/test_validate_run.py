"""PipelineRun and TaskRun admission rules (spec §8.3), timeouts printed as Go does."""

from __future__ import annotations

import pytest
from validate_helpers import errors_of, pipeline_run

REF = "pipelineRef: {name: p}\n"

RUN_CASES = [
    pytest.param(REF, None, id="ref-only-is-valid"),
    pytest.param(
        "params: []", ("spec.pipelineRef, spec.pipelineSpec", "expected exactly one, got neither"), id="R1-neither"
    ),
    pytest.param(
        REF + "pipelineSpec: {tasks: [{name: a, taskRef: {name: t}}]}",
        ("spec.pipelineRef, spec.pipelineSpec", "expected exactly one, got both"),
        id="R1-both",
    ),
    pytest.param(
        "pipelineSpec: {tasks: [{name: a, runAfter: [a], taskRef: {name: t}}]}",
        ("spec.pipelineSpec.tasks", 'invalid value: cycle detected; task "a" depends on "a"'),
        id="R2-embedded-spec-rules",
    ),
    pytest.param(
        REF + "params: [{name: Rev, value: a}, {name: rev, value: b}]",
        ("spec.params[rev].name", "expected exactly one, got both"),
        id="R3-duplicate-ignoring-case",
    ),
    pytest.param(
        REF + "params: [{name: x, value: $(tasks.a.results.b)}]",
        (
            "spec.params[x].value",
            "invalid value: cannot use result expressions in [tasks.a.results.b] as PipelineRun parameter values",
        ),
        id="R4-result-in-param",
    ),
    pytest.param(
        "pipelineSpec:\n  tasks:\n    - name: a\n      taskSpec: {steps: [{image: a, script: 'echo $(params.nope)'}]}",
        ("spec.pipelineSpec.tasks[0].taskSpec.steps[0].script", 'non-existent variable in "echo $(params.nope)"'),
        id="R5-undeclared-anywhere",
    ),
    pytest.param(
        "params: [{name: nope, value: x}]\npipelineSpec:\n  tasks:\n    - name: a\n"
        "      taskSpec: {steps: [{image: a, script: 'echo $(params.nope)'}]}",
        None,
        id="R5-propagated-from-run-params",
    ),
    pytest.param(
        REF + "timeouts: {pipeline: -1h}",
        ("spec.timeouts.pipeline", "invalid value: -1h0m0s should be >= 0"),
        id="R6-negative",
    ),
    pytest.param(
        REF + "timeouts: {pipeline: 1h, tasks: 90m}",
        ("spec.timeouts.tasks", "invalid value: 1h30m0s should be <= pipeline duration"),
        id="R7-tasks-longer-than-pipeline",
    ),
    pytest.param(
        REF + "timeouts: {tasks: 2h}",
        ("spec.timeouts.tasks", "invalid value: 2h0m0s should be <= pipeline duration"),
        id="R7-default-pipeline-is-one-hour",
    ),
    pytest.param(
        REF + "timeouts: {pipeline: 1h, tasks: 40m, finally: 30m}",
        ("spec.timeouts.finally", "invalid value: 40m0s + 30m0s should be <= pipeline duration"),
        id="R7-sum-too-long",
    ),
    pytest.param(
        REF + "timeouts: {pipeline: 1h, tasks: '0'}",
        ("spec.timeouts.tasks", "invalid value: 0s (no timeout) should be <= pipeline duration"),
        id="R7-no-timeout-under-finite-pipeline",
    ),
    pytest.param(REF + "timeouts: {pipeline: '0', tasks: '0'}", None, id="R7-all-unlimited"),
    pytest.param(
        REF + "timeouts: {pipeline: 1 hour}",
        ("spec.timeouts.pipeline", 'time: unknown unit " hour" in duration "1 hour"'),
        id="R7-unparseable-duration",
    ),
    pytest.param(
        REF + "timeouts: {tasks: 30m}\ntaskRunSpecs: [{pipelineTaskName: a, timeout: 45m}]",
        ("spec.taskRunSpecs[0].timeout", "invalid value: 45m0s should be <= pipeline tasks duration 30m0s"),
        id="R8-task-timeout-over-tasks",
    ),
    pytest.param(
        REF + "timeouts: {pipeline: 10m}\ntaskRunSpecs: [{pipelineTaskName: a, timeout: 15m}]",
        ("spec.taskRunSpecs[0].timeout", "invalid value: 15m0s should be <= pipeline duration 10m0s"),
        id="R8-over-pipeline",
    ),
    pytest.param(
        REF + "status: Canceled",
        (
            "spec.status",
            "invalid value: Canceled should be Cancelled, CancelledRunFinally, StoppedRunFinally or PipelineRunPending",
        ),
        id="R9-status-typo",
    ),
    pytest.param(
        REF + "workspaces: [{name: w, emptyDir: {}}, {name: w, emptyDir: {}}]",
        ("spec.workspaces[1].name", 'workspace "w" provided by pipelinerun more than once, at index 0 and 1'),
        id="R12-duplicate-binding",
    ),
]


@pytest.mark.parametrize(("spec", "expected"), RUN_CASES)
def test_pipeline_run_rule(spec: str, expected: tuple[str, str] | None) -> None:
    got = errors_of(pipeline_run(spec))
    if expected is None:
        assert got == []
    else:
        assert expected in got


def test_pending_after_start() -> None:
    text = pipeline_run(REF + "status: PipelineRunPending\n", extra="status: {startTime: '2026-01-01T00:00:00Z'}\n")
    assert errors_of(text) == [("spec.status", "invalid value: PipelineRun cannot be Pending after it is started")]


def test_v1beta1_timeout_and_timeouts_together() -> None:
    got = errors_of(pipeline_run(REF + "timeout: 1h\ntimeouts: {pipeline: 1h}", version="v1beta1"))
    assert got == [("spec.timeout, spec.timeouts", "must not set the field(s)")]


def test_v1beta1_legacy_timeout_bounds_tasks() -> None:
    got = errors_of(pipeline_run(REF + "timeout: 10m", version="v1beta1"))
    assert got == []


TASK_RUN_CASES = [
    pytest.param("taskRef: {name: t}", None, id="ref-is-valid"),
    pytest.param("params: []", ("spec.taskRef, spec.taskSpec", "expected exactly one, got neither"), id="neither"),
    pytest.param(
        "taskSpec: {steps: [{image: a, script: 'echo $(params.x)'}]}\nparams: [{name: x, value: '1'}]",
        None,
        id="inline-param-from-run",
    ),
    pytest.param(
        "taskSpec: {steps: [{image: a, script: 'echo $(params.y)'}]}",
        ("spec.taskSpec.steps[0].script", 'non-existent variable in "echo $(params.y)"'),
        id="inline-undeclared-param",
    ),
    pytest.param(
        "taskRef: {name: t}\nstatus: Stopped",
        ("spec.status", "invalid value: Stopped should be TaskRunCancelled or TaskRunPending"),
        id="bad-status",
    ),
    pytest.param(
        "taskRef: {name: t}\ntimeout: -1m",
        ("spec.timeout", "invalid value: -1m0s should be >= 0"),
        id="negative-timeout",
    ),
    pytest.param(
        "taskRef: {name: t}\nretries: -1", ("spec.retries", "invalid value: -1 should be >= 0"), id="negative-retries"
    ),
]


@pytest.mark.parametrize(("spec", "expected"), TASK_RUN_CASES)
def test_task_run_rule(spec: str, expected: tuple[str, str] | None) -> None:
    text = pipeline_run(spec).replace("kind: PipelineRun", "kind: TaskRun")
    got = errors_of(text)
    if expected is None:
        assert got == []
    else:
        assert expected in got


def test_v1beta1_negative_legacy_timeout() -> None:
    got = errors_of(pipeline_run(REF + "timeout: -30s", version="v1beta1"))
    assert got == [("spec.timeout", "invalid value: -30s should be >= 0")]


def test_unknown_field_in_run_spec() -> None:
    got = errors_of(pipeline_run(REF + "timeouts: {pipline: 1h}"))
    assert got == [("spec.timeouts.pipline", 'strict decoding error: unknown field "spec.timeouts.pipline"')]


def test_v1beta1_field_in_v1_run_gets_a_moved_hint() -> None:
    from finale.adapters.yaml.load import parse_text
    from finale.core.validation.document import validate_document

    [doc] = parse_text(pipeline_run(REF + "podTemplate: {}"), "r.yaml")
    [error] = validate_document(doc.data)
    assert (error.path, error.message, error.hint) == (
        "spec.podTemplate",
        'strict decoding error: unknown field "spec.podTemplate"',
        "in tekton.dev/v1 this is spec.taskRunTemplate.podTemplate",
    )


def test_v1beta1_run_accepts_its_own_fields() -> None:
    assert errors_of(pipeline_run(REF + "podTemplate: {}\nserviceAccountName: sa", version="v1beta1")) == []
