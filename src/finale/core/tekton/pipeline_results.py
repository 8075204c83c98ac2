"""Pipeline results, computed once the run is finished (spec §9).

Follows `ApplyTaskResultsToPipelineResults` (pipelinerun/resources/apply.go): each `$(...)` in a
result's value is looked up on its own; a reference to a task that did not succeed drops the
result quietly, any other unresolvable reference makes it invalid.
"""

from __future__ import annotations

import re
from typing import Any

from finale.core.tekton.dag import edge_sources
from finale.core.tekton.facts import RunFacts
from finale.core.tekton.model import ParamValue, PipelineSpec
from finale.core.tekton.variables import Replacements, apply_value, references, result_refs, value_replacements
from finale.record import Record, set_field


# Records, not dataclasses: `finale run` starts faster without them (finale/record.py).
class PipelineResults(Record):
    __slots__ = ("failure", "results")
    results: list[dict[str, Any]]
    failure: str

    def __init__(self, results: list[dict[str, Any]] | None = None, failure: str = "") -> None:
        set_field(self, "results", [] if results is None else results)
        set_field(self, "failure", failure)


_INDEXED = re.compile(r"^(.*)\[([^\]]*)\]$")


def cached_matrix_tasks(spec: PipelineSpec, facts: RunFacts) -> set[str]:
    """Matrixed tasks whose results the last reconcile reads into their ResultsCache.

    GetTaskRunsResults (pipelinerunstate.go) reads a matrixed task only from that cache, which
    findResultValuesForMatrix (resultrefresolution.go) fills when a consumer's reference reaches
    it. reconcile resolves started tasks first, in spec order, each against the tasks resolved
    before it, then the others against all of those; a consumer stops at its first reference
    that fails (convertToResultRefs).
    """
    matrixed = {t.name for t in spec.tasks if t.matrix}
    if not matrixed:
        return set()
    tasks = spec.all_tasks()
    order = [t for t in tasks if facts.is_scheduled(t.name)] + [t for t in tasks if not facts.is_scheduled(t.name)]
    cached: set[str] = set()
    resolved: set[str] = set()
    for task in order:
        for producer, result in result_refs(edge_sources(task)):
            results = facts.results_of(producer) if producer in resolved else None
            if results is None:
                break
            if producer in matrixed:
                cached.add(producer)
            if result not in results:
                break
        resolved.add(task.name)
    return cached


def _lookup(facts: RunFacts, variable: str, unread: set[str]) -> str:
    """One `$(...)` expression: ok, skip (its task did not succeed) or invalid."""
    parts = variable.split(".")
    if len(parts) < 4 or parts[0] not in ("tasks", "finally") or parts[2] != "results":
        return "invalid"
    if len(parts) > 5:
        return "invalid"
    task, raw_name = parts[1], parts[3]
    indexed = _INDEXED.match(raw_name)
    name, index = (indexed.group(1), indexed.group(2)) if indexed else (raw_name, "")
    value = None if task in unread else (facts.results_of(task) or {}).get(name)
    if value is None:
        # A missing result of a task that did not succeed (failed, skipped) is no error.
        return "skip" if not facts.is_successful(task) else "invalid"
    if len(parts) == 5:
        return "ok" if isinstance(value, dict) and parts[4] in value else "invalid"
    if isinstance(value, list) and index != "*":
        # strconv.Atoi's error is ignored: no index (or a bad one) reads element 0.
        return "ok" if (int(index) if index.isdigit() else 0) < len(value) else "invalid"
    return "ok"


def _replacements(spec: PipelineSpec, facts: RunFacts) -> Replacements:
    rep = facts.result_replacements()
    for task in spec.finally_:
        results = facts.results_of(task.name)
        if results:
            rep = rep.merge(value_replacements(f"finally.{task.name}.results", results))  # type: ignore[arg-type]
    return rep


def _with_first_elements(rep: Replacements, facts: RunFacts, variables: list[str]) -> Replacements:
    """String replacements keyed by the whole expression, as ApplyTaskResultsToPipelineResults has.

    An array result named without `[*]` or an index stands for its first element (the missing
    index goes through strconv.Atoi, whose error is ignored), and a string value replaces the
    expression whatever index it carries.
    """
    firsts: dict[str, str] = {}
    for variable in variables:
        parts = variable.split(".")
        if len(parts) != 4:
            continue
        indexed = _INDEXED.match(parts[3])
        value = (facts.results_of(parts[1]) or {}).get(indexed.group(1) if indexed else parts[3])
        if isinstance(value, str):
            firsts[variable] = value
        elif isinstance(value, list) and value and not indexed:
            firsts[variable] = value[0]
    if not firsts:
        return rep
    arrays = {k: v for k, v in rep.arrays.items() if k not in firsts}
    return Replacements({**rep.strings, **firsts}, arrays, rep.objects)


def pipeline_results(spec: PipelineSpec, facts: RunFacts, run_name: str) -> PipelineResults:
    rep = _replacements(spec, facts)
    out: list[dict[str, Any]] = []
    bad: list[str] = []
    known: set[str] = set()  # Tekton memoises the expressions it resolved
    unread = {t.name for t in spec.tasks if t.matrix} - cached_matrix_tasks(spec, facts)
    for result in spec.results:
        name = str(result.get("name", ""))
        value: ParamValue = result.get("value")  # type: ignore[assignment]
        variables = references(value)
        if not variables:
            continue  # a result without any reference is not emitted at all
        valid = True
        for variable in variables:
            if variable in known:
                continue
            verdict = _lookup(facts, variable, unread)
            if verdict == "ok":
                known.add(variable)
                continue
            valid = False
            if verdict == "invalid":
                bad.append(name)
        if valid:
            out.append({"name": name, "value": apply_value(value, _with_first_elements(rep, facts, variables))})
    failure = ""
    if bad:
        failure = (
            f"Failed to get PipelineResult from TaskRun Results for PipelineRun {run_name}: "
            f"invalid pipelineresults [{' '.join(bad)}], the referenced results don't exist"
        )
    return PipelineResults(out, failure)
