"""facts: rows of "task states -> task status, aggregate status, predicates" (spec §2.5, §5)."""

from __future__ import annotations

import pytest
from tekton_tables import make_facts

from finale.core.tekton.reasons import AggregateStatus, SkipReason, TaskStatus

TWO = """
tasks:
  - {name: a}
  - {name: b, onError: continue}
finally:
  - {name: f}
"""


@pytest.mark.parametrize(
    ("states", "skips", "aggregate", "a_status"),
    [
        pytest.param("", {}, AggregateStatus.NONE, TaskStatus.NONE, id="nothing-ran"),
        pytest.param("a=running", {}, AggregateStatus.NONE, TaskStatus.NONE, id="a-running"),
        pytest.param("a=ok", {}, AggregateStatus.NONE, TaskStatus.SUCCEEDED, id="b-not-done"),
        pytest.param("a=ok b=ok", {}, AggregateStatus.SUCCEEDED, TaskStatus.SUCCEEDED, id="all-succeeded"),
        pytest.param("a=ok", {"b": SkipReason.WHEN}, AggregateStatus.COMPLETED, TaskStatus.SUCCEEDED, id="b-skipped"),
        pytest.param("a=fail b=ok", {}, AggregateStatus.FAILED, TaskStatus.FAILED, id="a-failed"),
        pytest.param("a=ok b=ignored", {}, AggregateStatus.FAILED, TaskStatus.SUCCEEDED, id="ignored-still-failed"),
        pytest.param("a=cancelled b=ok", {}, AggregateStatus.FAILED, TaskStatus.FAILED, id="a-cancelled"),
    ],
)
def test_task_and_aggregate_status(
    states: str, skips: dict[str, SkipReason], aggregate: AggregateStatus, a_status: TaskStatus
) -> None:
    facts = make_facts(TWO, states, skips=dict(skips))
    assert facts.aggregate_status() is aggregate
    assert facts.task_status("a") is a_status


@pytest.mark.parametrize(
    ("word", "predicates"),
    [
        pytest.param("running", {"running"}, id="running"),
        pytest.param("ok", {"successful", "done"}, id="ok"),
        pytest.param("fail", {"failure", "done"}, id="fail"),
        pytest.param("cancelled", {"failure", "cancelled", "done"}, id="cancelled"),
        pytest.param("timed-out", {"failure", "cancelled", "cancelled_for_timeout", "done"}, id="timed-out"),
    ],
)
def test_task_predicates(word: str, predicates: set[str]) -> None:
    facts = make_facts(TWO, f"a={word}")
    asked = {
        "running": facts.is_running("a"),
        "successful": facts.is_successful("a"),
        "failure": facts.is_failure("a"),
        "cancelled": facts.is_cancelled("a"),
        "cancelled_for_timeout": facts.is_cancelled_for_timeout("a"),
        "done": facts.is_done("a"),
    }
    assert {name for name, yes in asked.items() if yes} == predicates


@pytest.mark.parametrize(
    ("states", "stopping"),
    [
        pytest.param("a=ok", False, id="success"),
        pytest.param("a=fail", True, id="failure-stops"),
        pytest.param("b=ignored", False, id="on-error-continue-does-not-stop"),
    ],
)
def test_stopping(states: str, stopping: bool) -> None:
    assert make_facts(TWO, states).is_stopping() is stopping


def test_results_of_a_finished_task_only() -> None:
    facts = make_facts(TWO, "a=ok b=running", results={"a": {"r": "x"}, "b": {"r": "y"}})
    assert (facts.results_of("a"), facts.results_of("b")) == ({"r": "x"}, None)


def test_facts_are_a_value_nothing_can_change() -> None:
    skips = {"b": SkipReason.WHEN}
    facts = make_facts(TWO, "a=ok", skips=skips)
    with pytest.raises(AttributeError, match="cannot assign to field"):
        facts.now = 1.0  # type: ignore[misc]
    for mapping in (facts.skips, facts.taskruns, facts.parents, facts.validation_failed, facts.dag_index):
        with pytest.raises(TypeError):
            mapping["x"] = ()  # type: ignore[index]
    skips["a"] = SkipReason.WHEN  # the caller's dict was copied, not shared
    assert dict(facts.skips) == {"b": SkipReason.WHEN}
    assert not hasattr(facts, "__dict__")  # slots: no attribute can be added either


RESOLVED = """
tasks:
  - {name: a}
  - name: b
    runAfter: [a]
    params: [{name: x, value: "$(tasks.a.results.r)"}, {name: y, value: plain}]
  - {name: c, runAfter: [a], params: [{name: y, value: plain}]}
"""


def test_resolving_substitutes_finished_results_and_leaves_a_task_naming_none_as_it_is() -> None:
    facts = make_facts(RESOLVED, "a=ok", results={"a": {"r": "v"}})
    b, c = facts.spec.tasks[1:]
    assert dict(facts.resolve(b).task.params) == {"x": "v", "y": "plain"}
    assert facts.resolve(c).task == c
    assert facts.resolve(c).missing == ()
