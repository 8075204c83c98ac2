"""Records behave as the frozen dataclasses they replace: equal, hashed and shown by their fields."""

from __future__ import annotations

import copy
import pickle

import pytest

from finale.core.validation.common import Context, ParamVal
from finale.core.validation.task import StepText
from finale.errors import FieldError
from finale.record import replace


def test_equal_and_hashed_by_fields_in_order() -> None:
    a = FieldError("spec.tasks", "no tasks", "add one")
    assert a == FieldError(path="spec.tasks", message="no tasks", hint="add one")
    assert a != FieldError("spec.tasks", "no tasks")
    assert hash(a) == hash(FieldError("spec.tasks", "no tasks", "add one"))
    assert len({a, FieldError("spec.tasks", "no tasks", "add one")}) == 1


def test_never_equal_to_another_type_with_the_same_values() -> None:
    assert StepText("p", "v") != ("p", "v")
    assert StepText("p", "v") != FieldError("p", "v", "")
    assert FieldError("p", "v", "") != ("p", "v", "")


def test_repr_names_the_fields_in_declaration_order() -> None:
    assert repr(FieldError("spec.a", "bad", "fix it")) == "FieldError(path='spec.a', message='bad', hint='fix it')"
    assert repr(ParamVal(type="array", array=("x",))) == "ParamVal(type='array', string='', array=('x',), obj={})"


def test_fields_cannot_be_reassigned_or_deleted() -> None:
    error = FieldError("spec.a", "bad")
    with pytest.raises(AttributeError, match="cannot assign to field 'path' of FieldError"):
        error.path = "spec.b"  # type: ignore[misc]
    with pytest.raises(AttributeError, match="cannot delete field 'hint'"):
        del error.hint
    with pytest.raises(AttributeError):
        error.extra = 1  # type: ignore[attr-defined]
    assert error == FieldError("spec.a", "bad")


def test_unhashable_field_makes_the_record_unhashable_as_before() -> None:
    with pytest.raises(TypeError, match="unhashable"):
        hash(ParamVal(type="object", obj={"k": "v"}))


@pytest.mark.parametrize(
    "record",
    [FieldError("spec.a", "bad", "fix"), ParamVal(type="object", obj={"k": "v"}), Context(frozenset({"x"}))],
    ids=["field-error", "param-val", "context"],
)
def test_copies_and_pickles_to_an_equal_record(record: object) -> None:
    assert copy.copy(record) == record
    assert copy.deepcopy(record) == record
    assert pickle.loads(pickle.dumps(record)) == record


def test_defaults_are_not_shared_between_records() -> None:
    assert ParamVal(type="string").obj == {}
    assert ParamVal(type="string").obj is not ParamVal(type="string").obj


def test_every_record_keeps_exactly_its_annotated_fields_in_slots() -> None:
    import finale.cli.commands.run
    import finale.cli.commands.validate
    import finale.core.tekton.unsupported  # noqa: F401
    from finale.record import Record

    records = Record.__subclasses__()
    assert len(records) >= 11
    for record in records:
        assert sorted(record.__slots__) == sorted(record._fields), record.__name__


def test_replace_makes_a_new_record_with_the_changes_and_keeps_the_rest() -> None:
    error = FieldError("spec.a", "bad", "fix")
    changed = replace(error, message="worse")
    assert changed == FieldError("spec.a", "worse", "fix")
    assert error == FieldError("spec.a", "bad", "fix")
    assert replace(error) == error and replace(error) is not error


def test_replace_goes_through_init_so_its_logic_runs() -> None:
    value = ParamVal(type="object", obj={"k": "v"})
    assert replace(value, obj=None).obj == {}


def test_replace_refuses_a_field_the_record_does_not_have() -> None:
    with pytest.raises(TypeError, match="FieldError has no field 'pth'"):
        replace(FieldError("spec.a", "bad"), pth="spec.b")
