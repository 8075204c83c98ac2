"""Skip decisions: one predicate per reason, one ordered chain (tektoncd/pipeline `skip`).

The DAG order is the one in Tekton's `skip`: stopping, graceful cancel, graceful stop, when
false, parent skipped, results missing, pipeline timeout, tasks timeout, empty matrix array.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from finale.core.tekton import dag
from finale.core.tekton import when as when_rules
from finale.core.tekton.dag import edge_sources
from finale.core.tekton.facts import Resolved, RunFacts
from finale.core.tekton.model import PipelineTask, SpecStatus
from finale.core.tekton.reasons import SkipReason
from finale.core.tekton.variables import Replacements, result_refs
from finale.record import replace


def topological(facts: RunFacts) -> Iterator[PipelineTask]:
    """DAG tasks, parents first, declaration order among equals (`dag.topological_order`)."""
    by_name = {t.name: t for t in facts.spec.tasks}
    for name in dag.topological_order(list(by_name), facts.parents):
        yield by_name[name]


def is_done(facts: RunFacts, skipped: Mapping[str, SkipReason], name: str) -> bool:
    """`facts.is_done` with the skips found so far in this pass."""
    return facts.has_ended(name) or name in skipped or name in facts.validation_failed


def parents_done(facts: RunFacts, skipped: Mapping[str, SkipReason], task: PipelineTask) -> bool:
    return all(is_done(facts, skipped, p) for p in facts.parents.get(task.name, ()))


def _parent_skipped(skipped: Mapping[str, SkipReason], facts: RunFacts, task: PipelineTask) -> bool:
    for parent in facts.parents.get(task.name, ()):
        reason = skipped.get(parent)
        if reason is not None and reason != SkipReason.WHEN:
            return True
    return False


def _results_missing(skipped: Mapping[str, SkipReason], task: PipelineTask, resolved: Resolved) -> bool:
    # skipBecauseResultReferencesAreMissing: only tasks with a result reference in params or
    # when qualify; the first unresolvable reference names the producer that decides.
    if not resolved.has_guard_refs or not resolved.missing:
        return False
    if task.is_finally or task.continues_on_error:
        return True
    producer = resolved.missing[0][0]
    return skipped.get(producer) == SkipReason.WHEN


def _empty_matrix(task: PipelineTask) -> bool:
    matrix = task.matrix or {}
    return any(
        isinstance(p, dict) and isinstance(p.get("value"), list) and not p["value"] for p in matrix.get("params") or ()
    )


def dag_skip(facts: RunFacts, task: PipelineTask, skipped: Mapping[str, SkipReason] | None = None) -> SkipReason | None:
    """Why a DAG task is skipped; `skipped`: the skips found so far (default: `facts.skips`)."""
    skipped = facts.skips if skipped is None else skipped
    if facts.is_scheduled(task.name) or task.name in facts.validation_failed:
        return None
    if facts.is_stopping():
        return SkipReason.STOPPING
    if facts.spec_status == SpecStatus.CANCELLED_RUN_FINALLY:
        return SkipReason.GRACEFULLY_CANCELLED
    if facts.spec_status == SpecStatus.STOPPED_RUN_FINALLY:
        return SkipReason.GRACEFULLY_STOPPED
    # Guards come before the parent check (pipelinerunresolution.go `skip`), so a guarded task
    # under a skipped parent reports its own when skip and does not cascade to its children.
    resolved = facts.resolve(task) if parents_done(facts, skipped, task) else None
    if resolved is not None and not when_rules.all_allow(resolved.task.when):
        return SkipReason.WHEN
    if _parent_skipped(skipped, facts, task):
        return SkipReason.PARENT_SKIPPED
    if resolved is None:
        # The remaining checks wait for the parents, except the empty matrix one.
        return SkipReason.EMPTY_MATRIX if _empty_matrix(task) else None
    if _results_missing(skipped, task, resolved):
        return SkipReason.MISSING_RESULTS
    if facts.pipeline_timed_out():
        return SkipReason.PIPELINE_TIMEOUT
    if facts.tasks_timed_out():
        return SkipReason.TASKS_TIMEOUT
    if _empty_matrix(resolved.task):
        return SkipReason.EMPTY_MATRIX
    return None


def finally_skip(facts: RunFacts, task: PipelineTask, states: Replacements | None = None) -> SkipReason | None:
    """Why a finally task is skipped; `states`: `facts.status_replacements()` if already made."""
    if facts.is_scheduled(task.name):
        return None
    resolved = facts.resolve(task, states=states)
    if _results_missing(facts.skips, task, resolved):
        return SkipReason.MISSING_RESULTS
    if not when_rules.all_allow(resolved.task.when):
        return SkipReason.WHEN
    if facts.pipeline_timed_out():
        return SkipReason.PIPELINE_TIMEOUT
    if facts.finally_timed_out():
        return SkipReason.FINALLY_TIMEOUT
    if _empty_matrix(resolved.task):
        return SkipReason.EMPTY_MATRIX
    return None


def _dag_skips(facts: RunFacts) -> RunFacts:
    """The facts with the DAG tasks' skips, each found with the skips before it in DAG order."""
    found: dict[str, SkipReason] = {}
    for task in topological(facts):
        reason = dag_skip(facts, task, found)
        if reason is not None:
            found[task.name] = reason
    return replace(facts, skips=found)


def _is_queue_open(facts: RunFacts) -> bool:
    """DAGExecutionQueue: nothing new starts once the run is cancelled, stopping or stopped."""
    return facts.spec_status == SpecStatus.NONE and not facts.is_stopping()


def validation_error(facts: RunFacts, consumer: str, producer: str, result: str) -> str:
    """Tekton's message for a candidate whose result reference cannot be resolved."""
    if facts.is_successful(producer):
        return (
            f'task "{producer}" completed successfully but did not emit the result "{result}", '
            f'which is referenced by task "{consumer}"'
        )
    return f"Invalid task result reference: Could not find result with name {result} for pipeline task {producer}"


def _first_taskrun_missing(facts: RunFacts, task: PipelineTask) -> tuple[tuple[str, str], ...]:
    """A matrixed producer's first TaskRun lacks a referenced result.

    CheckMissingResultReferences (pipelinerunresolution.go) looks at `TaskRuns[0]` only, while
    resolution reads the values aggregated from all of them, so this fails a candidate that
    resolution accepted.
    """
    for producer, result in result_refs(edge_sources(task)):
        runs = facts.runs_of(producer)
        if runs and runs[0].matrix_index is not None and result not in runs[0].results:
            return ((producer, result),)
    return ()


def candidate_missing(facts: RunFacts, task: PipelineTask) -> tuple[tuple[str, str], ...]:
    """The (producer, result) references that fail a candidate's result validation."""
    return facts.resolve(task).missing or _first_taskrun_missing(facts, task)


def _validation_failures(facts: RunFacts) -> dict[str, str]:
    """Candidates of this pass whose result references cannot be resolved.

    Tekton keeps no record of these (`PipelineRunFacts.ValidationFailedTask` is rebuilt on every
    reconcile): a task fails validation again on each pass while it is still a candidate, and
    once something else stops the run it is skipped as any unstarted task would be.
    """
    if not _is_queue_open(facts):
        return {}
    found: dict[str, str] = {}
    for task in facts.spec.tasks:
        name = task.name
        if facts.is_scheduled(name) or name in facts.skips or not facts.parents_done(task):
            continue
        missing = candidate_missing(facts, task)
        if missing:
            found[name] = validation_error(facts, name, *missing[0])
    return found


def ready_dag_tasks(facts: RunFacts) -> tuple[PipelineTask, ...]:
    """The DAG tasks to start in this pass; none while any candidate fails validation.

    runNextSchedulableTask empties its whole queue on the first failed candidate.
    """
    if not _is_queue_open(facts) or facts.validation_failed:
        return ()
    return tuple(
        t
        for t in facts.spec.tasks
        if not facts.is_scheduled(t.name) and t.name not in facts.skips and facts.parents_done(t)
    )


def compute_skips(facts: RunFacts) -> RunFacts:
    """New facts with the skips (and this pass's validation failures): DAG tasks, then finally.

    `facts` itself is left as it is; its own skips are not read.
    """
    facts = _dag_skips(facts)
    failures = _validation_failures(facts)
    if failures:
        # The failures make the run stopping, and skips are recomputed (ResetSkippedCache).
        facts = _dag_skips(replace(facts, validation_failed={**facts.validation_failed, **failures}, stopping=None))
    if facts.dag_done():
        finals = finally_skips(facts)
        if finals:
            facts = replace(facts, skips={**facts.skips, **finals})
    return facts


def finally_skips(facts: RunFacts) -> dict[str, SkipReason]:
    """The finally tasks' skips, from facts whose DAG skips are complete."""
    found: dict[str, SkipReason] = {}
    states = facts.status_replacements() if facts.spec.finally_ else None  # once for all of them
    for task in facts.spec.finally_:
        reason = finally_skip(facts, task, states)
        if reason is not None:
            found[task.name] = reason
    return found
