"""The incremental facts answer exactly what a rebuild from scratch answers, on every pass.

Random pipelines (guards, result consumers in dot and bracket form, forward references,
matrices, onError, retries, status-guarded finally tasks, timeouts, cancellation) run through
the engine with a tracker that computes each pass both ways and compares everything the loop
reads: skips (and their order), failed validations, tasks to start, DAG done/running, counts,
and whether the run is stopping.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from finale.core.tekton.catalog import assemble
from finale.core.tekton.facts import RunFacts
from finale.core.tekton.model import PipelineSpec, SpecStatus
from finale.core.validation.document import validate_document
from finale.engine.incremental import Incremental, Pass, Reference
from finale.engine.loop import Engine
from finale.testing.fakes import FAIL, Attempt, FakeClock, FakeExecutor

STEP = {"steps": [{"name": "s", "image": "busybox", "script": "true"}], "results": [{"name": "r"}]}
STATUSES = ["Succeeded", "Failed", "Completed", "None"]


def _summary(one: Pass) -> tuple[object, ...]:
    facts = one.facts
    return (
        list(facts.skips.items()),
        dict(facts.validation_failed),
        [t.name for t in one.ready],
        one.dag_done,
        one.dag_running,
        one.counts,
    )


class Compared:
    """Computes every pass both ways; the engine goes on with the incremental answer."""

    def __init__(self, spec: PipelineSpec, parents: Mapping[str, tuple[str, ...]]) -> None:
        self.reference = Reference(spec, parents)
        self.incremental = Incremental(spec, parents)
        self.passes = 0

    def compute(self, facts: RunFacts, changed: Set[str]) -> Pass:
        # The engine hands in whether the run is stopping, kept as TaskRuns change: a scan agrees.
        assert facts.stopping == facts.fresh().stopping, f"pass {self.passes}"
        expected = self.reference.compute(facts.fresh(), changed)
        got = self.incremental.compute(facts, changed)
        assert _summary(got) == _summary(expected), f"pass {self.passes}"
        self.passes += 1
        return got


def _consumer_value(draw: st.DrawFn, names: list[str]) -> str:
    producer = draw(st.sampled_from(names))
    form = draw(st.sampled_from(["dot", "bracket", "missing"]))
    if form == "bracket":  # substituted, but no ordering edge
        return f"$(tasks.{producer}.results['r'])"
    return f"$(tasks.{producer}.results.{'r' if form == 'dot' else 'nope'})"


def _dag_task(draw: st.DrawFn, i: int, count: int, earlier: list[str]) -> dict[str, Any]:
    task: dict[str, Any] = {"name": f"t{i}", "taskSpec": STEP}
    if earlier:
        task["runAfter"] = draw(st.lists(st.sampled_from(earlier), unique=True, max_size=2))
    others = [f"t{j}" for j in range(count) if j != i]
    if others and draw(st.booleans()):
        # Any task, even a later one: bracket references make no edge.
        candidates = earlier if earlier and draw(st.booleans()) else others
        task["params"] = [{"name": "in", "value": _consumer_value(draw, candidates)}]
        task["taskSpec"] = {**STEP, "params": [{"name": "in"}]}
    guard = draw(st.sampled_from(["none", "param", "result"]))
    if guard == "param":
        task["when"] = [{"input": "$(params.mode)", "operator": "in", "values": ["fast"]}]
    elif guard == "result" and earlier:
        producer = draw(st.sampled_from(earlier))
        task["when"] = [{"input": f"$(tasks.{producer}.results.r)", "operator": "in", "values": ["v"]}]
    if draw(st.booleans()):
        task["onError"] = "continue"
    else:
        task["retries"] = draw(st.integers(0, 2))
    if draw(st.integers(0, 5)) == 0:
        task["matrix"] = {"params": [{"name": "m", "value": draw(st.sampled_from([[], ["a"], ["a", "b"]]))}]}
        task["taskSpec"] = {**task["taskSpec"], "params": [*task["taskSpec"].get("params", []), {"name": "m"}]}
    return task


def _finally_task(draw: st.DrawFn, j: int, names: list[str]) -> dict[str, Any]:
    values = draw(st.lists(st.sampled_from(STATUSES), min_size=1, unique=True))
    final: dict[str, Any] = {
        "name": f"f{j}",
        "when": [{"input": "$(tasks.status)", "operator": "in", "values": values}],
        "taskSpec": STEP,
    }
    kind = draw(st.sampled_from(["none", "status", "result"]))
    if kind != "none":
        producer = draw(st.sampled_from(names))
        value = f"$(tasks.{producer}.status)" if kind == "status" else f"$(tasks.{producer}.results.r)"
        final["params"] = [{"name": "st", "value": value}]
        final["taskSpec"] = {**STEP, "params": [{"name": "st"}]}
    return final


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, list[Attempt]], tuple[float, SpecStatus] | None]:
    count = draw(st.integers(1, 8))
    tasks: list[dict[str, Any]] = []
    script: dict[str, list[Attempt]] = {}
    for i in range(count):
        tasks.append(_dag_task(draw, i, count, [t["name"] for t in tasks]))
        attempts = draw(st.lists(st.sampled_from(["ok", "fail", "ok-no-result"]), min_size=1, max_size=3))
        script[f"t{i}"] = [
            FAIL if a == "fail" else Attempt(results={} if a == "ok-no-result" else {"r": "v"}) for a in attempts
        ]
    names = [t["name"] for t in tasks]
    finally_ = [_finally_task(draw, j, names) for j in range(draw(st.integers(0, 3)))]
    for final in finally_:
        script[final["name"]] = [draw(st.sampled_from([Attempt(results={"r": "v"}), FAIL]))]
    spec: dict[str, Any] = {"params": [{"name": "mode", "default": draw(st.sampled_from(["fast", "slow"]))}]}
    spec["tasks"] = tasks
    if finally_:
        spec["finally"] = finally_
    run_spec: dict[str, Any] = {"pipelineSpec": spec}
    if draw(st.booleans()):
        limit = draw(st.sampled_from(["2s", "3500ms", "6s"]))
        run_spec["timeouts"] = {"pipeline": "1h", "tasks": limit} if finally_ else {"pipeline": limit}
    cancel = None
    if draw(st.integers(0, 3)) == 0:
        mode = draw(st.sampled_from([SpecStatus.CANCELLED, SpecStatus.CANCELLED_RUN_FINALLY]))
        cancel = (1_000_000.0 + draw(st.sampled_from([0.5, 1.5, 3.0])), mode)
    run = {"apiVersion": "tekton.dev/v1", "kind": "PipelineRun", "metadata": {"name": "inc"}, "spec": run_spec}
    return run, script, cancel


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(cases())
def test_every_pass_answers_as_a_rebuild_from_scratch(
    case: tuple[dict[str, Any], dict[str, list[Attempt]], tuple[float, SpecStatus] | None],
) -> None:
    doc, script, cancel = case
    assume(validate_document(doc) == [])
    inputs = assemble([("inc.yaml", doc)], {})
    clock = FakeClock()
    trackers: list[Compared] = []

    def compared(spec: PipelineSpec, parents: Mapping[str, tuple[str, ...]]) -> Compared:
        trackers.append(Compared(spec, parents))
        return trackers[-1]

    executor = FakeExecutor(clock, script)
    engine = Engine(
        inputs.run, inputs.raw_spec, inputs.task_specs, {}, executor, clock, cancel_at=cancel, tracker=compared
    )
    result = engine.execute()
    assert result.condition.status in ("True", "False")
    assert not trackers or trackers[0].passes > 0


def test_a_long_chain_looks_at_a_few_tasks_per_pass() -> None:
    """The point of it all: after one TaskRun changed, a pass looks at it and its dependants."""
    tasks = [{"name": f"t{i}", "taskSpec": STEP, **({"runAfter": [f"t{i - 1}"]} if i else {})} for i in range(60)]
    doc = {
        "apiVersion": "tekton.dev/v1",
        "kind": "PipelineRun",
        "metadata": {"name": "chain"},
        "spec": {"pipelineSpec": {"tasks": tasks}},
    }
    inputs = assemble([("chain.yaml", doc)], {})
    trackers: list[Incremental] = []

    def kept(spec: PipelineSpec, parents: Mapping[str, tuple[str, ...]]) -> Incremental:
        trackers.append(Incremental(spec, parents))
        return trackers[-1]

    clock = FakeClock()
    engine = Engine(inputs.run, inputs.raw_spec, inputs.task_specs, {}, FakeExecutor(clock), clock, tracker=kept)
    assert engine.execute().condition.reason == "Succeeded"
    # Once when a task starts, once when it ends, once when its parent ends; one rebuild first.
    assert trackers[0].rebuilds == 1
    assert trackers[0].refreshed <= 3 * len(tasks)


def _run_compared(doc: dict[str, Any], script: dict[str, list[Attempt]] | None = None) -> str:
    inputs = assemble([("case.yaml", doc)], {})
    clock = FakeClock()
    executor = FakeExecutor(clock, script)
    engine = Engine(inputs.run, inputs.raw_spec, inputs.task_specs, {}, executor, clock, tracker=Compared)
    return engine.execute().condition.reason


def test_a_reference_to_a_later_task_sees_only_the_skips_before_it() -> None:
    """t1 reads t2's result by bracket (no edge); t2 comes later, so t1 does not see t2 skipped
    when it becomes a candidate: its reference fails validation, as in the rebuild."""
    tasks = [
        {"name": "t0", "taskSpec": STEP},
        {
            "name": "t1",
            "runAfter": ["t0"],
            "params": [{"name": "in", "value": "$(tasks.t2.results['r'])"}],
            "taskSpec": {**STEP, "params": [{"name": "in"}]},
        },
        {"name": "t2", "when": [{"input": "a", "operator": "in", "values": ["b"]}], "taskSpec": STEP},
    ]
    doc = {
        "apiVersion": "tekton.dev/v1",
        "kind": "PipelineRun",
        "metadata": {"name": "forward"},
        "spec": {"pipelineSpec": {"tasks": tasks}},
    }
    assert validate_document(doc) == []
    assert _run_compared(doc) == "PipelineValidationFailed"
