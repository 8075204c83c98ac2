"""Checks the controller makes while resolving PipelineTasks on every pass (pipelinerun.go).

A failure here ends the run at once with PipelineValidationFailed; TaskRuns already running
are left to finish (a done PipelineRun is not reconciled again).
"""

from __future__ import annotations

import re

from finale.core.tekton.dag import edge_sources
from finale.core.tekton.facts import RunFacts
from finale.core.tekton.model import PipelineSpec
from finale.core.tekton.variables import strings_in

# `$(tasks.<t>.results.<r>[<i>])`: the only reference form that carries an array index
# (resultref.go parseExpression, a four-part expression whose name ends in `[i]`).
_INDEXED_RESULT = re.compile(r"\$\(tasks\.([^.\[\]()\s]+)\.results\.([^.\[\]()\s]+)\[(\d+)\]\)")


def indexes_results(spec: PipelineSpec) -> bool:
    """Whether any PipelineTask reads an array result by index: else no pass needs the check."""
    return any(_INDEXED_RESULT.search(text) for t in spec.all_tasks() for text in strings_in(edge_sources(t)))


def result_index_failure(facts: RunFacts, namespace: str, run_name: str) -> str | None:
    """The message for a consumer indexing past the end of a resolved array result, if any.

    ResolvePipelineTask runs validateArrayResultsIndex on the references it resolved, and only
    when all of a task's references resolved (ResolveResultRefs is all or nothing);
    resolvePipelineState turns the error into a PipelineValidationFailed run.
    """
    tasks = facts.spec.all_tasks()
    started = [t for t in tasks if facts.is_scheduled(t.name)]
    for task in started + [t for t in tasks if not facts.is_scheduled(t.name)]:
        indexed = [m.groups() for text in strings_in(edge_sources(task)) for m in _INDEXED_RESULT.finditer(text)]
        if not indexed or facts.resolve(task, statuses=False).missing:
            continue
        for producer, result, index in indexed:
            value = (facts.results_of(producer) or {}).get(result)
            if isinstance(value, list) and int(index) >= len(value):
                problem = (
                    f"array Result Index {index} for Task {producer} Result {result} "
                    f"is out of bound of size {len(value)}"
                )
                return (
                    f"[User error] PipelineRun {namespace}/{run_name} can't be Run; "
                    f"couldn't resolve all references: {problem}"
                )
    return None
