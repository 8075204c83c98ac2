"""The check's played classes agree with the engine scenarios (what real Tekton reports).

Each row names a scenario under tests/scenarios/ and the outcome class that is the same run;
the condition and the skipped tasks the check computes must be the scenario's expected ones.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from finale.adapters.yaml.load import read_files
from finale.core.check.model import build_model
from finale.core.check.outcomes import Scenario, simulate

SCENARIOS = Path(__file__).parents[2] / "scenarios"

ROWS = [
    pytest.param("s02-failure-stops-dependent", Scenario(kind="fail", members=("a",)), True, id="s02-fail"),
    pytest.param("s03-finally-report-pair-green-run-completes", Scenario(kind="green"), True, id="s03-green"),
    pytest.param("s04-finally-report-pair-red-run", Scenario(kind="fail", members=("build",)), True, id="s04-red"),
    pytest.param("s05-when-skip-does-not-cascade", Scenario(kind="when", members=("a",)), True, id="s05-when"),
    pytest.param("s06-results-missing-cascade", Scenario(kind="when", members=("a",)), True, id="s06-missing"),
    pytest.param(
        "s07-pipelinetask-onerror-continue", Scenario(kind="fail-ignored", members=("a",)), True, id="s07-ignored"
    ),
    pytest.param(
        "s07b-onerror-continue-status-in-finally",
        Scenario(kind="fail-ignored", members=("a",)),
        True,
        id="s07b-ignored-finally",
    ),
    pytest.param(
        "s09-stopped-run-finally-while-running", Scenario(kind="stopped-run-finally", wave=1), True, id="s09-stopped"
    ),
    pytest.param(
        "s10-cancelled-run-finally-while-running",
        Scenario(kind="cancelled-run-finally", wave=1),
        True,
        id="s10-cancelled-run-finally",
    ),
    # A hard cancel or pipeline timeout ends the run in the same pass: skippedTasks are not recomputed.
    pytest.param("s11-hard-cancel-while-running", Scenario(kind="cancelled", wave=1), False, id="s11-cancelled"),
    pytest.param("s12-pipeline-timeout", Scenario(kind="pipeline-timeout", wave=1), False, id="s12-pipeline-timeout"),
    pytest.param(
        "s13-tasks-timeout-finally-runs", Scenario(kind="tasks-timeout", wave=1), True, id="s13-tasks-timeout"
    ),
    pytest.param(
        "s14-finally-task-fails", Scenario(kind="green", finally_fails="finaltask1"), True, id="s14-finally-fails"
    ),
]


@pytest.mark.parametrize(("folder", "scenario", "compare_skips"), ROWS)
def test_class_matches_scenario(folder: str, scenario: Scenario, compare_skips: bool) -> None:
    docs = read_files([str(SCENARIOS / folder / "pipelinerun.yaml")])
    expected = YAML(typ="safe").load((SCENARIOS / folder / "expected.yaml").read_text(encoding="utf-8"))
    outcome = simulate(build_model([(d.source, d.data) for d in docs]), scenario)
    cond = outcome.condition
    assert {"status": cond.status, "reason": cond.reason, "message": cond.message} == expected["condition"]
    if compare_skips:
        skipped = {**outcome.dag_skipped, **outcome.finally_skipped}
        assert skipped == (expected.get("skippedTasks") or {})
