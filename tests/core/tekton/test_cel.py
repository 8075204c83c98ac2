"""CEL guards: admission syntax check and boolean evaluation."""

from __future__ import annotations

import pytest

from finale.core.tekton.cel import CelError, check_syntax, evaluate_bool


@pytest.mark.parametrize(
    "expr",
    [
        pytest.param("'a' == 'a'", id="literal-compare"),
        pytest.param("'$(params.branch)'.matches('release/.*')", id="quoted-reference"),
        pytest.param("'$(tasks.status)' in ['Failed', 'None']", id="in-list"),
        pytest.param("1 / 0 == 1", id="runtime-error-is-not-a-syntax-error"),
    ],
)
def test_check_syntax_accepts(expr: str) -> None:
    assert check_syntax(expr) is None


@pytest.mark.parametrize(
    ("expr", "start"),
    [
        pytest.param("$(params.x) == 'a'", "Failed to parse expression", id="unquoted-reference"),
        pytest.param("params.foo == 'foo'", "Undefined variable or function: 'params'", id="bare-variable"),
        pytest.param("'a' ==", "Failed to parse expression", id="incomplete"),
    ],
)
def test_check_syntax_rejects(expr: str, start: str) -> None:
    problem = check_syntax(expr)
    assert problem is not None
    assert problem.startswith(start)


@pytest.mark.parametrize(
    ("expr", "result"),
    [
        pytest.param("'Failed' == 'Failed'", True, id="true"),
        pytest.param("'Succeeded' in ['Failed', 'None']", False, id="false"),
        pytest.param("'a' == 1", False, id="mixed-types-are-unequal"),
        pytest.param("'main'.startsWith('ma') && size('abc') == 3", True, id="functions"),
    ],
)
def test_evaluate_bool(expr: str, result: bool) -> None:
    assert evaluate_bool(expr) is result


def test_non_boolean_result_is_an_error() -> None:
    with pytest.raises(CelError) as info:
        evaluate_bool("'abc'")
    assert info.value.message == "The CEL expression 'abc' is not evaluated to a boolean"


@pytest.mark.parametrize(
    "expr",
    [
        pytest.param("1 / 0 == 1", id="division-by-zero"),
        pytest.param("tasks.status == 'Failed'", id="unsubstituted-variable"),
        pytest.param("'it's' == 'x'", id="quote-in-substituted-value"),
        pytest.param("'a' + 1 == 'a1'", id="type-error"),
    ],
)
def test_evaluation_errors_become_cel_errors(expr: str) -> None:
    with pytest.raises(CelError) as info:
        evaluate_bool(expr)
    assert info.value.message


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        pytest.param(
            "int('$(tasks.a.results.n)') > 3",
            "type conversion error from 'string' to 'int'",
            id="int-of-literal-reference",
        ),
        pytest.param("uint('x') > 1u", "type conversion error from 'string' to 'uint'", id="uint"),
        pytest.param("double('x') > 1.0", "type conversion error from 'string' to 'double'", id="double"),
        pytest.param(
            "duration('x') > duration('1s')",
            "type conversion error from 'string' to 'google.protobuf.Duration'",
            id="duration",
        ),
        pytest.param("1 / 0 == 1", "division by zero", id="division"),
        pytest.param("5 % 0 == 1", "modulus by zero", id="modulus"),
        pytest.param("{'a': 1}['b'] == 1", "no such key: b", id="missing-key"),
    ],
)
def test_evaluation_errors_read_as_cel_go_words_them(expr: str, message: str) -> None:
    # Tekton copies cel-go's error text into the CELEvaluationFailed message
    # (google/cel-go common/types/string.go ConvertToType, common/types/err.go).
    with pytest.raises(CelError) as info:
        evaluate_bool(expr)
    assert info.value.message == message
