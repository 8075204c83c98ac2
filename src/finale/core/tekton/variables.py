"""`$(...)` substitution: replacement maps per stage, applied in one pass (spec §7.1).

A stage is a `Replacements`: string keys, whole-array keys and whole-object keys. Unknown
references stay as literal text, as in Tekton.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

TYPE_CHECKING = False  # typing costs start-up time; mypy reads the block below as true
if TYPE_CHECKING:  # annotations only: validation reads documents, not the model
    from typing import Any

    from finale.core.tekton.model import ParamValue

_REF = re.compile(r"\$\(([^()]*)\)")
# Only the dot form creates DAG edges (spec §2.2).
RESULT_REF_DOT = re.compile(r"\$\(tasks\.([^.\[\]()\s]+)\.results\.([^.\[\]()\s]+)((?:\[[^\]]*\])?(?:\.[^)]*)?)\)")
RESULT_REF_ANY = re.compile(
    r"""\$\(tasks\.([^.\[\]()\s]+)\.results(?:\.([^.\[\]()\s]+)|\[["']([^"']+)["']\])([^)]*)\)"""
)


# Not a dataclass: `finale validate` starts without importing `dataclasses` (and `inspect`).
class Replacements:
    __slots__ = ("arrays", "objects", "strings")

    def __init__(
        self,
        strings: dict[str, str] | None = None,
        arrays: dict[str, list[str]] | None = None,
        objects: dict[str, dict[str, str]] | None = None,
    ) -> None:
        self.strings: dict[str, str] = {} if strings is None else strings
        self.arrays: dict[str, list[str]] = {} if arrays is None else arrays
        self.objects: dict[str, dict[str, str]] = {} if objects is None else objects

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Replacements):
            return NotImplemented
        return (self.strings, self.arrays, self.objects) == (other.strings, other.arrays, other.objects)

    def __repr__(self) -> str:
        return f"Replacements(strings={self.strings!r}, arrays={self.arrays!r}, objects={self.objects!r})"

    def merge(self, other: Replacements) -> Replacements:
        return Replacements(
            {**self.strings, **other.strings},
            {**self.arrays, **other.arrays},
            {**self.objects, **other.objects},
        )

    def update(self, other: Replacements) -> None:
        """`merge` in place, for building one map from many parts."""
        self.strings.update(other.strings)
        self.arrays.update(other.arrays)
        self.objects.update(other.objects)

    def __bool__(self) -> bool:
        return bool(self.strings or self.arrays or self.objects)


def _spellings(prefix: str, name: str) -> list[str]:
    return [f"{prefix}.{name}", f'{prefix}["{name}"]', f"{prefix}['{name}']"]


def value_replacements(prefix: str, values: Mapping[str, ParamValue], *, legacy_array: bool = True) -> Replacements:
    """Keys for `params` or `tasks.t.results`: `p.n`, `p["n"]`, `p['n']`, `[i]`, `[*]`, `.key`."""
    rep = Replacements()
    for name, value in values.items():
        for key in _spellings(prefix, name):
            if isinstance(value, list):
                rep.arrays[f"{key}[*]"] = value
                if legacy_array:
                    rep.arrays[key] = value
                for i, item in enumerate(value):
                    rep.strings[f"{key}[{i}]"] = item
            elif isinstance(value, dict):
                rep.objects[f"{key}[*]"] = value
                for k, item in value.items():
                    rep.strings[f"{key}.{k}"] = item
            else:
                rep.strings[key] = value
    return rep


def apply_text(text: str, rep: Replacements) -> str:
    """Replace every `$(key)` whose key is a string replacement; one pass, no re-expansion."""
    if "$(" not in text:
        return text

    def sub(match: re.Match[str]) -> str:
        return rep.strings.get(match.group(1), match.group(0))

    return _REF.sub(sub, text)


def _whole_ref(text: str) -> str | None:
    match = _REF.fullmatch(text.strip()) if text.startswith("$(") else None
    return match.group(1) if match else None


def apply_value(value: ParamValue, rep: Replacements) -> ParamValue:
    """A param value: an exact whole-array/object reference changes its type (spec §7.1)."""
    if isinstance(value, str):
        key = _whole_ref(value)
        if key is not None and key in rep.arrays:
            return list(rep.arrays[key])
        if key is not None and key in rep.objects:
            return dict(rep.objects[key])
        return apply_text(value, rep)
    if isinstance(value, list):
        return apply_list(value, rep)
    return {k: apply_text(v, rep) for k, v in value.items()}


def apply_list(items: Iterable[str], rep: Replacements) -> list[str]:
    """An element that is exactly a whole-array reference expands to all its elements."""
    out: list[str] = []
    for item in items:
        key = _whole_ref(item) if isinstance(item, str) else None
        if key is not None and key in rep.arrays:
            out.extend(rep.arrays[key])
        else:
            out.append(apply_text(item, rep) if isinstance(item, str) else item)
    return out


def apply_deep(obj: Any, rep: Replacements) -> Any:
    """Substitute in every string of a document; string lists expand whole-array references."""
    if not rep:
        return obj
    if isinstance(obj, str):
        return apply_text(obj, rep)
    if isinstance(obj, list):
        if all(isinstance(x, str) for x in obj):
            return apply_list(obj, rep)
        return [apply_deep(x, rep) for x in obj]
    if isinstance(obj, Mapping):
        if "name" in obj and "value" in obj and isinstance(obj["value"], str | list | dict):
            # A param entry: an exact whole-array/object reference changes the value's type.
            return {k: apply_value(v, rep) if k == "value" else apply_deep(v, rep) for k, v in obj.items()}
        return {k: apply_deep(v, rep) for k, v in obj.items()}
    return obj


def references(obj: Any) -> list[str]:
    """Every `$(...)` expression text inside a document, in order."""
    found: list[str] = []
    if isinstance(obj, str):
        found.extend(m.group(1) for m in _REF.finditer(obj))
    elif isinstance(obj, list):
        for x in obj:
            found.extend(references(x))
    elif isinstance(obj, Mapping):
        for v in obj.values():
            found.extend(references(v))
    return found


def strings_in(obj: Any) -> list[str]:
    """Every string in a document, depth first (a list: the engine asks on every pass, and
    nested generators cost several times more)."""
    found: list[str] = []
    _collect_strings(obj, found)
    return found


def _collect_strings(obj: Any, found: list[str]) -> None:
    if isinstance(obj, str):
        found.append(obj)
    elif isinstance(obj, list):
        for x in obj:
            _collect_strings(x, found)
    elif isinstance(obj, (dict, Mapping)):  # dict first: no ABC check
        for v in obj.values():
            _collect_strings(v, found)


# Every task-scoped key (results, matrix, status, reason) starts `tasks.<name>.` inside `$(`.
_TASK_KEY = re.compile(r"\$\(tasks\.([^.()]*)\.")


def named_tasks(obj: Any) -> set[str]:
    """The task names a document's `$(tasks.<name>....)` references could be looking up."""
    return {m.group(1) for text in strings_in(obj) if "$(tasks." in text for m in _TASK_KEY.finditer(text)}


def result_refs(obj: Any, *, dot_only: bool = False) -> list[tuple[str, str]]:
    """(task, result) pairs referenced as `$(tasks.t.results.r...)` in a document."""
    pattern = RESULT_REF_DOT if dot_only else RESULT_REF_ANY
    pairs: list[tuple[str, str]] = []
    for text in strings_in(obj):
        for m in pattern.finditer(text):
            pair = (m.group(1), m.group(2) or (m.group(3) if not dot_only else ""))
            if pair not in pairs:
                pairs.append(pair)
    return pairs
