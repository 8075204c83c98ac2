import pytest

from finale.core.tekton.parse import pipeline_run, pipeline_task
from finale.core.tekton.taskrun import attempt_timeout, child_name, matrix_combinations, taskrun_name


def test_short_names_are_run_dash_task() -> None:
    assert taskrun_name("run", "build") == "run-build"
    assert taskrun_name("run", "build", 2) == "run-build-2"


def test_long_names_are_cut_and_hashed_to_63_characters() -> None:
    name = child_name("p" * 60, "-build")
    assert len(name) == 63
    assert name.endswith("-build")
    assert name.startswith("p" * (63 - len("-build") - 32))


def test_matrix_is_a_cartesian_product_then_includes() -> None:
    matrix = {
        "params": [{"name": "os", "value": ["linux", "mac"]}, {"name": "arch", "value": ["amd64"]}],
        "include": [
            {"name": "extra", "params": [{"name": "os", "value": "linux"}, {"name": "flag", "value": "-x"}]},
            {"name": "windows", "params": [{"name": "os", "value": "windows"}]},
        ],
    }
    assert matrix_combinations(matrix) == [
        {"os": "linux", "arch": "amd64", "flag": "-x"},
        {"os": "mac", "arch": "amd64"},
        {"os": "windows"},
    ]


@pytest.mark.parametrize(
    ("task", "timeouts", "expected"),
    [
        pytest.param({"name": "a", "timeout": "30s"}, {}, 30.0, id="pipeline-task-timeout"),
        pytest.param({"name": "a"}, {}, 3600.0, id="default-60m"),
        pytest.param({"name": "a"}, {"pipeline": "3h", "tasks": "2h"}, 7200.0, id="tasks-timeout-above-default"),
        pytest.param({"name": "a"}, {"pipeline": "30m", "tasks": "20m"}, 3600.0, id="tasks-timeout-below-default"),
        pytest.param({"name": "a", "timeout": "0"}, {}, None, id="zero-is-no-timeout"),
    ],
)
def test_attempt_timeout_precedence(task: dict[str, str], timeouts: dict[str, str], expected: float | None) -> None:
    run = pipeline_run({"metadata": {"name": "r"}, "spec": {"timeouts": timeouts}})
    assert attempt_timeout(pipeline_task(task, is_finally=False), run) == expected
