"""run_condition: rows of "task states -> the PipelineRun's Succeeded condition" (spec §6)."""

from __future__ import annotations

import pytest
from tekton_tables import make_facts

from finale.core.tekton.model import SpecStatus, Timeouts
from finale.core.tekton.reasons import ConditionStatus, PipelineRunReason
from finale.core.tekton.run_condition import Condition, cancelled, condition
from finale.core.tekton.skips import compute_skips

PIPELINE = """
tasks:
  - {name: a}
  - name: b
    when: [{input: "x", operator: in, values: ["y"]}]
  - {name: c, onError: continue}
finally:
  - {name: f}
"""
T, F, U = ConditionStatus.TRUE, ConditionStatus.FALSE, ConditionStatus.UNKNOWN
R = PipelineRunReason


@pytest.mark.parametrize(
    ("states", "extra", "status", "reason", "message"),
    [
        pytest.param(
            "", {}, U, R.RUNNING, "Tasks Completed: 0 (Failed: 0, Cancelled 0), Incomplete: 3, Skipped: 1", id="start"
        ),
        pytest.param(
            "a=ok c=ok f=ok",
            {},
            T,
            R.COMPLETED,
            "Tasks Completed: 3 (Failed: 0, Cancelled 0), Skipped: 1",
            id="when-skip-completes",
        ),
        pytest.param(
            "a=ok c=ignored f=ok",
            {},
            T,
            R.COMPLETED,
            "Tasks Completed: 3 (Failed: 1 (Ignored: 1), Cancelled 0), Skipped: 1",
            id="ignored-failure-still-green",
        ),
        pytest.param(
            "a=fail c=ok f=ok",
            {},
            F,
            R.FAILED,
            "Tasks Completed: 3 (Failed: 1, Cancelled 0), Skipped: 1",
            id="failure",
        ),
        pytest.param(
            "a=fail c=ok",
            {},
            U,
            R.RUNNING,
            "Tasks Completed: 2 (Failed: 1, Cancelled 0), Incomplete: 1, Skipped: 1",
            id="failure-then-finally-still-running",
        ),
        pytest.param(
            "a=cancelled c=ok f=ok",
            {},
            F,
            R.CANCELLED,
            "Tasks Completed: 3 (Failed: 0, Cancelled 1), Skipped: 1",
            id="cancelled-task",
        ),
        pytest.param(
            "a=ok c=ok f=ok",
            {"spec_status": SpecStatus.CANCELLED_RUN_FINALLY},
            F,
            R.CANCELLED,
            'PipelineRun "run" was cancelled',
            id="graceful-cancel-ends-cancelled",
        ),
        pytest.param(
            "a=running",
            {"timeouts": Timeouts(pipeline=60.0), "now": 61.0},
            F,
            R.TIMEOUT,
            'PipelineRun "run" failed to finish within "1m0s"',
            id="pipeline-timeout",
        ),
    ],
)
def test_condition(
    states: str, extra: dict[str, object], status: ConditionStatus, reason: PipelineRunReason, message: str
) -> None:
    got = condition(compute_skips(make_facts(PIPELINE, states, **extra)), "run")
    assert (got.status, got.reason, got.message) == (status, reason, message)
    assert got.done is (status != U)


def test_a_hard_cancel_names_the_run() -> None:
    assert cancelled("run") == Condition(F, R.CANCELLED, 'PipelineRun "run" was cancelled')
