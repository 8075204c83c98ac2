"""Pipeline results, computed once the run is finished (spec §9)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from finale.core.facts import RunFacts
from finale.core.model import PipelineSpec
from finale.core.variables import RESULT_REF_ANY, apply_deep, strings_in, value_replacements


@dataclass(frozen=True, slots=True)
class PipelineResults:
    results: list[dict[str, Any]] = field(default_factory=list)
    failure: str = ""


_FINALLY_REF = re.compile(r"\$\(finally\.([^.\[\]()\s]+)\.results\.([^.\[\]()\s]+)")


def _finally_refs(value: Any) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for text in strings_in(value) for m in _FINALLY_REF.finditer(text)]


def pipeline_results(spec: PipelineSpec, facts: RunFacts, run_name: str) -> PipelineResults:
    rep = facts.result_replacements()
    for task in spec.finally_:
        results = facts.results_of(task.name)
        if results:
            rep = rep.merge(value_replacements(f"finally.{task.name}.results", results))  # type: ignore[arg-type]
    out: list[dict[str, Any]] = []
    bad: list[str] = []
    for result in spec.results:
        name = str(result.get("name", ""))
        value = apply_deep(result.get("value"), rep)
        unresolved = [t for t in strings_in(value) if RESULT_REF_ANY.search(t) or "$(finally." in t]
        if not unresolved:
            out.append({"name": name, "value": value})
            continue
        producers = [m.group(1) for t in unresolved for m in RESULT_REF_ANY.finditer(t)]
        producers += [p for p, _ in _finally_refs(value)]
        if any(facts.is_successful(p) for p in producers):
            bad.append(name)
    failure = ""
    if bad:
        failure = (
            f"Failed to get PipelineResult from TaskRun Results for PipelineRun {run_name}: "
            f"invalid pipelineresults [{' '.join(bad)}], the referenced results don't exist"
        )
    return PipelineResults(out, failure)
