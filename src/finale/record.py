"""Immutable value records made without `dataclasses` or `typing.NamedTuple`.

Both generate code when a class is made (and import `inspect` or `typing`): `finale validate` starts
faster without them (benchmarks/validate_startup.py; tests/cli/test_startup.py guards the imports).
"""

from __future__ import annotations

from operator import attrgetter

TYPE_CHECKING = False  # typing costs start-up time; mypy reads the block below as true
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import ClassVar, TypeVar

    R = TypeVar("R", bound="Record")

# How a Record's `__init__` sets its fields: the record's own `__setattr__` refuses.
set_field = object.__setattr__


class Record:
    """Equal, hashed and shown by its fields, in the order annotated; a field cannot be reassigned.

    A subclass annotates its fields (and nothing else), stores them in `__slots__`, and sets each
    in `__init__` with `set_field(self, "name", value)`: a frozen dataclass, written out.
    """

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    _get: ClassVar[Callable[[Record], tuple[object, ...]]]

    def __init_subclass__(cls) -> None:
        cls._fields = tuple(cls.__annotations__)  # its own: Python 3.10+ does not inherit them here
        # attrgetter reads all fields in C; with one name it returns the value, not a 1-tuple.
        cls._get = attrgetter(*cls._fields) if len(cls._fields) > 1 else _one_by_one(cls._fields)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self) or not isinstance(other, Record):
            return NotImplemented
        return type(self)._get(self) == type(other)._get(other)

    def __hash__(self) -> int:
        return hash(type(self)._get(self))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({shown})"

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r} of {type(self).__name__}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r} of {type(self).__name__}")

    def __reduce__(self) -> tuple[object, ...]:
        """copy and pickle: rebuild from the fields without calling `__init__`."""
        return _rebuild, (type(self), type(self)._get(self))


def replace(record: R, /, **changes: object) -> R:
    """A new record through the class's `__init__` (so its logic runs), changes applied: as `dataclasses.replace`."""
    unknown = changes.keys() - set(record._fields)
    if unknown:
        raise TypeError(f"{type(record).__name__} has no field {sorted(unknown)[0]!r}")
    values = {name: getattr(record, name) for name in record._fields}
    return type(record)(**(values | changes))


def _one_by_one(fields: tuple[str, ...]) -> Callable[[Record], tuple[object, ...]]:
    return lambda record: tuple(getattr(record, name) for name in fields)


def _rebuild(cls: type[Record], values: tuple[object, ...]) -> Record:
    record = object.__new__(cls)
    for name, value in zip(cls._fields, values, strict=True):
        set_field(record, name, value)
    return record
