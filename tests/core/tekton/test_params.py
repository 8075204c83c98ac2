"""params: rows of "Pipeline params + PipelineRun params -> values, or the run's failure" (spec §2.1)."""

from __future__ import annotations

import pytest
from ruamel.yaml import YAML

from finale.core.tekton.params import param_values
from finale.core.tekton.parse import pipeline_run, pipeline_spec
from finale.core.tekton.reasons import PipelineRunReason
from finale.core.tekton.resolve import RunFailure


def _resolve(params: str, given: str) -> object:
    yaml = YAML(typ="safe", pure=True)
    spec = pipeline_spec(yaml.load(f"params: {params}\ntasks: [{{name: a}}]"))
    run = pipeline_run(yaml.load(f"metadata: {{name: r}}\nspec: {{pipelineRef: {{name: p}}, params: {given}}}"))
    return param_values(spec, run)


@pytest.mark.parametrize(
    ("params", "given", "values"),
    [
        pytest.param("[{name: x}]", "[{name: x, value: one}]", {"x": "one"}, id="given"),
        pytest.param("[{name: x, default: d}]", "[]", {"x": "d"}, id="default"),
        pytest.param("[{name: x, default: d}]", "[{name: x, value: v}]", {"x": "v"}, id="given-beats-default"),
        pytest.param("[{name: x, type: array, default: [a, b]}]", "[]", {"x": ["a", "b"]}, id="array-default"),
        pytest.param(
            "[{name: x, default: d}, {name: y, default: '$(params.x)-y'}]", "[]", {"x": "d", "y": "d-y"}, id="chained"
        ),
    ],
)
def test_values(params: str, given: str, values: dict[str, object]) -> None:
    assert _resolve(params, given) == values


@pytest.mark.parametrize(
    ("params", "given", "reason", "message"),
    [
        pytest.param(
            "[{name: x}]",
            "[]",
            PipelineRunReason.PARAMETER_MISSING,
            "[User error] PipelineRun default/r is missing some parameters required by Pipeline default/p: "
            "pipelineRun missing parameters: [x]",
            id="missing",
        ),
        pytest.param(
            "[{name: x, type: array}]",
            "[{name: x, value: one}]",
            PipelineRunReason.PARAMETER_TYPE_MISMATCH,
            "[User error] PipelineRun default/r parameters have mismatching types with Pipeline default/p's "
            "parameters: parameters have inconsistent types : [x]",
            id="type-mismatch",
        ),
        pytest.param(
            "[{name: x, type: object, properties: {k: {}, j: {}}}]",
            "[{name: x, value: {k: v}}]",
            PipelineRunReason.OBJECT_PARAMETER_MISS_KEYS,
            "[User error] PipelineRun default/r parameters is missing object keys required by Pipeline "
            "default/p's parameters: pipelineRun missing object keys for parameters: map[x:[j]]",
            id="object-keys",
        ),
    ],
)
def test_failures(params: str, given: str, reason: PipelineRunReason, message: str) -> None:
    assert _resolve(params, given) == RunFailure(reason, message)
