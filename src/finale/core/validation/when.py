"""`when` guard rules (pkg/apis/pipeline/v1/when_validation.go): shape, operator, CEL."""

from __future__ import annotations

from collections.abc import Mapping

from finale.core.tekton.cel import check_syntax
from finale.core.validation.common import Context, Errors, get_items, get_str, get_strs, go_quote

TYPE_CHECKING = False  # typing costs start-up time; mypy reads the block below as true
if TYPE_CHECKING:
    from typing import Any

CEL_FLAG = "enable-cel-in-whenexpression"
OPERATORS = ("in", "notin")


def validate_when(errs: Errors, ctx: Context, owner: Mapping[str, Any], path: str) -> None:
    """Every entry of `owner.when`; `path` is the owner's path (a PipelineTask or a step)."""
    for j, expr in get_items(errs, owner, "when", path):
        here = f"{path}.when[{j}]"
        cel = get_str(errs, expr, "cel", here)
        given = (
            get_str(errs, expr, "input", here),
            get_str(errs, expr, "operator", here),
            get_strs(errs, expr, "values", here),
        )
        if cel:
            _check_cel(errs, ctx, cel, given, here)
        else:
            _check_plain(errs, expr, given, here)


def _check_cel(errs: Errors, ctx: Context, cel: str, given: tuple[str, str, list[str]], here: str) -> None:
    if not ctx.has(CEL_FLAG):
        errs.add(
            here,
            f"feature flag {CEL_FLAG} should be set to true to use CEL: {cel} in WhenExpression",
            f"pass --feature {CEL_FLAG}, or use input/operator/values",
        )
        return
    input_, operator, values = given
    if input_ or operator or values:
        # Tekton prints the Go struct here: &{input operator [values] cel}.
        shown = f"&{{{input_} {operator} [{' '.join(values)}] {cel}}}"
        errs.add(
            here,
            f"cel and input+operator+values cannot be set in one WhenExpression: {shown}",
            "split it into two when expressions",
        )
        return
    problem = check_syntax(cel)
    if problem:
        errs.add(
            here,
            f"invalid cel expression: {cel} with err: {problem}",
            "quote Tekton variables, e.g. '$(params.branch)' == 'main'",
        )


def _check_plain(errs: Errors, expr: Mapping[str, Any], given: tuple[str, str, list[str]], here: str) -> None:
    input_, operator, values = given
    if not input_ and not operator and expr.get("values") is None:
        errs.add(here, "missing field(s)", "set input, operator and values (or cel)")
    elif operator not in OPERATORS:
        errs.add(
            here,
            f"invalid value: operator {go_quote(operator)} is not recognized. valid operators: in,notin",
            "use operator in or notin",
        )
    elif not values:
        errs.add(here, "invalid value: expecting non-empty values field", "list at least one value to compare with")
