"""Explore a CheckModel under every valuation of its guard variables; keep the smallest run of
each distinct result (what the reporters see, what they post, how the run ends)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from finale.core.check import guards as guard_vars
from finale.core.check import quotient
from finale.core.check.explore import explore
from finale.core.check.model import CheckModel
from finale.core.check.outcomes import Outcome
from finale.core.check.runstate import Context
from finale.core.tekton import dag
from finale.core.tekton.model import PipelineSpec, Timeouts
from finale.core.tekton.parse import pipeline_spec


@dataclass(frozen=True, kw_only=True)
class Exploration:
    outcomes: tuple[Outcome, ...]
    abstract: quotient.Abstract
    guards: guard_vars.Guards
    valuations: int  # guard combinations played
    capped: bool  # more combinations exist than were played


def _timeouts(model: CheckModel) -> Timeouts:
    """A run that sets no timeouts.tasks can still be given one: play it at half the pipeline's."""
    pipeline = model.timeouts.pipeline
    tasks = model.timeouts.tasks or (pipeline / 2 if pipeline else 1800.0)
    return Timeouts(pipeline=pipeline, tasks=tasks, finally_=model.timeouts.finally_)


def _played_spec(
    model: CheckModel, ab: quotient.Abstract, guards: guard_vars.Guards, values: Mapping[str, str], run_all: bool
) -> PipelineSpec:
    tasks: list[dict[str, Any]] = []
    for raw in ab.tasks:
        item = dict(raw)
        name = str(item["name"])
        if name == ab.skip_task:
            item["when"] = [{"input": "yes" if run_all else "no", "operator": "in", "values": ["yes"]}]
        elif item.get("when"):
            item["when"] = guard_vars.rewrite_when(item, name, guards, values)
        tasks.append(item)
    finals = []
    for task in model.spec.finally_:
        item = dict(task.raw)
        if item.get("when"):
            item["when"] = guard_vars.rewrite_when(item, task.name, guards, values)
        finals.append(item)
    return pipeline_spec({**model.spec.raw, "tasks": tasks, "finally": finals})


def _distinct(outcomes: list[Outcome]) -> tuple[Outcome, ...]:
    best: dict[tuple[object, ...], Outcome] = {}
    for o in outcomes:
        key = (o.view, o.posts, o.condition.status, o.condition.reason, o.kind, o.in_finally, bool(o.finally_fails))
        if key not in best or o.size < best[key].size:
            best[key] = o
    return tuple(sorted(best.values(), key=lambda o: (o.hard, o.kind != "", o.size)))


def explore_model(model: CheckModel) -> Exploration:
    guards = guard_vars.collect(model)
    ab = quotient.build(model)
    names = frozenset(str(t["name"]) for t in ab.tasks) | {t.name for t in model.spec.finally_}
    keys = guards.keys_of(names)
    found: list[Outcome] = []
    played = 0
    for valuation in guard_vars.valuations(guards, keys):
        played += 1
        values = dict(valuation)
        for run_all in quotient.skip_modes(ab, guards, values):
            spec = _played_spec(model, ab, guards, values, run_all)
            ctx = Context(
                model=model,
                abstract=ab,
                guards=guards,
                spec=spec,
                parents=dag.build(spec),
                timeouts=_timeouts(model),
                valuation=valuation,
            )
            found += explore(ctx)
    return Exploration(
        outcomes=_distinct(found),
        abstract=ab,
        guards=guards,
        valuations=played,
        capped=guard_vars.count(guards, keys) > played,
    )
