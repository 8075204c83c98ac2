"""skips: rows of "task states -> skipped with reason / ready", one predicate per reason in Tekton's order."""

from __future__ import annotations

import pytest
from tekton_tables import make_facts

from finale.core.tekton.model import SpecStatus, Timeouts
from finale.core.tekton.reasons import SkipReason
from finale.core.tekton.skips import compute_skips, ready_dag_tasks

CHAIN = """
tasks:
  - {name: a}
  - {name: b, runAfter: [a]}
  - {name: c, runAfter: [b]}
finally:
  - {name: f}
"""

GUARDED = """
params: [{name: go, default: "no"}]
tasks:
  - {name: a}
  - name: b
    runAfter: [a]
    when: [{input: "no", operator: in, values: ["yes"]}]
  - {name: c, runAfter: [b]}
  - name: d
    params: [{name: p, value: $(tasks.b.results.r)}]
finally:
  - {name: f}
"""

RESULTS = """
tasks:
  - {name: a}
  - name: b
    params: [{name: p, value: $(tasks.a.results.r)}]
finally:
  - name: f
    params: [{name: p, value: $(tasks.a.results.r)}]
"""


@pytest.mark.parametrize(
    ("pipeline", "states", "extra", "skips", "ready"),
    [
        pytest.param(CHAIN, "", {}, {}, ["a"], id="nothing-ran-roots-ready"),
        pytest.param(CHAIN, "a=ok", {}, {}, ["b"], id="a-done-b-ready"),
        pytest.param(CHAIN, "a=running", {}, {}, [], id="a-running-nothing-ready"),
        pytest.param(
            CHAIN,
            "a=fail",
            {},
            {"b": SkipReason.STOPPING, "c": SkipReason.STOPPING},
            [],
            id="a-failed-run-stopping",
        ),
        pytest.param(
            CHAIN.replace("{name: a}", "{name: a, onError: continue}"),
            "a=ignored",
            {},
            {},
            ["b"],
            id="a-failure-ignored-b-ready",
        ),
        pytest.param(
            CHAIN,
            "a=ok b=ok c=ok",
            {},
            {},
            [],
            id="dag-done-finally-not-skipped",
        ),
        pytest.param(
            CHAIN,
            "a=ok",
            {"spec_status": SpecStatus.CANCELLED_RUN_FINALLY},
            {"b": SkipReason.GRACEFULLY_CANCELLED, "c": SkipReason.GRACEFULLY_CANCELLED},
            [],
            id="graceful-cancel",
        ),
        pytest.param(
            CHAIN,
            "a=ok",
            {"spec_status": SpecStatus.STOPPED_RUN_FINALLY},
            {"b": SkipReason.GRACEFULLY_STOPPED, "c": SkipReason.GRACEFULLY_STOPPED},
            [],
            id="graceful-stop",
        ),
        pytest.param(
            CHAIN,
            "a=ok",
            {"timeouts": Timeouts(pipeline=None, tasks=10.0), "now": 11.0},
            {"b": SkipReason.TASKS_TIMEOUT, "c": SkipReason.PARENT_SKIPPED},
            [],
            id="tasks-timeout-finally-still-runs",
        ),
        pytest.param(
            CHAIN,
            "a=ok",
            {"timeouts": Timeouts(pipeline=10.0), "now": 11.0},
            {"b": SkipReason.PIPELINE_TIMEOUT, "c": SkipReason.PARENT_SKIPPED, "f": SkipReason.PIPELINE_TIMEOUT},
            [],
            id="pipeline-timeout",
        ),
        pytest.param(
            GUARDED,
            "a=ok",
            {},
            {"b": SkipReason.WHEN, "d": SkipReason.MISSING_RESULTS},
            ["c"],
            id="when-false-does-not-cascade",
        ),
    ],
)
def test_skip_reasons_and_ready_tasks(
    pipeline: str, states: str, extra: dict[str, object], skips: dict[str, SkipReason], ready: list[str]
) -> None:
    facts = compute_skips(make_facts(pipeline, states, **extra))
    assert dict(facts.skips) == skips
    assert [t.name for t in ready_dag_tasks(facts)] == ready


@pytest.mark.parametrize(
    ("states", "results", "skips"),
    [
        pytest.param("a=ok b=ok", {"a": {"r": "x"}}, {}, id="result-given-nothing-skipped"),
        pytest.param("a=fail", {}, {"b": SkipReason.STOPPING, "f": SkipReason.MISSING_RESULTS}, id="producer-failed"),
    ],
)
def test_finally_reads_results_of_finished_tasks(states: str, results: dict[str, dict[str, str]], skips: dict) -> None:
    assert dict(compute_skips(make_facts(RESULTS, states, results)).skips) == skips


def test_a_result_never_emitted_fails_the_consumer_s_validation_not_a_skip() -> None:
    facts = compute_skips(make_facts(RESULTS, "a=ok"))
    assert facts.validation_failed == {
        "b": 'task "a" completed successfully but did not emit the result "r", which is referenced by task "b"'
    }
    assert dict(facts.skips) == {"f": SkipReason.MISSING_RESULTS}
    assert ready_dag_tasks(facts) == ()


def test_compute_skips_returns_new_facts_and_leaves_its_argument_as_it_was() -> None:
    # RESULTS with a=ok but no result: b fails validation, which makes the run stopping.
    before = make_facts(RESULTS, "a=ok")
    after = compute_skips(before)
    assert after is not before
    assert dict(after.validation_failed) and after.is_stopping()
    assert dict(before.skips) == {} and dict(before.validation_failed) == {} and not before.is_stopping()
    guarded = make_facts(GUARDED, "a=ok")
    assert dict(compute_skips(guarded).skips) and dict(guarded.skips) == {}
