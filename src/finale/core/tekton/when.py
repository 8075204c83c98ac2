"""`when` guards: exact-string `in` / `notin`, and CEL behind its feature flag (spec §3)."""

from __future__ import annotations

from collections.abc import Iterable

from finale.core.tekton.cel import CelError, evaluate_bool
from finale.core.tekton.facts import RunFacts
from finale.core.tekton.model import WhenExpression

CEL_FLAG = "enable-cel-in-whenexpression"


class CelEvaluationError(CelError):
    """A CEL guard failed to compile or evaluate: the whole PipelineRun fails."""


def allows(expr: WhenExpression) -> bool:
    if expr.cel:
        try:
            return evaluate_bool(expr.cel)
        except CelError as exc:
            raise CelEvaluationError(str(exc)) from None
    if expr.operator == "in":
        return expr.input in expr.values
    if expr.operator == "notin":
        return expr.input not in expr.values
    return False


def all_allow(exprs: Iterable[WhenExpression]) -> bool:
    """A task runs only if every guard is true (logical AND)."""
    return all(allows(e) for e in exprs)


def cel_failure(facts: RunFacts) -> str | None:
    """The error of the first CEL guard that cannot be evaluated on this pass, if any.

    reconcile (pipelinerun.go) runs EvaluateCEL on every PipelineTask of its state on every
    pass, right after resolving it and before anything is scheduled: started tasks first, then
    the others, each in spec order. A reference whose producer has not finished is still literal
    text then, so `int('$(tasks.a.results.n)')` fails the run before any TaskRun exists.
    """
    tasks = facts.spec.all_tasks()
    started = [t for t in tasks if facts.is_scheduled(t.name)]
    for task in started + [t for t in tasks if not facts.is_scheduled(t.name)]:
        if not any(w.cel for w in task.when):
            continue
        for expr in facts.resolve(task, statuses=False).task.when:
            if not expr.cel:
                continue
            try:
                evaluate_bool(expr.cel)
            except CelError as exc:
                return str(exc)
    return None
