"""Task admission rules (spec §8.4), standalone and embedded."""

from __future__ import annotations

import pytest
from validate_helpers import errors_of, task

STEP = "{image: alpine}"

TASK_CASES = [
    pytest.param(f"steps: [{STEP}]", None, id="minimal-task-is-valid"),
    pytest.param("params: [{name: x}]", ("spec.steps", "missing field(s)"), id="no-steps"),
    pytest.param(
        "steps: [{name: Step_1, image: a}]", ("spec.steps[0].name", 'invalid value "Step_1"'), id="step-name-dns-label"
    ),
    pytest.param("stepTemplate: {image: alpine}\nsteps: [{name: s}]", None, id="image-from-stepTemplate"),
    pytest.param(
        "steps: [{image: a, timeout: -5s}]",
        ("spec.steps[0].negative timeout", "invalid value: -5s"),
        id="negative-step-timeout",
    ),
    pytest.param(
        "steps: [{image: a, volumeMounts: [{name: v, mountPath: /tekton/x}]}]",
        (
            "spec.steps[0].volumeMounts[0].mountPath",
            'volumeMount cannot be mounted under /tekton/ (volumeMount "v" mounted at "/tekton/x")',
        ),
        id="mount-under-tekton",
    ),
    pytest.param(
        f"workspaces: [{{name: w}}, {{name: w, mountPath: /x}}]\nsteps: [{STEP}]",
        ("spec.workspaces[1].name", 'workspace name "w" must be unique'),
        id="duplicate-workspace",
    ),
    pytest.param(
        f"workspaces: [{{name: a, mountPath: /m}}, {{name: b, mountPath: /m/}}]\nsteps: [{STEP}]",
        ("spec.workspaces[1].mountpath", 'workspace mount path "/m" must be unique'),
        id="duplicate-mount-path",
    ),
    pytest.param(
        "steps: [{image: a, workspaces: [{name: nope}]}]",
        ("spec.steps[0].workspaces[0].name", 'undefined workspace "nope"'),
        id="step-uses-undeclared-workspace",
    ),
    pytest.param(
        "results: [{name: -bad}]\nsteps: [{image: a}]",
        ("spec.results[0].name", 'invalid key name "-bad"'),
        id="result-name",
    ),
    pytest.param(
        "results: [{name: r, type: object}]\nsteps: [{image: a}]",
        ("spec.results[0].r.properties", "missing field(s)"),
        id="object-result-needs-properties",
    ),
    pytest.param(
        "results: [{name: r}]\nsteps: [{image: a, script: 'echo > $(results.x.path)'}]",
        ("spec.steps[0].script", 'non-existent variable in "echo > $(results.x.path)"'),
        id="undeclared-result-path",
    ),
    pytest.param(
        "steps: [{image: a, script: 'echo $(context.taskRun.nme)'}]",
        ("spec.steps[0].script", 'non-existent variable in "echo $(context.taskRun.nme)"'),
        id="unknown-context-variable",
    ),
    pytest.param(
        "steps: [{image: a, args: ['$(params.x)']}]",
        ("spec.steps[0].args[0]", 'non-existent variable in "$(params.x)"'),
        id="standalone-task-undeclared-param",
    ),
    pytest.param(
        "params: [{name: a, type: array}]\nsteps: [{image: a, script: 'echo $(params.a)'}]",
        ("spec.steps[0].script", 'variable type invalid in "echo $(params.a)"'),
        id="array-param-in-script",
    ),
    pytest.param(
        "params: [{name: a, type: array}]\nsteps: [{image: a, args: ['x$(params.a[*])']}]",
        ("spec.steps[0].args[0]", 'variable is not properly isolated in "x$(params.a[*])"'),
        id="array-param-not-isolated-in-args",
    ),
    pytest.param(
        "params: [{name: a, type: array}]\nsteps: [{image: a, args: ['$(params.a[*])']}]",
        None,
        id="array-param-isolated-in-args",
    ),
    pytest.param(
        "params: [{name: 1x}]\nsteps: [{image: a}]",
        ("spec.params", "The format of following array and string variable names is invalid: [1x]"),
        id="param-name-format",
    ),
    pytest.param(
        "params: [{name: o, type: object}]\nsteps: [{image: a}]",
        ("spec.o.properties", "missing field(s)"),
        id="object-param-needs-properties",
    ),
    pytest.param(
        "steps: [{image: a, env: [{name: E, value: '$(params.p.q.r)'}]}]",
        (
            "spec.steps[0].env[E]",
            'Invalid referencing of parameters in "$(params.p.q.r)"! '
            'Only two dot-separated components after the prefix "params" are allowed.',
        ),
        id="too-many-dots",
    ),
]


@pytest.mark.parametrize(("spec", "expected"), TASK_CASES)
def test_task_rule(spec: str, expected: tuple[str, str] | None) -> None:
    got = errors_of(task(spec))
    if expected is None:
        assert got == []
    else:
        assert expected in got


def test_embedded_task_sees_pipeline_params() -> None:
    text = """\
        apiVersion: tekton.dev/v1
        kind: Pipeline
        metadata: {name: p}
        spec:
          params: [{name: rev}]
          tasks:
            - name: a
              taskSpec:
                params: [{name: own}]
                steps: [{image: a, script: "echo $(params.rev) $(params.own)"}]
        """
    assert errors_of(text) == []


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param(
            "steps: [{image: a, scirpt: ls}]",
            ("spec.steps[0].scirpt", 'strict decoding error: unknown field "spec.steps[0].scirpt"'),
            id="step-field-typo",
        ),
        pytest.param(
            "params: [{name: x, defualt: y}]\nsteps: [{image: a}]",
            ("spec.params[0].defualt", 'strict decoding error: unknown field "spec.params[0].defualt"'),
            id="param-field-typo",
        ),
    ],
)
def test_unknown_task_fields(spec: str, expected: tuple[str, str]) -> None:
    assert expected in errors_of(task(spec))
