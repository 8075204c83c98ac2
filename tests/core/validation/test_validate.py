"""The entry point: which objects are checked, metadata rules, the valid corpus, rendering."""

from __future__ import annotations

from pathlib import Path

import pytest
from validate_helpers import errors_of

from finale.adapters.yaml.load import read_files
from finale.core.validation.document import render_errors, validate_document
from finale.errors import FieldError

DATA = Path(__file__).parent / "validate_data"

DOCUMENT_CASES = [
    pytest.param("apiVersion: v1\nkind: Secret\nmetadata: {name: Bad_Name}\n", [], id="core-secret-not-ours"),
    pytest.param("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", [], id="configmap"),
    pytest.param("apiVersion: triggers.tekton.dev/v1beta1\nkind: ClusterInterceptor\n", [], id="interceptor-not-ours"),
    pytest.param(
        "apiVersion: triggers.tekton.dev/v1beta1\nkind: EventListener\nmetadata: {name: el}\nspec: {triggers: [{}]}\n",
        [("spec.triggers[0]", "expected exactly one, got neither: template, triggerRef")],
        id="listener-trigger-without-template",
    ),
    pytest.param(
        "apiVersion: tekton.dev/v1beta1\nkind: StepAction\nmetadata: {name: s}\n", [], id="known-unchecked-kind"
    ),
    pytest.param("kind: Pipeline\n", [("apiVersion", "apiVersion not set")], id="no-apiVersion"),
    pytest.param("apiVersion: tekton.dev/v1\n", [("kind", "kind not set")], id="no-kind"),
    pytest.param(
        "apiVersion: tekton.dev/v1\nkind: Pipline\n",
        [("kind", 'no matches for kind "Pipline" in version "tekton.dev/v1"')],
        id="unknown-tekton-kind",
    ),
    pytest.param(
        "apiVersion: tekton.dev/v2\nkind: Pipeline\n",
        [("apiVersion", 'no matches for kind "Pipeline" in version "tekton.dev/v2"')],
        id="unknown-tekton-version",
    ),
    pytest.param(
        "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: My_Task}\nspec: {steps: [{image: a}]}\n",
        [("metadata.name", 'invalid resource name "My_Task": must be a valid DNS label')],
        id="P1-name-not-dns",
    ),
    pytest.param(
        "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: " + "a" * 64 + "}\nspec: {steps: [{image: a}]}\n",
        [("metadata.name", "Invalid resource name: length must be no more than 63 characters")],
        id="P1-name-too-long",
    ),
    pytest.param(
        "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata: {generateName: run-}\n"
        "spec: {pipelineRef: {name: p}}\n",
        [],
        id="generateName-is-enough",
    ),
    pytest.param(
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec: {tasks: 3}\n",
        [("spec.tasks", "expected a list, got a number")],
        id="wrong-type-is-reported",
    ),
]


@pytest.mark.parametrize(("text", "expected"), DOCUMENT_CASES)
def test_document(text: str, expected: list[tuple[str, str]]) -> None:
    assert errors_of(text) == expected


@pytest.mark.parametrize("name", ["seed_pipeline.yaml", "pipelinerun_v1.yaml"])
def test_valid_corpus_has_no_errors(name: str) -> None:
    [doc] = read_files([str(DATA / name)])
    assert validate_document(doc.data) == []


def test_errors_carry_hints() -> None:
    [doc] = read_files([str(DATA / "seed_pipeline.yaml")])
    spec = dict(doc.data["spec"])
    spec["tasks"] = [{**spec["tasks"][0], "runAfter": ["buidl"]}]
    errors = validate_document({**doc.data, "spec": spec})
    assert errors == [
        FieldError(
            path="spec.tasks",
            message="invalid value: couldn't add link between fetch-repository and buidl: task "
            "fetch-repository depends on buidl but buidl wasn't present in Pipeline",
            hint="runAfter and $(tasks.NAME.results...) must name one of: fetch-repository",
        )
    ]


RENDER_CASES = [
    pytest.param([FieldError("spec.tasks", "invalid value: x")], "invalid value: x: spec.tasks", id="one"),
    pytest.param(
        [FieldError("spec.b", "missing field(s)"), FieldError("spec.a", "missing field(s)")],
        "missing field(s): spec.a, spec.b",
        id="same-message-merged-paths-sorted",
    ),
    pytest.param(
        [FieldError("spec.z", "b msg"), FieldError("spec.y", "a msg")],
        "a msg: spec.y\nb msg: spec.z",
        id="sorted-by-message",
    ),
    pytest.param(
        [FieldError("spec.tasks[0].name", 'invalid value "A"')],
        'invalid value "A": spec.tasks[0].name\nPipeline Task name must be a valid DNS '
        "Label.For more info refer to "
        "https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names",
        id="details-line",
    ),
    pytest.param(
        [FieldError("spec.timeouts.tasks", "m"), FieldError("spec.timeouts.finally", "m")],
        "m: spec.timeouts.finally, spec.timeouts.tasks",
        id="timeouts-sum",
    ),
    pytest.param(
        [FieldError("spec.a, spec.b", "expected exactly one, got both")],
        "expected exactly one, got both: spec.a, spec.b",
        id="multi-path-error",
    ),
    pytest.param([FieldError("", "no path")], "no path: ", id="no-path-like-go"),
]


@pytest.mark.parametrize(("errors", "text"), RENDER_CASES)
def test_render_errors(errors: list[FieldError], text: str) -> None:
    assert render_errors(errors) == text


def test_validation_of_a_large_pipeline_stays_a_list() -> None:
    tasks = [
        {
            "name": f"t{i}",
            "taskRef": {"name": "x"},
            "runAfter": [f"t{i - 1}"] if i else [],
            "params": [{"name": "v", "value": f"$(tasks.t{i - 1}.results.r)" if i else "x"}],
        }
        for i in range(200)
    ]
    doc = {"apiVersion": "tekton.dev/v1", "kind": "Pipeline", "metadata": {"name": "big"}, "spec": {"tasks": tasks}}
    assert validate_document(doc) == []


def test_not_a_mapping() -> None:
    errors = validate_document(["not", "an", "object"])  # type: ignore[arg-type]
    assert [(e.path, e.message) for e in errors] == [("", "expected a Kubernetes object, got list")]
