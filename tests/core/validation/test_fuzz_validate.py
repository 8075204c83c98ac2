"""Fuzzing: any text or any Pipeline-shaped data gives a list of errors or an InputError."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finale.adapters.yaml.load import parse_text
from finale.core.validation.document import validate_document
from finale.errors import FieldError, InputError

FIELDS = [
    "name",
    "taskRef",
    "taskSpec",
    "params",
    "runAfter",
    "when",
    "finally",
    "tasks",
    "workspaces",
    "results",
    "value",
    "steps",
    "image",
    "script",
    "matrix",
    "onError",
    "retries",
    "timeout",
    "timeouts",
    "input",
    "operator",
    "values",
    "cel",
    "default",
    "type",
    "properties",
    "enum",
    "pipelineSpec",
    "pipelineRef",
    "status",
    "kind",
    "apiVersion",
    "include",
    "command",
    "args",
    "env",
    "workspace",
    "resolver",
]
TEXTS = st.sampled_from(
    [
        "a",
        "b",
        "Bad_Name",
        "",
        "$(params.a)",
        "$(tasks.a.results.r)",
        "$(tasks.status)",
        "$(params.a[*])",
        "$(context.pipelineRun.x)",
        "in",
        "notin",
        "1h",
        "-5s",
        "continue",
        "array",
        "object",
        "$(HOME)",
        "'$(params.a)' == 'x'",
        "$(params.a.b.c)",
        "Task",
        "x/y",
    ]
)
SCALARS = st.one_of(TEXTS, st.text(max_size=12), st.integers(-3, 3), st.booleans(), st.none())
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(FIELDS), inner, max_size=3)),
    max_leaves=8,
)
KINDS = st.sampled_from(["Pipeline", "PipelineRun", "Task", "TaskRun"])
VERSIONS = st.sampled_from(["tekton.dev/v1", "tekton.dev/v1beta1"])


def _check(doc: Any) -> None:
    errors = validate_document(doc, features=frozenset({"enable-cel-in-whenexpression"}))
    assert isinstance(errors, list)
    assert all(isinstance(e, FieldError) and isinstance(e.message, str) for e in errors)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(KINDS, VERSIONS, st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=6))
def test_random_specs_give_a_list(kind: str, version: str, spec: dict[str, Any]) -> None:
    _check({"apiVersion": version, "kind": kind, "metadata": {"name": "x"}, "spec": spec})


TASK_ENTRY = st.fixed_dictionaries(
    {"name": TEXTS},
    optional={
        f: VALUES
        for f in ("taskRef", "taskSpec", "params", "runAfter", "when", "matrix", "workspaces", "onError", "retries")
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TASK_ENTRY, max_size=4), st.lists(TASK_ENTRY, max_size=2), VALUES)
def test_random_pipelines_give_a_list(tasks: list[Any], finally_: list[Any], params: Any) -> None:
    spec = {"tasks": tasks, "finally": finally_, "params": params}
    _check({"apiVersion": "tekton.dev/v1", "kind": "Pipeline", "metadata": {"name": "p"}, "spec": spec})
    _check(
        {
            "apiVersion": "tekton.dev/v1",
            "kind": "PipelineRun",
            "metadata": {"name": "r"},
            "spec": {"pipelineSpec": spec, "params": params},
        }
    )


YAMLISH = st.text(alphabet=st.sampled_from(list("abc:-[]{}'\"#&*!|>% \n\t,.$()0")), max_size=80)


@settings(max_examples=300, deadline=None)
@given(YAMLISH)
def test_random_text_gives_a_list_or_an_input_error(text: str) -> None:
    try:
        docs = parse_text("apiVersion: tekton.dev/v1\nkind: Pipeline\n" + text, "f.yaml")
    except InputError:
        return
    for doc in docs:
        _check(doc.data)
