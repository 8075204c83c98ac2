"""`finale check` agrees with brute force: random small pipelines, every outcome of every task in
every order the engine allows, played by the engine itself on fake time.

The engine runs with the scripted fake executor; its event queue hands it one finished TaskRun
at a time, chosen by a depth-first search over (task, outcome), so every interleaving of parallel
branches is played. A run nobody interrupts is judged as `finale check` judges it: exactly one
final state, `success` exactly when the run's condition is True.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finale.core.check.verdict import check_documents
from finale.core.gitlab.state import parse_state, resolve_state
from finale.core.tekton.parse import pipeline_run
from finale.engine.loop import Control, Engine
from finale.engine.protocols import AttemptOutcome, AttemptRequest
from finale.testing.fakes import Attempt, FakeClock, FakeExecutor

STEP = {"steps": [{"name": "s", "image": "busybox", "script": "true"}]}
REPORTER = {"params": [{"name": "STATE"}], **STEP}
OUTCOMES = {
    "ok": Attempt(),
    "fail": Attempt(succeeded=False, reason="Failed"),
    "timeout": Attempt(succeeded=False, reason="TaskRunTimeout"),
}
FINAL = {"success", "failed", "canceled"}


class _Branch(Exception):
    def __init__(self, options: list[tuple[str, str]]) -> None:
        self.options = options


class _Seen(Exception):
    pass


class _DeferredExecutor(FakeExecutor):
    """Holds each attempt until the search lets it finish, with the outcome it chose."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__(clock)
        self.pending: dict[str, tuple[AttemptRequest, Callable[[AttemptOutcome], None]]] = {}
        self.requests: dict[str, AttemptRequest] = {}

    def start(self, request: AttemptRequest, done: Callable[[AttemptOutcome], None]) -> None:
        self.pending[request.taskrun.pipeline_task] = (request, done)
        self.requests[request.taskrun.pipeline_task] = request

    def finish(self, task: str, outcome: str) -> None:
        request, done = self.pending.pop(task)
        self.script[task] = [OUTCOMES[outcome]]
        super().start(request, done)


class _ChoiceQueue(queue.Queue[tuple[str, Any]]):
    """When the engine waits, finish the next TaskRun the search prescribes."""

    def __init__(self, search: _Search, executor: _DeferredExecutor, clock: FakeClock, reporters: set[str]) -> None:
        super().__init__()
        self.search, self.executor, self.clock, self.reporters = search, executor, clock, reporters
        self.done: list[tuple[str, str]] = []

    def get(self, block: bool = True, timeout: float | None = None) -> tuple[str, Any]:
        if not block or not self.empty():
            return super().get(block=False)
        if not self.executor.pending:
            self.clock.advance(timeout or 0.0)  # nothing runs: let the engine's deadline pass
            raise queue.Empty
        names = sorted(self.executor.pending)
        options = [(n, o) for n in names for o in (("ok",) if n in self.reporters else OUTCOMES)]
        choice = self.search.choose(options, (frozenset(self.done), frozenset(self.executor.requests)))
        self.done.append(choice)
        self.executor.finish(*choice)
        return super().get(block=False)


class _Search:
    def __init__(self, prefix: list[tuple[str, str]], seen: set[object]) -> None:
        self.prefix, self.seen, self.step = prefix, seen, 0

    def choose(self, options: list[tuple[str, str]], state: object) -> tuple[str, str]:
        if self.step < len(self.prefix):
            self.step += 1
            return self.prefix[self.step - 1]
        if state in self.seen:
            raise _Seen
        self.seen.add(state)
        raise _Branch(options)


def _posts(executor: _DeferredExecutor, reporters: set[str], aggregate_states: dict[str, str]) -> list[str]:
    out = []
    for name in sorted(reporters & set(executor.requests)):
        text = str(executor.requests[name].taskrun.params.get("STATE", ""))
        state = parse_state(text) or resolve_state(text, "").state
        out.append(state.value)
    return out


def _play(
    run_doc: dict[str, Any], reporters: set[str], prefix: list[tuple[str, str]], seen: set[object]
) -> bool | None:
    """One engine run along `prefix`; True/False: the run is right/wrong, None: branched."""
    clock = FakeClock()
    executor = _DeferredExecutor(clock)
    search = _Search(prefix, seen)
    control = Control(events=_ChoiceQueue(search, executor, clock, reporters))
    spec = run_doc["spec"]["pipelineSpec"]
    task_specs = {t["name"]: t["taskSpec"] for t in spec["tasks"] + spec.get("finally", [])}
    result = Engine(pipeline_run(run_doc), spec, task_specs, {}, executor, clock, control=control).execute()
    finals = [s for s in _posts(executor, reporters, {}) if s in FINAL]
    return len(finals) == 1 and (finals[0] == "success") == (result.condition.status == "True")


def brute_force_ok(run_doc: dict[str, Any], reporters: set[str]) -> bool:
    seen: set[object] = set()
    todo: list[list[tuple[str, str]]] = [[]]
    while todo:
        prefix = todo.pop()
        try:
            if not _play(run_doc, reporters, prefix, seen):
                return False
        except _Branch as branch:
            todo += [[*prefix, option] for option in branch.options]
        except _Seen:
            continue
    return True


TASK_VALUES = {
    "status": ["Succeeded", "Failed", "None"],
    "reason": ["Failed", "FailureIgnored", "TaskRunTimeout", "Succeeded"],
}


@st.composite
def pipelines(draw: st.DrawFn) -> tuple[dict[str, Any], set[str]]:
    count = draw(st.integers(1, 6))
    tasks: list[dict[str, Any]] = []
    for i in range(count):
        task: dict[str, Any] = {"name": f"t{i}", "taskSpec": STEP}
        earlier = [t["name"] for t in tasks]
        if earlier:
            task["runAfter"] = draw(st.lists(st.sampled_from(earlier), unique=True, max_size=2))
        if draw(st.integers(0, 3)) == 0:
            op = draw(st.sampled_from(["in", "notin"]))
            task["when"] = [{"input": "$(params.mode)", "operator": op, "values": ["fast"]}]
        if draw(st.integers(0, 2)) == 0:
            task["onError"] = "continue"
        tasks.append(task)
    finals = []
    if draw(st.booleans()):  # the usual pair, so that clean pipelines come up too
        for name, values, state in (("ok", ["Succeeded", "Completed"], "success"), ("ko", ["Failed"], "failed")):
            when = [{"input": "$(tasks.status)", "operator": "in", "values": values}]
            finals.append(
                {"name": name, "when": when, "taskSpec": REPORTER, "params": [{"name": "STATE", "value": state}]}
            )
    for j in range(draw(st.integers(0 if finals else 1, 2))):
        when = []
        if draw(st.booleans()):
            values = draw(st.lists(st.sampled_from(["Succeeded", "Failed", "Completed"]), min_size=1, unique=True))
            when.append({"input": "$(tasks.status)", "operator": "in", "values": values})
        if draw(st.booleans()):
            what = draw(st.sampled_from(["status", "reason"]))
            target = draw(st.sampled_from(tasks))["name"]
            values = draw(st.lists(st.sampled_from(TASK_VALUES[what]), min_size=1, max_size=2, unique=True))
            op = draw(st.sampled_from(["in", "notin"]))
            when.append({"input": f"$(tasks.{target}.{what})", "operator": op, "values": values})
        state = draw(st.sampled_from(["success", "failed", "$(tasks.status)"]))
        final: dict[str, Any] = {"name": f"r{j}", "taskSpec": REPORTER, "params": [{"name": "STATE", "value": state}]}
        if when:
            final["when"] = when
        finals.append(final)
    spec = {"params": [{"name": "mode", "default": "fast"}], "tasks": tasks, "finally": finals}
    return spec, {f["name"] for f in finals}


def _run_doc(spec: dict[str, Any], mode: str) -> dict[str, Any]:
    return {
        "apiVersion": "tekton.dev/v1",
        "kind": "PipelineRun",
        "metadata": {"name": "bf"},
        "spec": {"pipelineSpec": spec, "params": [{"name": "mode", "value": mode}]},
    }


def check_ok(spec: dict[str, Any], reporters: set[str]) -> bool:
    doc = {"apiVersion": "tekton.dev/v1", "kind": "Pipeline", "metadata": {"name": "bf"}, "spec": spec}
    report = check_documents([("bf.yaml", doc)], sorted(reporters))
    return not any(c.issues for c in report.classes if not c.outcome.kind)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pipelines())
def test_check_agrees_with_brute_force_through_the_engine(case: tuple[dict[str, Any], set[str]]) -> None:
    spec, reporters = case
    brute = all(brute_force_ok(_run_doc(spec, mode), reporters) for mode in ("fast", "slow"))
    assert check_ok(spec, reporters) == brute
