"""Property tests: any valid pipeline, with any task outcomes, runs to one final condition.

Pipelines are generated valid (a DAG over earlier tasks, guards, result consumers, finally tasks
with status guards) and played by the engine against a scripted executor: no processes, exact time.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finale.core.tekton.catalog import assemble
from finale.core.validation.document import validate_document
from finale.engine.loop import Engine
from finale.testing.fakes import FAIL, Attempt, FakeClock, FakeExecutor

STATUSES = ["Succeeded", "Failed", "Completed", "None"]
STEP = {"steps": [{"name": "s", "image": "busybox", "script": "true"}], "results": [{"name": "r"}]}


@st.composite
def pipelines(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, list[Attempt]]]:
    count = draw(st.integers(1, 6))
    tasks: list[dict[str, Any]] = []
    script: dict[str, list[Attempt]] = {}
    for i in range(count):
        name = f"t{i}"
        task: dict[str, Any] = {"name": name, "taskSpec": STEP}
        earlier = [t["name"] for t in tasks]
        if earlier:
            task["runAfter"] = draw(st.lists(st.sampled_from(earlier), unique=True, max_size=2))
            if draw(st.booleans()):
                producer = draw(st.sampled_from(earlier))
                task["params"] = [{"name": "in", "value": f"$(tasks.{producer}.results.r)"}]
                task["taskSpec"] = {**STEP, "params": [{"name": "in"}]}
        if draw(st.booleans()):
            op = draw(st.sampled_from(["in", "notin"]))
            task["when"] = [{"input": "$(params.mode)", "operator": op, "values": ["fast"]}]
        if draw(st.booleans()):
            task["onError"] = "continue"
        else:
            task["retries"] = draw(st.integers(0, 2))
        attempts = draw(st.lists(st.sampled_from(["ok", "fail", "ok-no-result"]), min_size=1, max_size=3))
        script[name] = [
            FAIL if a == "fail" else Attempt(results={} if a == "ok-no-result" else {"r": "v"}) for a in attempts
        ]
        tasks.append(task)
    finally_ = []
    for j in range(draw(st.integers(0, 3))):
        values = draw(st.lists(st.sampled_from(STATUSES), min_size=1, unique=True))
        final: dict[str, Any] = {
            "name": f"f{j}",
            "when": [{"input": "$(tasks.status)", "operator": "in", "values": values}],
            "taskSpec": STEP,
        }
        if draw(st.booleans()):
            final["params"] = [{"name": "st", "value": f"$(tasks.{draw(st.sampled_from(tasks))['name']}.status)"}]
            final["taskSpec"] = {**STEP, "params": [{"name": "st"}]}
        finally_.append(final)
        script[final["name"]] = [draw(st.sampled_from([Attempt(), FAIL]))]
    spec: dict[str, Any] = {"params": [{"name": "mode", "default": draw(st.sampled_from(["fast", "slow"]))}]}
    spec["tasks"] = tasks
    if finally_:
        spec["finally"] = finally_
    run = {
        "apiVersion": "tekton.dev/v1",
        "kind": "PipelineRun",
        "metadata": {"name": "fz"},
        "spec": {"pipelineSpec": spec},
    }
    return run, script


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pipelines())
def test_every_valid_pipeline_ends_with_one_final_condition(
    case: tuple[dict[str, Any], dict[str, list[Attempt]]],
) -> None:
    doc, script = case
    assert validate_document(doc) == []
    inputs = assemble([("fz.yaml", doc)], {})
    clock = FakeClock()
    result = Engine(inputs.run, inputs.raw_spec, inputs.task_specs, {}, FakeExecutor(clock, script), clock).execute()
    cond = result.condition
    assert cond.status in ("True", "False")
    names = [t["name"] for t in doc["spec"]["pipelineSpec"]["tasks"] + doc["spec"]["pipelineSpec"].get("finally", [])]
    ran, skipped = set(result.taskruns), set(result.skipped)
    assert not ran & skipped
    leftover = set(names) - ran - skipped
    # A task neither run nor skipped can only be one that failed result validation.
    assert not leftover or cond.reason == "PipelineValidationFailed"
    assert all(tr.finished for runs in result.taskruns.values() for tr in runs)
    match = re.match(r"Tasks Completed: (\d+) \(Failed: (\d+)", cond.message)
    if cond.reason in ("Succeeded", "Completed", "Failed", "PipelineValidationFailed"):
        assert match and int(match.group(1)) == len(ran)
        assert (cond.reason == "Completed") == (cond.status == "True" and bool(skipped))
    failed_hard = [
        n
        for n, runs in result.taskruns.items()
        if any(tr.status == "False" and tr.reason != "FailureIgnored" for tr in runs)
    ]
    assert (cond.status == "True") == (not failed_hard and not leftover)
