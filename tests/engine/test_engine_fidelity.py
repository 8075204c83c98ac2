"""Engine rules checked against Tekton's controller code, with the scripted executor and fake clock.

Each row names the Go function the expectation comes from (tektoncd/pipeline at v1.15.0-49).
"""

from typing import Any

import pytest

from finale.core.tekton.run_result import RunResult
from finale.core.tekton.taskrun import count_combinations, matrix_combinations
from finale.testing.fakes import FAIL, Attempt, run_scripted


def _summary(result: RunResult) -> tuple[str, str, dict[str, str], dict[str, str]]:
    reasons = {name: runs[0].reason for name, runs in result.taskruns.items()}
    skipped = {name: str(reason) for name, reason in result.skipped.items()}
    return result.condition.reason, result.condition.message, reasons, skipped


HOLDS_SIBLINGS = """
metadata: {name: vf}
spec:
  pipelineSpec:
    tasks:
      - {name: a, taskSpec: {results: [{name: r}], steps: [{image: x, script: "true"}]}}
      - {name: c, runAfter: [a], taskSpec: {steps: [{image: x, script: "true"}]}}
      - name: b
        params: [{name: v, value: $(tasks.a.results.r)}]
        taskSpec: {params: [{name: v}], steps: [{image: x, script: "true"}]}
"""

WHEN_BEFORE_PARENT = """
metadata: {name: wp}
spec:
  pipelineSpec:
    tasks:
      - name: a
        when: [{input: "a", operator: in, values: ["b"]}]
        taskSpec: {results: [{name: r}], steps: [{image: x, script: "true"}]}
      - name: c
        when: [{input: $(tasks.a.results.r), operator: in, values: [go]}]
        taskSpec: {steps: [{image: x, script: "true"}]}
      - {name: d, runAfter: [c], taskSpec: {steps: [{image: x, script: "true"}]}}
"""

LITERAL_WHEN = """
metadata: {name: lw}
spec:
  pipelineSpec:
    tasks:
      - name: a
        when: [{input: "no", operator: in, values: ["yes"]}]
        taskSpec: {results: [{name: r}], steps: [{image: x, script: "true"}]}
      - {name: b, taskSpec: {results: [{name: s}], steps: [{image: x, script: "true"}]}}
      - name: c
        params: [{name: v, value: $(tasks.a.results.r)}]
        when: [{input: $(tasks.b.results.s), operator: in, values: ["yes"]}]
        taskSpec: {params: [{name: v}], steps: [{image: x, script: "true"}]}
"""

RESULT_ERROR_ON_FAILED_RUN = """
metadata: {name: re}
spec:
  pipelineSpec:
    tasks:
      - {name: a, taskSpec: {results: [{name: r}], steps: [{image: x, script: "true"}]}}
      - {name: b, taskSpec: {steps: [{image: x, script: "true"}]}}
    results:
      - {name: out, value: $(tasks.a.results.r)}
"""


@pytest.mark.parametrize(
    ("text", "script", "expected"),
    [
        pytest.param(
            HOLDS_SIBLINGS,
            None,
            (
                "PipelineValidationFailed",
                "Tasks Completed: 1 (Failed: 0, Cancelled 0), Skipped: 1, Failed Validation: 1 "
                '(task "a" completed successfully but did not emit the result "r", which is referenced by task "b")',
                {"a": "Succeeded"},
                {"c": "PipelineRun was stopping"},
            ),
            id="runNextSchedulableTask-one-invalid-candidate-empties-the-queue",
        ),
        pytest.param(
            WHEN_BEFORE_PARENT,
            None,
            (
                "Completed",
                "Tasks Completed: 1 (Failed: 0, Cancelled 0), Skipped: 2",
                {"d": "Succeeded"},
                {"a": "When Expressions evaluated to false", "c": "When Expressions evaluated to false"},
            ),
            id="skip-when-checked-before-parent-skip",
        ),
        pytest.param(
            LITERAL_WHEN,
            {"b": [Attempt(results={"s": "yes"})]},
            (
                "Completed",
                "Tasks Completed: 1 (Failed: 0, Cancelled 0), Skipped: 2",
                {"b": "Succeeded"},
                {"a": "When Expressions evaluated to false", "c": "When Expressions evaluated to false"},
            ),
            id="ResolvePipelineTask-all-or-nothing-result-substitution",
        ),
        pytest.param(
            RESULT_ERROR_ON_FAILED_RUN,
            {"b": [FAIL]},
            (
                "CouldntGetPipelineResult",
                "Failed to get PipelineResult from TaskRun Results for PipelineRun re: "
                "invalid pipelineresults [out], the referenced results don't exist",
                {"a": "Succeeded", "b": "StepFailed"},
                {},
            ),
            id="reconcile-pipeline-result-error-overrides-failed",
        ),
    ],
)
def test_engine_follows_the_controller(text: str, script: Any, expected: Any) -> None:
    result, _ = run_scripted(text, script)
    assert _summary(result) == expected


MATRIX = {
    "params": [{"name": "GOARCH", "value": ["amd64", "ppc64le"]}, {"name": "version", "value": ["1.17", "1.18"]}],
    "include": [
        {"name": "common", "params": [{"name": "package", "value": "common"}]},
        {"name": "go117", "params": [{"name": "version", "value": "1.17"}, {"name": "context", "value": "ctx"}]},
        {"name": "extra", "params": [{"name": "GOARCH", "value": "s390x"}]},
    ],
}


def test_matrix_fan_out_matches_tekton_order_and_include_rules() -> None:
    # test/matrix_test.go TestPipelineRunMatrixed lists exactly these TaskRuns, in this order.
    assert matrix_combinations(MATRIX) == [
        {"GOARCH": "amd64", "version": "1.17", "package": "common", "context": "ctx"},
        {"GOARCH": "ppc64le", "version": "1.17", "package": "common", "context": "ctx"},
        {"GOARCH": "amd64", "version": "1.18", "package": "common"},
        {"GOARCH": "ppc64le", "version": "1.18", "package": "common"},
        {"GOARCH": "s390x"},
    ]
    assert count_combinations(MATRIX) == 5


@pytest.mark.parametrize(
    ("include", "combinations"),
    [
        pytest.param({"platform": "windows", "browser": "chrome"}, 2, id="shares-one-pair-not-added"),
        pytest.param({"platform": "windows", "browser": "edge"}, 3, id="shares-nothing-added"),
        pytest.param({"platform": "mac", "arch": "arm"}, 2, id="fits-one-extends-it"),
    ],
)
def test_matrix_include_is_added_only_when_it_shares_no_value(include: dict[str, str], combinations: int) -> None:
    matrix = {
        "params": [{"name": "platform", "value": ["linux", "mac"]}, {"name": "browser", "value": ["chrome"]}],
        "include": [{"name": "i", "params": [{"name": k, "value": v} for k, v in include.items()]}],
    }
    assert len(matrix_combinations(matrix)) == combinations
