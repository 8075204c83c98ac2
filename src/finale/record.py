"""Immutable value records made without `dataclasses` or `typing.NamedTuple`.

Both generate code when a class is made (and import `inspect` or `typing`): `finale validate` starts
faster without them (benchmarks/validate_startup.py; tests/cli/test_startup.py guards the imports).
"""

from __future__ import annotations


class Record:
    """Equal, hashed and shown by its fields, in the order annotated; a field cannot be reassigned.

    A subclass annotates its fields (and nothing else), stores them in `__slots__`, and sets them
    all in `__init__` with `self._fill(name=value, ...)`: a frozen dataclass, written out.
    """

    __slots__ = ()

    def _fill(self, **values: object) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in type(self).__annotations__)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Record) or type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in type(self).__annotations__)
        return f"{type(self).__name__}({shown})"

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r} of {type(self).__name__}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r} of {type(self).__name__}")

    def __reduce__(self) -> tuple[object, ...]:
        """copy and pickle: rebuild from the fields without calling `__init__`."""
        return _rebuild, (type(self), {name: getattr(self, name) for name in type(self).__annotations__})


def _rebuild(cls: type[Record], values: dict[str, object]) -> Record:
    record = object.__new__(cls)
    record._fill(**values)
    return record
