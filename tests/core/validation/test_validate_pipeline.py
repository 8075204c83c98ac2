"""Pipeline admission rules (spec §8.2), each with Tekton's exact text."""

from __future__ import annotations

import pytest
from validate_helpers import errors_of, pipeline

TASK = "taskRef: {name: t}"

PIPELINE_CASES = [
    pytest.param("description: only a description", None, id="description-only-is-valid"),
    pytest.param(
        "{}",
        (
            "spec.description, spec.params, spec.resources, spec.tasks, spec.workspaces",
            "expected at least one, got none",
        ),
        id="P2-empty-spec",
    ),
    pytest.param(
        f"tasks: [{{name: Build, {TASK}}}]",
        ("spec.tasks[0].name", 'invalid value "Build"'),
        id="P3-task-name-dns-label",
    ),
    pytest.param(
        f"tasks: [{{name: a, {TASK}}}]\nfinally: [{{name: a, {TASK}}}]",
        ("spec.finally[0].name", "expected exactly one, got both"),
        id="P4-name-shared-by-tasks-and-finally",
    ),
    pytest.param(
        f"tasks: [{{name: a, {TASK}}}, {{name: a, {TASK}}}]",
        (
            "spec.tasks",
            "invalid value: task a is already present in Graph, can't add it again: duplicate pipeline task",
        ),
        id="P4-duplicate-in-graph",
    ),
    pytest.param(
        "tasks: [{name: a}]",
        ("spec.tasks[0].taskRef, spec.tasks[0].taskSpec", "expected exactly one, got neither"),
        id="P5-neither-ref-nor-spec",
    ),
    pytest.param(
        "tasks: [{name: a, taskRef: {name: t}, taskSpec: {steps: [{image: x}]}}]",
        ("spec.tasks[0].taskRef, spec.tasks[0].taskSpec", "expected exactly one, got multiple"),
        id="P5-both-ref-and-spec",
    ),
    pytest.param(
        "tasks: [{name: a, taskRef: {kind: Task}}]",
        ("spec.tasks[0].taskRef.name", "missing field(s)"),
        id="P6-taskref-without-name",
    ),
    pytest.param(
        "tasks: [{name: a, taskSpec: {}}]",
        ("spec.tasks[0].taskSpec.steps", "missing field(s)"),
        id="P7-embedded-no-steps",
    ),
    pytest.param(
        "tasks: [{name: a, taskSpec: {steps: [{name: s}]}}]",
        ("spec.tasks[0].taskSpec.steps[0].Image", "missing field(s)"),
        id="P7-step-without-image",
    ),
    pytest.param(
        "tasks: [{name: a, taskSpec: {steps: [{image: x, script: ls, command: [sh]}]}}]",
        ("spec.tasks[0].taskSpec.steps[0].script", "script cannot be used with command"),
        id="P7-script-with-command",
    ),
    pytest.param(
        "tasks: [{name: a, taskSpec: {steps: [{name: s, image: x}, {name: s, image: x}]}}]",
        ("spec.tasks[0].taskSpec.steps[1].name", "expected exactly one, got both"),
        id="P7-duplicate-step-names",
    ),
    pytest.param(
        "tasks: [{name: a, taskSpec: {steps: [{image: x, onError: ignore}]}}]",
        ("spec.tasks[0].taskSpec.steps[0].onError", 'invalid value: "ignore"'),
        id="P7-step-onError",
    ),
    pytest.param(
        f"tasks: [{{name: a, runAfter: [buidl], {TASK}}}]",
        (
            "spec.tasks",
            "invalid value: couldn't add link between a and buidl: task a "
            "depends on buidl but buidl wasn't present in Pipeline",
        ),
        id="P8-unknown-runAfter",
    ),
    pytest.param(
        "tasks: [{name: a, taskRef: {name: t}, params: [{name: x, value: '$(tasks.gone.results.r)'}]}]",
        (
            "spec.tasks",
            "invalid value: couldn't add link between a and gone: task a "
            "depends on gone but gone wasn't present in Pipeline",
        ),
        id="P8-unknown-result-producer",
    ),
    pytest.param(
        f"tasks: [{{name: b, runAfter: [a], {TASK}}}, {{name: a, runAfter: [b], {TASK}}}]",
        ("spec.tasks", 'invalid value: cycle detected; task "a" depends on "b"'),
        id="P9-two-task-cycle-names-smallest",
    ),
    pytest.param(
        f"tasks: [{{name: a, runAfter: [a], {TASK}}}]",
        ("spec.tasks", 'invalid value: cycle detected; task "a" depends on "a"'),
        id="P9-self-reference",
    ),
    pytest.param(
        f"""\
        tasks:
          - {{name: x, runAfter: [z], {TASK}}}
          - {{name: y, runAfter: [x], {TASK}}}
          - {{name: z, runAfter: [y, w], {TASK}}}
          - {{name: w, {TASK}}}
        """,
        ("spec.tasks", 'invalid value: cycle detected; task "x" depends on "z"'),
        id="P9-three-task-cycle",
    ),
    pytest.param(
        f"""\
        tasks:
          - {{name: c, {TASK}, params: [{{name: v, value: "$(tasks.d.results.r)"}}]}}
          - {{name: d, runAfter: [c], {TASK}}}
        """,
        ("spec.tasks", 'invalid value: cycle detected; task "c" depends on "d"'),
        id="P9-cycle-through-result-reference",
    ),
    pytest.param(
        f"tasks: [{{name: a, {TASK}, params: [{{name: s, value: $(tasks.status)}}]}}]",
        (
            "spec.tasks[0].params[s].value",
            "invalid value: pipeline tasks can not refer to "
            "execution status of any other pipeline task or aggregate status of tasks",
        ),
        id="P10-status-in-dag-param",
    ),
    pytest.param(
        f"""\
        tasks:
          - {{name: a, {TASK}}}
          - name: b
            {TASK}
            when: [{{input: $(tasks.a.reason), operator: in, values: [x]}}]
        """,
        (
            "spec.tasks[1].when[0]",
            "invalid value: pipeline tasks can not refer to execution "
            "status of any other pipeline task or aggregate status of tasks",
        ),
        id="P10-reason-in-dag-when",
    ),
    pytest.param(
        f"""\
        tasks: [{{name: a, {TASK}}}]
        finally: [{{name: f, {TASK}, params: [{{name: s, value: $(tasks.nope.status)}}]}}]
        """,
        ("spec.finally[0].params[s].value", "invalid value: pipeline task nope is not defined in the pipeline"),
        id="P11-finally-status-of-unknown-task",
    ),
    pytest.param(
        f"""\
        tasks: [{{name: a, {TASK}}}]
        finally:
          - {{name: f, {TASK}}}
          - name: g
            {TASK}
            when: [{{input: $(tasks.f.status), operator: in, values: [Failed]}}]
        """,
        ("spec.finally[1].when[0]", "invalid value: pipeline task f is not defined in the pipeline"),
        id="P11-finally-status-of-finally-task",
    ),
    pytest.param(
        f"tasks: [{{name: a, {TASK}}}]\nfinally: [{{name: f, runAfter: [a], {TASK}}}]",
        (
            "spec.finally[0]",
            "invalid value: no runAfter allowed under spec.finally, final task f has runAfter specified",
        ),
        id="P12-runAfter-in-finally",
    ),
    pytest.param(
        f"""\
        tasks: [{{name: a, {TASK}}}]
        finally:
          - {{name: f, {TASK}}}
          - {{name: g, {TASK}, params: [{{name: v, value: $(tasks.f.results.r)}}]}}
        """,
        (
            "spec.finally[1].params[v].value",
            "invalid value: invalid task result reference, final task has task result reference from a final task f",
        ),
        id="P13-finally-reads-finally-result",
    ),
    pytest.param(
        f"""\
        tasks: [{{name: a, {TASK}}}]
        finally: [{{name: f, {TASK}, params: [{{name: v, value: $(tasks.x.results.r)}}]}}]
        """,
        (
            "spec.finally[0].params[v].value",
            "invalid value: invalid task result reference, "
            "final task has task result reference from a task x which is not defined in the "
            "pipeline",
        ),
        id="P13-finally-reads-unknown-task",
    ),
    pytest.param(
        f"finally: [{{name: f, {TASK}}}]",
        ("spec.finally", "invalid value: spec.tasks is empty but spec.finally has 1 tasks"),
        id="P14-finally-without-tasks",
    ),
    pytest.param(
        f"tasks: [{{name: a, {TASK}, when: [{{}}]}}]",
        ("spec.tasks[0].when[0]", "missing field(s)"),
        id="P15-empty-when",
    ),
    pytest.param(
        f"tasks: [{{name: a, {TASK}, when: [{{input: x, operator: '=', values: [x]}}]}}]",
        ("spec.tasks[0].when[0]", 'invalid value: operator "=" is not recognized. valid operators: in,notin'),
        id="P15-bad-operator",
    ),
    pytest.param(
        f"tasks: [{{name: a, {TASK}, when: [{{input: x, operator: in, values: []}}]}}]",
        ("spec.tasks[0].when[0]", "invalid value: expecting non-empty values field"),
        id="P15-empty-values",
    ),
    pytest.param(
        f"tasks: [{{name: a, {TASK}, when: [{{cel: \"'a' == 'a'\"}}]}}]",
        (
            "spec.tasks[0].when[0]",
            "feature flag enable-cel-in-whenexpression should be set to true to use CEL: 'a' == 'a' in WhenExpression",
        ),
        id="P16-cel-flag-off",
    ),
    pytest.param(
        f"params: [{{name: x}}]\ntasks: [{{name: a, {TASK}, params: [{{name: v, value: '$(params.y)'}}]}}]",
        ("spec.tasks[0].params[v]", 'non-existent variable in "$(params.y)"'),
        id="P17-undeclared-param",
    ),
    pytest.param(
        f"tasks: [{{name: a, {TASK}, when: [{{input: '$(params.y)', operator: in, values: [x]}}]}}]",
        ("spec.tasks[0].when[0].input", 'non-existent variable in "$(params.y)"'),
        id="P17-undeclared-param-in-when",
    ),
    pytest.param(
        "tasks: [{name: a, taskSpec: {steps: [{image: x, script: 'echo $(params.y)'}]}}]",
        ("spec.tasks[0].taskSpec.steps[0].script", 'non-existent variable in "echo $(params.y)"'),
        id="P17-undeclared-in-steps",
    ),
    pytest.param(
        f"params: [{{name: arr, type: array}}]\ntasks: [{{name: a, {TASK}, params: "
        "[{name: v, value: 'x $(params.arr)'}]}]",
        ("spec.tasks[0].params[v]", 'variable type invalid in "x $(params.arr)"'),
        id="P18-array-in-string",
    ),
    pytest.param(
        f"params: [{{name: arr, type: array}}]\ntasks: [{{name: a, {TASK}, params: "
        "[{name: v, value: ['x $(params.arr[*])']}]}]",
        ("spec.tasks[0].params[v].value[0]", 'variable is not properly isolated in "x $(params.arr[*])"'),
        id="P18-array-not-isolated",
    ),
    pytest.param(
        f"params: [{{name: o, properties: {{k: {{}}}}}}]\ntasks: [{{name: a, {TASK}, "
        "params: [{name: v, value: '$(params.o.nokey)'}]}]",
        ("spec.tasks[0].params[v]", 'non-existent variable in "$(params.o.nokey)"'),
        id="P18-unknown-object-key",
    ),
    pytest.param(
        "params: [{name: x}, {name: x}]",
        ("spec.params[x]", "parameter appears more than once"),
        id="P19-duplicate-param",
    ),
    pytest.param("params: [{name: x, type: list}]", ("spec.params.x.type", "invalid value: list"), id="P19-bad-type"),
    pytest.param(
        "params: [{name: x, type: array, default: text}]",
        (
            "spec.params.x.type, spec.params.x.default.type",
            '"array" type does not match default value\'s type: "string"',
        ),
        id="P19-default-type-mismatch",
    ),
    pytest.param(
        "params: [{name: o, type: object, properties: {k: {type: array}}}]",
        ("spec.params.o.properties", "The value type specified for these keys [k] is invalid"),
        id="P19-object-property-type",
    ),
    pytest.param(
        "params: [{name: x, enum: [a, b]}]",
        ("spec.params[x]", "feature flag `enable-param-enum` should be set to true to use Enum"),
        id="P19-enum-flag-off",
    ),
    pytest.param(
        f"tasks: [{{name: a, {TASK}, params: [{{name: v, value: x}}, {{name: v, value: y}}]}}]",
        ("spec.tasks[0].params[1].name", 'parameter names must be unique, the parameter "v" is also defined at'),
        id="P20-duplicate-task-param",
    ),
    pytest.param(
        f"tasks: [{{name: a, {TASK}, params: [{{name: v, value: '$(context.pipelineRun.nam)'}}]}}]",
        ("spec.tasks[0].params[v].value", 'non-existent variable in "$(context.pipelineRun.nam)"'),
        id="P21-context-typo",
    ),
    pytest.param(
        f"tasks: [{{name: a, {TASK}, workspaces: [{{name: src}}]}}]",
        (
            "spec.tasks[0].workspaces[0]",
            'invalid value: pipeline task "a" expects workspace with name "src" but none exists in pipeline spec',
        ),
        id="P22-undeclared-workspace",
    ),
    pytest.param(
        f"workspaces: [{{name: w}}]\ntasks: [{{name: a, {TASK}, workspaces: "
        "[{name: s, workspace: w}, {name: s, workspace: w}]}]",
        ("spec.tasks[0].workspaces[1]", 'workspace name "s" must be unique'),
        id="P22-duplicate-binding",
    ),
    pytest.param(
        f"workspaces: [{{name: w}}, {{name: w}}]\ntasks: [{{name: a, {TASK}}}]",
        ("spec.workspaces[1]", 'invalid value: workspace with name "w" appears more than once'),
        id="P22-duplicate-declaration",
    ),
    pytest.param(
        f"tasks: [{{name: a, {TASK}, onError: skip}}]",
        ("spec.tasks[0].OnError", "invalid value: skip"),
        id="P23-bad-onError",
    ),
    pytest.param(
        f"tasks: [{{name: a, {TASK}, onError: continue, retries: 1}}]",
        ("spec.tasks[0]", 'PipelineTask OnError cannot be set to "continue" when Retries is greater than 0'),
        id="P23-continue-with-retries",
    ),
    pytest.param(
        f"tasks: [{{name: a, {TASK}}}]\nresults: [{{name: r, value: plain}}]",
        (
            "spec.results[0].value",
            "invalid value: expected pipeline results to be task result expressions but no expressions were found",
        ),
        id="P24-no-expression",
    ),
    pytest.param(
        f"tasks: [{{name: a, {TASK}}}]\nresults: [{{name: r, value: '$(tasks.b.results.x)'}}]",
        ("spec.results[0].value", "invalid value: referencing a nonexistent task"),
        id="P24-nonexistent-task",
    ),
    pytest.param(
        f"tasks: [{{name: a, {TASK}, params: [{{name: v, value: '$(HOME)'}}]}}]",
        (
            "spec.tasks[0].params[v].value",
            "invalid value: invalid variable reference "
            '"$(HOME)", must start with a valid prefix: params, tasks, finally, context, '
            "workspaces, or results; if you meant a shell variable, use ${VAR} instead",
        ),
        id="P25-shell-variable",
    ),
    pytest.param(
        "tasks: [{name: a, taskRef: {name: t, kind: Custom}}]",
        ("spec.tasks[0].taskRef.apiVersion", "invalid value: custom task ref must specify apiVersion"),
        id="P26-custom-without-apiVersion",
    ),
    pytest.param(
        "tasks: [{name: a, taskRef: {name: t, apiVersion: example.dev}}]",
        ("spec.tasks[0].taskRef.kind", "invalid value: custom task ref must specify kind"),
        id="P26-custom-without-kind",
    ),
    pytest.param(
        "tasks: [{name: a, taskRef: {name: t, kind: Wait, apiVersion: nogroup}}]",
        (
            "spec.tasks[0].taskRef.apiVersion",
            'invalid value: invalid apiVersion format "nogroup", must be in the format "group/version"',
        ),
        id="P26-bad-apiVersion",
    ),
    pytest.param(
        f"""\
        tasks:
          - {{name: m, {TASK}, matrix: {{params: [{{name: os, value: [a, b]}}]}}}}
          - {{name: c, {TASK}, params: [{{name: v, value: $(tasks.m.results.r)}}]}}
        """,
        (
            "spec.tasks[1].params[v].value",
            "A matrixed pipelineTask can only be consumed in "
            "aggregate using [*] notation, but is currently set to tasks.m.results.r",
        ),
        id="P27-matrix-result-not-aggregate",
    ),
    pytest.param(
        f"tasks: [{{name: m, {TASK}, params: [{{name: os, value: x}}], matrix: "
        "{params: [{name: os, value: [a, b]}]}}]",
        ("spec.tasks[0].matrix[os], spec.tasks[0].params[os]", "expected exactly one, got both"),
        id="P27-param-in-matrix-and-params",
    ),
]


@pytest.mark.parametrize(("spec", "expected"), PIPELINE_CASES)
def test_pipeline_rule(spec: str, expected: tuple[str, str] | None) -> None:
    got = errors_of(pipeline(spec))
    if expected is None:
        assert got == []
    else:
        assert expected in got


FEATURE_CASES = [
    pytest.param(
        f"tasks: [{{name: a, {TASK}, when: [{{cel: \"'$(params.b)' == 'main'\"}}]}}]",
        ("enable-cel-in-whenexpression",),
        [],
        id="P16-quoted-reference-compiles",
    ),
    pytest.param(
        f"tasks: [{{name: a, {TASK}, when: [{{cel: \"$(params.b) == 'main'\"}}]}}]",
        ("enable-cel-in-whenexpression",),
        [("spec.tasks[0].when[0]", "invalid cel expression: $(params.b) == 'main' with err: ")],
        id="P16-unquoted-reference-fails",
    ),
    pytest.param(
        f"tasks: [{{name: a, {TASK}, when: [{{cel: \"params.b == 'main'\"}}]}}]",
        ("enable-cel-in-whenexpression",),
        [("spec.tasks[0].when[0]", "invalid cel expression: params.b == 'main' with err: ")],
        id="P16-bare-variable-fails",
    ),
    pytest.param(
        f"tasks: [{{name: a, {TASK}, when: [{{cel: \"'a' == 'a'\", input: x}}]}}]",
        ("enable-cel-in-whenexpression",),
        [
            (
                "spec.tasks[0].when[0]",
                "cel and input+operator+values cannot be set in one WhenExpression: &{x  [] 'a' == 'a'}",
            )
        ],
        id="P16-cel-mixed-with-input",
    ),
    pytest.param(
        "params: [{name: x, default: c, enum: [a, b]}]",
        ("enable-param-enum",),
        [("spec.params[x]", "param default value c not in the enum list")],
        id="P19-enum-default-outside",
    ),
    pytest.param(
        "params: [{name: x, type: array, enum: [a]}]",
        ("enable-param-enum",),
        [("spec.params[x]", "enum can only be set with string type param")],
        id="P19-enum-on-array",
    ),
    pytest.param(
        f"tasks: [{{name: m, {TASK}, matrix: {{params: [{{name: os, value: [a]}}]}}}}]",
        ("enable-api-fields=stable",),
        [
            (
                "spec.tasks[0].matrix",
                'matrix requires "enable-api-fields" feature gate to be "alpha" or "beta" but it is "stable"',
            )
        ],
        id="P28-matrix-needs-beta",
    ),
    pytest.param(
        "tasks: [{name: a, taskRef: {resolver: git, params: [{name: url, value: u}]}}]",
        ("enable-api-fields=stable",),
        [
            (
                "spec.tasks[0]",
                'taskref.resolver requires "enable-api-fields" feature gate to be "alpha" or "beta" but it is "stable"',
            ),
            (
                "spec.tasks[0]",
                'taskref.params requires "enable-api-fields" feature gate to be "alpha" or "beta" but it is "stable"',
            ),
        ],
        id="P28-resolver-needs-beta",
    ),
    pytest.param(
        "tasks: [{name: a, pipelineRef: {name: other}}]",
        (),
        [("spec.tasks[0]", 'pipelineRef requires "enable-api-fields" feature gate to be "alpha" but it is "beta"')],
        id="P28-pipelineRef-needs-alpha",
    ),
]


@pytest.mark.parametrize(("spec", "features", "expected"), FEATURE_CASES)
def test_feature_gated_rule(spec: str, features: tuple[str, ...], expected: list) -> None:
    got = errors_of(pipeline(spec), *features)
    for path, message in expected:
        assert any(p == path and m.startswith(message) for p, m in got), got
    if not expected:
        assert got == []


def test_every_problem_is_reported_at_once() -> None:
    got = errors_of(
        pipeline(f"""\
        tasks:
          - {{name: Bad, {TASK}}}
          - {{name: b, runAfter: [nope], {TASK}}}
        finally: [{{name: f, runAfter: [b], {TASK}}}]
        """)
    )
    assert got == [
        ("spec.tasks[0].name", 'invalid value "Bad"'),
        (
            "spec.tasks",
            "invalid value: couldn't add link between b and nope: task b depends on "
            "nope but nope wasn't present in Pipeline",
        ),
        (
            "spec.finally[0]",
            "invalid value: no runAfter allowed under spec.finally, final task f has runAfter specified",
        ),
    ]


def test_status_variables_allowed_in_finally() -> None:
    assert (
        errors_of(
            pipeline(f"""\
        tasks: [{{name: a, {TASK}}}]
        finally:
          - name: f
            {TASK}
            params: [{{name: s, value: "$(tasks.status) $(tasks.a.status) $(tasks.a.reason)"}}]
            when: [{{input: $(tasks.a.status), operator: in, values: [Failed]}}]
        """)
        )
        == []
    )


def test_status_check_skipped_when_value_also_has_result_reference() -> None:
    # Tekton quirk kept on purpose: the status check does not run on such a value.
    spec = f"""\
        tasks:
          - {{name: a, {TASK}}}
          - {{name: b, {TASK}, params: [{{name: v, value: "$(tasks.a.results.r) $(tasks.status)"}}]}}
        """
    assert errors_of(pipeline(spec)) == []


def test_v1beta1_pipeline_gets_the_same_rules() -> None:
    got = errors_of(pipeline(f"tasks: [{{name: a, runAfter: [a], {TASK}}}]", version="v1beta1"))
    assert got == [("spec.tasks", 'invalid value: cycle detected; task "a" depends on "a"')]


def test_hints_are_plain_words() -> None:
    from finale.adapters.yaml.load import parse_text
    from finale.core.validation.document import validate_document

    [doc] = parse_text(pipeline(f"tasks: [{{name: a, runAfter: [b], {TASK}}}]"), "p.yaml")
    [error] = validate_document(doc.data)
    assert error.hint == "runAfter and $(tasks.NAME.results...) must name one of: a"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param(
            f"tasks: [{{name: a, runafter: [b], {TASK}}}]",
            ("spec.tasks[0].runafter", 'strict decoding error: unknown field "spec.tasks[0].runafter"'),
            id="typo-in-pipeline-task",
        ),
        pytest.param(
            f"task: [{{name: a, {TASK}}}]",
            ("spec.task", 'strict decoding error: unknown field "spec.task"'),
            id="typo-in-spec",
        ),
        pytest.param(
            f"tasks: [{{name: a, {TASK}, when: [{{input: x, operator: in, value: [x]}}]}}]",
            ("spec.tasks[0].when[0].value", 'strict decoding error: unknown field "spec.tasks[0].when[0].value"'),
            id="typo-in-when",
        ),
    ],
)
def test_unknown_fields_are_refused(spec: str, expected: tuple[str, str]) -> None:
    assert expected in errors_of(pipeline(spec))


def test_unknown_field_hint_suggests_the_right_name() -> None:
    from finale.adapters.yaml.load import parse_text
    from finale.core.validation.document import validate_document

    [doc] = parse_text(pipeline(f"tasks: [{{name: a, runafter: [b], {TASK}}}]"), "p.yaml")
    assert validate_document(doc.data)[0].hint == "did you mean runAfter?"


def test_embedded_pipeline_in_pipeline_task_is_checked_with_alpha() -> None:
    spec = "tasks: [{name: a, pipelineSpec: {tasks: [{name: B, taskRef: {name: t}}]}}]"
    got = errors_of(pipeline(spec), "enable-api-fields=alpha")
    assert got == [("spec.tasks[0].pipelineSpec.tasks[0].name", 'invalid value "B"')]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param(
            f"params: [{{name: foo}}]\ntasks: [{{name: a, {TASK}, matrix: {{params: "
            "[{name: x, value: [a, '$(params.nope)']}]}}]",
            ("spec.tasks[0].matrix.params[x].value[1]", 'non-existent variable in "$(params.nope)"'),
            id="matrix-param",
        ),
        pytest.param(
            f"params: [{{name: foo}}]\ntasks: [{{name: a, {TASK}, matrix: {{include: "
            "[{params: [{name: x, value: '$(params.nope)'}]}]}}]",
            ("spec.tasks[0].matrix.include[0].params[x]", 'non-existent variable in "$(params.nope)"'),
            id="matrix-include-param",
        ),
        pytest.param(
            f"params: [{{name: foo, type: array}}]\ntasks: [{{name: a, {TASK}, when: "
            "[{input: '$(params.foo)', operator: in, values: [a]}]}]",
            ("spec.tasks[0].when[0].input", 'variable type invalid in "$(params.foo)"'),
            id="array-as-when-input",
        ),
    ],
)
def test_param_usage_in_matrix_and_when(spec: str, expected: tuple[str, str]) -> None:
    assert expected in errors_of(pipeline(spec))
