"""Skip decisions: one predicate per reason, one ordered chain (tektoncd/pipeline `skip`).

The DAG order is the one in Tekton's code: stopping, graceful cancel, graceful stop, parent
skipped, results missing, when false, pipeline timeout, tasks timeout, empty matrix array.
"""

from __future__ import annotations

from collections.abc import Iterator

from finale.core import when as when_rules
from finale.core.facts import Resolved, RunFacts, SkipReason
from finale.core.model import PipelineTask, SpecStatus


def topological(facts: RunFacts) -> Iterator[PipelineTask]:
    """DAG tasks, parents first, declaration order among equals."""
    done: set[str] = set()
    pending = list(facts.spec.tasks)
    while pending:
        progressed = False
        for task in list(pending):
            if all(p in done for p in facts.parents.get(task.name, ())):
                done.add(task.name)
                pending.remove(task)
                progressed = True
                yield task
        if not progressed:  # a cycle: admission refuses it; never loop forever
            yield from pending
            return


def _parent_skipped(facts: RunFacts, task: PipelineTask) -> bool:
    for parent in facts.parents.get(task.name, ()):
        reason = facts.skips.get(parent)
        if reason is not None and reason != SkipReason.WHEN:
            return True
    return False


def _results_missing(facts: RunFacts, task: PipelineTask, resolved: Resolved) -> bool:
    missing = resolved.missing_in_guards
    if not missing:
        return False
    if task.is_finally or task.continues_on_error:
        return True
    return any(facts.skips.get(producer) == SkipReason.WHEN for producer, _ in missing)


def _empty_matrix(task: PipelineTask) -> bool:
    matrix = task.matrix or {}
    return any(
        isinstance(p, dict) and isinstance(p.get("value"), list) and not p["value"] for p in matrix.get("params") or ()
    )


def dag_skip(facts: RunFacts, task: PipelineTask) -> SkipReason | None:
    if facts.is_scheduled(task.name) or task.name in facts.validation_failed:
        return None
    if facts.is_stopping():
        return SkipReason.STOPPING
    if facts.spec_status == SpecStatus.CANCELLED_RUN_FINALLY:
        return SkipReason.GRACEFULLY_CANCELLED
    if facts.spec_status == SpecStatus.STOPPED_RUN_FINALLY:
        return SkipReason.GRACEFULLY_STOPPED
    if _parent_skipped(facts, task):
        return SkipReason.PARENT_SKIPPED
    if not facts.parents_done(task):
        return None
    resolved = facts.resolve(task)
    if _results_missing(facts, task, resolved):
        return SkipReason.MISSING_RESULTS
    if not when_rules.all_allow(resolved.task.when):
        return SkipReason.WHEN
    if facts.pipeline_timed_out():
        return SkipReason.PIPELINE_TIMEOUT
    if facts.tasks_timed_out():
        return SkipReason.TASKS_TIMEOUT
    if _empty_matrix(resolved.task):
        return SkipReason.EMPTY_MATRIX
    return None


def finally_skip(facts: RunFacts, task: PipelineTask) -> SkipReason | None:
    if facts.is_scheduled(task.name):
        return None
    resolved = facts.resolve(task)
    if _results_missing(facts, task, resolved):
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


def compute_skips(facts: RunFacts) -> RunFacts:
    """Fill `facts.skips` for this pass: DAG tasks parents first, then finally tasks."""
    facts.skips.clear()
    for task in topological(facts):
        reason = dag_skip(facts, task)
        if reason is not None:
            facts.skips[task.name] = reason
    if facts.dag_done():
        for task in facts.spec.finally_:
            reason = finally_skip(facts, task)
            if reason is not None:
                facts.skips[task.name] = reason
    return facts
