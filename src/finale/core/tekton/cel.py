"""CEL guards (`when: [{cel: ...}]`) over the `cel` package, imported lazily (slow import).

Tekton compiles a CEL guard with an empty environment at admission and evaluates it after
substitution; the result must be a boolean (pkg/apis/pipeline/v1/when_validation.go,
pkg/reconciler/pipelinerun/resources/pipelinerunresolution.go `EvaluateCEL`).
"""

from __future__ import annotations

import re

from finale.errors import InputError

TYPE_CHECKING = False  # typing costs start-up time; mypy reads the block below as true
if TYPE_CHECKING:
    from typing import Any

# The `cel` package reports a name that is not declared only when it evaluates, while cel-go's
# checker refuses it at compile time; this text marks that case so admission can refuse it too.
_UNDECLARED = "Undefined variable or function"


class CelError(InputError):
    """A CEL guard that does not parse, fails to evaluate, or gives a non-boolean."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


CEL_MISSING = (
    "CEL guards need the optional CEL evaluator, which is not installed\n"
    "  fix: pip install 'finale[cel]' (or pipx install 'finale[cel]'), or use input/operator/values"
)


def _cel() -> Any:
    try:
        import cel  # lazy on purpose: importing cel costs ~150 ms
    except ImportError:
        # An extra (`finale[cel]`): it pulls typer, rich, pydantic and prompt-toolkit along.
        raise InputError(CEL_MISSING) from None
    return cel


def _run(expr: str) -> Any:
    return _cel().evaluate(expr)


def check_syntax(expr: str) -> str | None:
    """The admission check: error text for an expression Tekton would refuse, else None.

    Tekton variables are not substituted yet, so they must sit inside quotes
    (`'$(params.branch)' == 'main'`); a bare `$(params.x)` or `params.x` is refused.
    """
    cel = _cel()
    try:
        program = cel.compile(expr)
    except Exception as exc:  # the package raises builtin types with no common base
        return str(exc)
    try:
        program.execute({})
    except Exception as exc:
        text = str(exc)
        # Only an undeclared name is a compile-time error for cel-go; a failure such as a
        # division by zero happens at run time and is not an admission error.
        if _UNDECLARED in text:
            return text
    return None


# cel-go's own texts for the evaluation errors a substituted guard typically hits: Tekton puts
# them verbatim in the CELEvaluationFailed message (common/types/string.go ConvertToType, err.go).
_GO_TYPE_NAMES = {
    "int": "int",
    "uint": "uint",
    "double": "double",
    "duration": "google.protobuf.Duration",
    "timestamp": "google.protobuf.Timestamp",
}
_CONVERSION = re.compile(r"^Function '(\w+)' error: ")


def _go_text(exc: Exception) -> str:
    """The message cel-go gives for the same failure, where the two libraries word it apart."""
    text = str(exc)
    if isinstance(exc, ZeroDivisionError):
        return "modulus by zero" if text.startswith("modulo") else "division by zero"
    if isinstance(exc, KeyError) and exc.args:
        return f"no such key: {exc.args[0]}"
    match = _CONVERSION.match(text)
    if match and match.group(1) in _GO_TYPE_NAMES:
        return f"type conversion error from 'string' to '{_GO_TYPE_NAMES[match.group(1)]}'"
    return text or type(exc).__name__


def evaluate_bool(expr: str) -> bool:
    """Evaluate a substituted CEL guard; CelError for any error or a non-boolean result."""
    try:
        result = _run(expr)
    except Exception as exc:  # ValueError, RuntimeError, TypeError, ZeroDivisionError...
        raise CelError(_go_text(exc)) from None
    if not isinstance(result, bool):
        raise CelError(f"The CEL expression {expr} is not evaluated to a boolean")
    return result


__all__ = ["CelError", "check_syntax", "evaluate_bool"]
