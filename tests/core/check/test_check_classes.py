"""Grouping of outcome classes: every member of a group plays out as its representative does."""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from finale.adapters.yaml.load import parse_text, read_files
from finale.core.check.classes import failure_scenarios, scenarios, when_scenarios
from finale.core.check.model import CheckModel, build_model
from finale.core.check.outcomes import Outcome, simulate
from finale.core.check.verdict import check_documents

TESTS = Path(__file__).parents[2]
BENCH = TESTS.parent / "benchmarks" / "check_speed.py"

MIXED = """
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: mixed}
spec:
  params: [{name: mode, default: quick}]
  tasks:
    - {name: clone, taskRef: {name: x}}
    - {name: lint, runAfter: [clone], onError: continue, taskRef: {name: x}}
    - {name: build, runAfter: [clone], taskRef: {name: x}}
    - name: scan
      runAfter: [clone]
      when: [{input: $(params.mode), operator: in, values: [full]}]
      taskRef: {name: x}
    - name: sign
      params: [{name: d, value: $(tasks.build.results.digest)}]
      taskRef: {name: x}
    - name: docs
      runAfter: [clone]
      when: [{input: $(params.mode), operator: in, values: [full]}]
      taskRef: {name: x}
    - {name: push, runAfter: [sign, lint], taskRef: {name: x}}
  finally:
    - name: report
      taskRef: {name: gitlab-set-status}
      params:
        - {name: STATE, value: $(tasks.status)}
        - {name: DESCRIPTION, value: "signed: $(tasks.sign.status)"}
    - name: archive
      params: [{name: d, value: $(tasks.build.results.digest)}]
      taskRef: {name: x}
"""


def _generated(tasks: int, finals: int) -> dict[str, Any]:
    spec = importlib.util.spec_from_file_location("check_speed", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    doc: dict[str, Any] = module.generated_pipeline(tasks, finals)
    return doc


def _seen(o: Outcome) -> tuple[object, ...]:
    return (o.signature, [(p.reporter, p.state) for p in o.posts], o.condition.status, o.condition.reason)


def _models() -> list[CheckModel]:
    mixed = build_model([(d.source, d.data) for d in parse_text(MIXED, "mixed.yaml")])
    seed = read_files([str(TESTS / "fixtures" / "check" / "seed-original.yaml")])
    generated = build_model([("generated.yaml", _generated(60, 8))])
    return [mixed, generated, build_model([(d.source, d.data) for d in seed])]


@pytest.mark.parametrize("model", _models(), ids=["mixed", "generated-60", "seed-original"])
def test_every_group_member_plays_like_its_representative(model: CheckModel) -> None:
    for group in [*failure_scenarios(model), *when_scenarios(model)]:
        first = _seen(simulate(model, group))
        for member in group.members[1:]:
            assert _seen(simulate(model, replace(group, members=(member,)))) == first, (group.members, member)


def test_mixed_pipeline_groups() -> None:
    model = _models()[0]
    assert sorted(model.observed) == ["build", "sign"]
    labels: dict[str, list[tuple[str, ...]]] = {}
    for sc in scenarios(model):
        labels.setdefault(sc.kind, []).append(sc.members)
    # finally reads build (its result) and sign (its status): a failure differs by which of
    # them ran before it; scan and docs fail beside build, so they form one class.
    assert labels["fail"] == [("clone",), ("build",), ("scan", "docs"), ("sign",), ("push",)]
    assert labels["fail-ignored"] == [("lint",)]
    assert labels["when"] == [("scan", "docs")]


def test_generated_200_task_pipeline_is_played_in_few_classes() -> None:
    report = check_documents([("generated.yaml", _generated(200, 20))])
    kinds = [c.outcome.scenario.kind for c in report.classes]
    assert kinds.count("fail") == 1 and kinds.count("when") == 1
    assert len(report.classes) == 9
    # A DAG task has a when: a green run that skips it shows what a graceful stop shows.
    assert report.problems() == ()
    label = "StoppedRunFinally while t000, t001, t002, t003 and 6 more run"
    stopped = next(c for c in report.classes if c.label == label)
    assert stopped.limit and stopped.verdict == "CONTRADICTION"
