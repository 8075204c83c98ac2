"""`$(...)` references as admission sees them: extraction and the param-usage checks.

Patterns and wording follow Tekton's `pkg/substitution` and `pkg/apis/pipeline/v1/resultref.go`
so the same inputs give the same texts (`non-existent variable in "..."`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Mapping

from finale.core.validation.common import go_quote

# Any `$(a.b[0])`-like reference; used to list a value's expressions (Tekton `validateString`).
_VAR_SUB = re.compile(r"\$\([_a-zA-Z0-9.-]+(\.[_a-zA-Z0-9.-]+)*(\[([0-9]+|\*)\])?\)")
_ARRAY_INDEX = re.compile(r"\[([0-9])*\*?\]")
_ANY_NAME = r".*?(\[\*\])?"
_WHOLE_NAME = r"[_a-zA-Z0-9.-]+\[\*\]"

UNKNOWN_HINT = "declare the param, or fix the name in the reference"
TYPE_HINT = "use one element $(params.NAME[i]) or one key $(params.NAME.KEY) inside a string"
ISOLATED_HINT = "put the whole-array reference $(params.NAME[*]) alone in its own list item"


def expressions(value: str) -> list[str]:
    """The text inside each `$(...)` of `value` (no bracket-quoted spellings)."""
    return [m.group(0)[2:-1] for m in _VAR_SUB.finditer(value)]


@functools.lru_cache(maxsize=256)
def _brace(prefix: str, name: str = _ANY_NAME, whole: bool = False) -> re.Pattern[str]:
    body = rf"(\$(\({prefix}(\.(?P<var1>{name})|\[\"(?P<var2>{name})\"\]|\['(?P<var3>{name})'\])\)))"
    return re.compile(f"^{body}$" if whole else body)


def _may_name(value: str, prefix: str) -> bool:
    """Whether `value` holds `$(` and the prefix's literal start: every pattern of `_brace` needs
    both, so a text without them is passed over before a pattern is compiled or run."""
    return "$(" + prefix.split("\\", 1)[0] in value


def looks_like_result_ref(expr: str) -> bool:
    parts = expr.split(".")
    return len(parts) >= 4 and parts[0] in ("tasks", "finally") and parts[2] == "results"


def result_ref_task(expr: str) -> str | None:
    """The producing task of `tasks.<t>.results.<r>` (4 or 5 dotted parts), else None."""
    parts = expr.split(".")
    if looks_like_result_ref(expr) and len(parts) in (4, 5):
        return parts[1]
    return None


def trim_array_index(text: str) -> str:
    return _ARRAY_INDEX.sub("", text)


def extract_variables(value: str, prefix: str) -> tuple[list[str], bool, str]:
    """Names referenced under `prefix` (a regex fragment such as `params`).

    Returns (names, present, error): `error` is Tekton's text for `$(params.a.b.c)`.
    """
    found: list[str] = []
    if not _may_name(value, prefix):
        return found, False, ""
    matches = list(_brace(prefix).finditer(value))
    if not matches:
        return found, False, ""
    for m in matches:
        var1 = m.group("var1") or ""
        if "." in var1:
            if len(var1.split(".")) > 2:
                return (
                    found,
                    True,
                    (
                        f'Invalid referencing of parameters in "{value}"! Only two dot-separated '
                        f'components after the prefix "{prefix}" are allowed.'
                    ),
                )
            found.append(var1.split(".", 1)[0])
            continue
        found.append(var1 or m.group("var2") or m.group("var3") or "")
    return found, True, ""


def _entire_variables(value: str, prefix: str) -> list[str]:
    if not _may_name(value, prefix):
        return []
    return [m.group("var1") or m.group("var2") or m.group("var3") or "" for m in _brace(prefix).finditer(value)]


def unknown(value: str, prefix: str, names: Collection[str]) -> str | None:
    """`non-existent variable in "..."` when a reference names something not in `names`."""
    found, present, error = extract_variables(value, prefix)
    if not present:
        return None
    if error:
        return error
    for name in found:
        if trim_array_index(name) not in names:
            return f"non-existent variable in {go_quote(value)}"
    return None


def prohibited(value: str, prefix: str, names: Collection[str]) -> str | None:
    """An array/object param used where only a string fits."""
    found, present, error = extract_variables(value, prefix)
    if not present:
        return None
    if error:
        return error
    if any(name.removesuffix("[*]") in names for name in found):
        return f"variable type invalid in {go_quote(value)}"
    return None


def entire_prohibited(value: str, prefix: str, names: Collection[str]) -> str | None:
    """A whole object param (`$(params.obj)` / `$(params.obj[*])`) used inside a string."""
    for name in _entire_variables(value, prefix):
        if name.removesuffix("[*]") in names:
            return f"variable type invalid in {go_quote(value)}"
    return None


def not_isolated(value: str, prefix: str, names: Collection[str]) -> str | None:
    """A whole-array reference that is not the entire array element."""
    found, present, error = extract_variables(value, prefix)
    if not present:
        return None
    if error:
        return error
    first = _brace(prefix).search(value)
    first_len = len(first.group(0)) if first else 0
    for name in found:
        if name.removesuffix("[*]") in names and len(value) != first_len:
            return f"variable is not properly isolated in {go_quote(value)}"
    return None


def is_whole_ref(value: str, prefix: str = "params") -> bool:
    """`value` is exactly `$(params.x[*])` (a whole array or object)."""
    return _may_name(value, prefix) and _brace(prefix, _WHOLE_NAME, True).match(value) is not None


def object_messages(value: str, prefix: str, object_keys: Mapping[str, Collection[str]]) -> list[str]:
    """Unknown keys of object params, and whole objects used inside a string."""
    out = []
    for name, keys in object_keys.items():
        message = unknown(value, f"{prefix}\\.{re.escape(name)}", keys)
        if message:
            out.append(message)
    message = entire_prohibited(value, prefix, set(object_keys))
    if message:
        out.append(message)
    return out


def string_messages(
    value: str,
    names: Collection[str],
    arrays: Collection[str],
    object_keys: Mapping[str, Collection[str]],
    prefix: str = "params",
) -> list[str]:
    """Tekton's `validateStringVariable`: messages for one string-typed value."""
    out = [m for m in (unknown(value, prefix, names),) if m]
    out += object_messages(value, prefix, object_keys)
    message = prohibited(value, prefix, arrays)
    return [*out, message] if message else out


def array_messages(
    value: str,
    names: Collection[str],
    arrays: Collection[str],
    object_keys: Mapping[str, Collection[str]],
    prefix: str = "params",
) -> list[str]:
    """Tekton's `validateArrayVariable`: messages for one element of an array value."""
    out = [m for m in (unknown(value, prefix, names),) if m]
    out += object_messages(value, prefix, object_keys)
    message = not_isolated(value, prefix, arrays)
    return [*out, message] if message else out


def hint_for(message: str, declared: Collection[str] = ()) -> str:
    if message.startswith("non-existent variable"):
        if declared:
            return f"{UNKNOWN_HINT} (declared: {', '.join(sorted(declared))})"
        return UNKNOWN_HINT
    if message.startswith("variable type invalid"):
        return TYPE_HINT
    if message.startswith("variable is not properly isolated"):
        return ISOLATED_HINT
    return "reference a param as $(params.NAME) or $(params.NAME.KEY)"
