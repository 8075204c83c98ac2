import pytest

from finale.core.tekton.variables import (
    Replacements,
    apply_deep,
    apply_text,
    apply_value,
    result_refs,
    value_replacements,
)

PARAMS = value_replacements(
    "params",
    {"s": "x", "arr": ["a", "b"], "obj": {"url": "u", "rev": "r"}, "dotted.name": "d"},
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("$(params.s)", "x", id="dot"),
        pytest.param("$(params['s'])-$(params[\"s\"])", "x-x", id="brackets"),
        pytest.param("$(params.arr[1])", "b", id="array-index"),
        pytest.param("$(params.obj.url)", "u", id="object-key"),
        pytest.param("$(params['dotted.name'])", "d", id="dotted-name-bracket"),
        pytest.param("$(params.unknown)", "$(params.unknown)", id="unknown-stays-literal"),
        pytest.param("$(params.arr[7])", "$(params.arr[7])", id="out-of-range-stays-literal"),
    ],
)
def test_string_references(text: str, expected: str) -> None:
    assert apply_text(text, PARAMS) == expected


def test_single_pass_does_not_reexpand() -> None:
    rep = Replacements(strings={"params.a": "$(params.b)", "params.b": "boom"})
    assert apply_text("$(params.a)", rep) == "$(params.b)"


def test_whole_array_reference_changes_a_string_value_into_an_array() -> None:
    assert apply_value("$(params.arr[*])", PARAMS) == ["a", "b"]
    assert apply_value("$(params.obj[*])", PARAMS) == {"url": "u", "rev": "r"}
    assert apply_value(["first", "$(params.arr[*])"], PARAMS) == ["first", "a", "b"]


def test_param_entries_in_documents_keep_their_array_type() -> None:
    doc = {"params": [{"name": "p", "value": "$(params.arr[*])"}], "args": ["$(params.arr[*])", "$(params.s)"]}
    assert apply_deep(doc, PARAMS) == {"params": [{"name": "p", "value": ["a", "b"]}], "args": ["a", "b", "x"]}


def test_result_references_dot_form_only_creates_edges() -> None:
    doc = {"a": "$(tasks.build.results.image) $(tasks.test.results['report'])"}
    assert result_refs(doc) == [("build", "image"), ("test", "report")]
    assert result_refs(doc, dot_only=True) == [("build", "image")]
