"""`when` guards: exact-string `in` / `notin`, and CEL behind its feature flag (spec §3)."""

from __future__ import annotations

from collections.abc import Iterable

from finale.core.tekton.cel import CelError, evaluate_bool
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
