"""Param enum checks during a run, row by row against tektoncd/pipeline at v1.15.0-49.

Rows come from pkg/reconciler/taskrun/validate_taskrun.go ValidateEnumParam and
pkg/reconciler/pipelinerun/resources/pipelinerunresolution.go ValidateParamEnumSubset.
"""

from typing import Any

import pytest

from finale.core.tekton.model import ParamSpec
from finale.core.tekton.params import enum_subset_problem, taskrun_enum_problem, value_not_in_enum
from finale.testing.fakes import run_scripted

ENUM = ParamSpec(name="m", enum=("v1", "v2"))


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ([("m", "v1")], None),
        ([("m", "v3")], "param `m` value: v3 is not in the enum list"),
        ([("m", "")], None),  # an empty value means "use the default", checked at admission
        ([("m", ["v3"])], None),  # only strings are checked
        ([("other", "v3")], None),
        ([("m", "v1"), ("m", "v9")], "param `m` value: v9 is not in the enum list"),
    ],
)
def test_value_not_in_enum(values: list[tuple[str, Any]], problem: str | None) -> None:
    assert value_not_in_enum(values, [ENUM]) == problem


TASK_ENUM = (ParamSpec(name="m", enum=("v1", "v2", "v3")), ParamSpec(name="free"))


@pytest.mark.parametrize(
    ("pipeline", "task_params", "problem"),
    [
        (ParamSpec(name="p", enum=("v1",)), {"m": "$(params.p)"}, None),
        (
            ParamSpec(name="p", enum=("v1", "v4")),
            {"m": "$(params.p)"},
            'pipeline param "p" enum: [v1 v4] is not a subset of the referenced in "t" task param enum: [v1 v2 v3]',
        ),
        (
            ParamSpec(name="p"),
            {"m": "$(params.p)"},
            'pipeline param "p" has no enum, but referenced in "t" task has enums: [v1 v2 v3]',
        ),
        (ParamSpec(name="p", enum=("v4",)), {"m": "$(params.p)-$(params.p)"}, None),  # two references: skipped
        (ParamSpec(name="p", enum=("v4",)), {"m": "literal"}, None),
        # Go returns at the first referenced param whose Task param has no enum, so later ones pass.
        (ParamSpec(name="p", enum=("v4",)), {"free": "$(params.p)", "m": "$(params.p)"}, None),
        (
            ParamSpec(name="p", enum=("v4",)),
            {"m": '$(params["p"])'},
            ('pipeline param "p" enum: [v4] is not a subset of the referenced in "t" task param enum: [v1 v2 v3]'),
        ),
    ],
)
def test_enum_subset(pipeline: ParamSpec, task_params: dict[str, Any], problem: str | None) -> None:
    assert enum_subset_problem(task_params, [pipeline], TASK_ENUM, "t") == problem


def test_taskrun_check_names_the_pipeline_task() -> None:
    spec = {"params": [{"name": "m", "enum": ["v1"]}]}
    assert taskrun_enum_problem("build", spec, [{"m": "v1"}, {"m": "v2"}]) == (
        '[User error] Invalid param value from PipelineTask "build": param `m` value: v2 is not in the enum list'
    )
    assert taskrun_enum_problem("build", {"params": [{"name": "m"}]}, [{"m": "v2"}]) is None


MATRIX = """
metadata: {name: enum-matrix}
spec:
  pipelineSpec:
    tasks:
      - name: first
        taskSpec: {steps: [{image: x, script: "true"}]}
      - name: fan
        runAfter: [first]
        matrix:
          params: [{name: m, value: [v1, v9]}]
        taskSpec:
          params: [{name: m, enum: [v1, v2]}]
          steps: [{image: x, script: "true"}]
"""


def test_a_matrix_combination_outside_the_enum_fails_the_run_before_any_taskrun() -> None:
    """createTaskRuns checks every combination before creating the first TaskRun."""
    result, _ = run_scripted(MATRIX)
    assert (result.condition.status, result.condition.reason) == ("False", "InvalidParamValue")
    assert result.condition.message == (
        '[User error] Invalid param value from PipelineTask "fan": param `m` value: v9 is not in the enum list'
    )
    assert set(result.taskruns) == {"first"}
