"""Shared pieces of admission validation: the error collector, safe field access, Go quoting.

Input is the plain dict read from YAML, so any field may hold the wrong type; accessors report
that once and give back an empty value, letting every other rule still run (Tekton reports all
problems of an object at once).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from finale.errors import FieldError
from finale.record import Record, set_field

TYPE_CHECKING = False  # typing costs start-up time; mypy reads the block below as true
if TYPE_CHECKING:
    from typing import Any, Literal

    ParamType = Literal["string", "array", "object"]

_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
TYPE_NAMES = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}


# Slotted classes and Records, not dataclasses: `finale validate` starts faster (finale/record.py).
class Errors:
    """Collects FieldErrors in the order rules find them."""

    __slots__ = ("items",)

    def __init__(self, items: list[FieldError] | None = None) -> None:
        self.items: list[FieldError] = [] if items is None else items

    def __eq__(self, other: object) -> bool:
        return self.items == other.items if isinstance(other, Errors) else NotImplemented

    def __repr__(self) -> str:
        return f"Errors(items={self.items!r})"

    def add(self, path: str, message: str, hint: str = "") -> None:
        self.items.append(FieldError(path=path, message=message, hint=hint))


class Context(Record):
    """Feature flags in force for one validation (Tekton reads them from config-feature-flags)."""

    __slots__ = ("features",)
    features: frozenset[str]

    def __init__(self, features: frozenset[str] = frozenset()) -> None:
        set_field(self, "features", features)

    @property
    def api_fields(self) -> str:
        for name in ("alpha", "beta", "stable"):
            if f"enable-api-fields={name}" in self.features:
                return name
        return "beta"

    def has(self, flag: str) -> bool:
        return flag in self.features or f"{flag}=true" in self.features


def join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def index(path: str, i: int) -> str:
    return f"{path}[{i}]"


def key(path: str, name: str) -> str:
    return f"{path}[{name}]"


def type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if value is None:
        return "null"
    return TYPE_NAMES.get(type(value), type(value).__name__)


def wrong_type(errs: Errors, path: str, want: str, value: Any) -> None:
    errs.add(path, f"expected {want}, got {type_name(value)}", f"write {path} as {want}")


def get_map(errs: Errors, obj: Mapping[str, Any], name: str, path: str) -> Mapping[str, Any]:
    """`obj[name]` as a mapping; {} when absent, an error when of another type."""
    value = obj.get(name)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        wrong_type(errs, join(path, name), "an object", value)
        return {}
    return value


def get_items(errs: Errors, obj: Mapping[str, Any], name: str, path: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """Entries of the list `obj[name]` that are mappings, with their index."""
    value = obj.get(name)
    if value is None:
        return
    here = join(path, name)
    if not isinstance(value, list):
        wrong_type(errs, here, "a list", value)
        return
    for i, item in enumerate(value):
        if isinstance(item, Mapping):
            yield i, item
        else:
            wrong_type(errs, index(here, i), "an object", item)


def get_str(errs: Errors, obj: Mapping[str, Any], name: str, path: str) -> str:
    """`obj[name]` as text; "" when absent, an error when a list or a mapping."""
    value = obj.get(name)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        wrong_type(errs, join(path, name), "a string", value)
        return scalar_text(value)
    wrong_type(errs, join(path, name), "a string", value)
    return ""


def get_strs(errs: Errors, obj: Mapping[str, Any], name: str, path: str) -> list[str]:
    value = obj.get(name)
    if value is None:
        return []
    here = join(path, name)
    if not isinstance(value, list):
        wrong_type(errs, here, "a list of strings", value)
        return []
    out = []
    for i, item in enumerate(value):
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, bool | int | float):
            out.append(scalar_text(item))
        else:
            wrong_type(errs, index(here, i), "a string", item)
    return out


def get_int(errs: Errors, obj: Mapping[str, Any], name: str, path: str) -> int:
    value = obj.get(name)
    if value is None:
        return 0
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    wrong_type(errs, join(path, name), "an integer", value)
    return 0


def scalar_text(value: Any) -> str:
    """A YAML scalar as the JSON text Go would decode into a string param (`5`, `true`)."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    import json  # rare (a number or boolean where a string goes): not paid by every start-up

    return json.dumps(value)


def go_quote(text: str) -> str:
    """Go's `%q` for a string: JSON-like escaping, printable Unicode kept as is."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif not ch.isprintable():
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def go_list(values: list[str]) -> str:
    """Go's `%v` of a []string: `[a b c]`."""
    return "[" + " ".join(values) + "]"


class ParamVal(Record):
    """A param value as Tekton decodes it: the YAML shape decides the type."""

    __slots__ = ("array", "obj", "string", "type")
    type: ParamType
    string: str
    array: tuple[str, ...]
    obj: Mapping[str, str]

    def __init__(
        self, type: ParamType, string: str = "", array: tuple[str, ...] = (), obj: Mapping[str, str] | None = None
    ) -> None:
        set_field(self, "type", type)
        set_field(self, "string", string)
        set_field(self, "array", array)
        set_field(self, "obj", {} if obj is None else obj)

    def texts(self) -> list[str]:
        """Every string inside, in order (Tekton's `extractValues`)."""
        if self.type == "array":
            return list(self.array)
        if self.type == "object":
            return list(self.obj.values())
        return [self.string]


def param_value(raw: Any) -> ParamVal:
    if isinstance(raw, list):
        return ParamVal(type="array", array=tuple(scalar_text(v) for v in raw))
    if isinstance(raw, Mapping):
        return ParamVal(type="object", obj={str(k): scalar_text(v) for k, v in raw.items()})
    return ParamVal(type="string", string=scalar_text(raw))


DNS_LABEL_HINT = "use lowercase letters, digits and '-', start and end with a letter or digit"


def is_dns_label(name: str) -> bool:
    return 0 < len(name) <= 63 and _DNS_LABEL.fullmatch(name) is not None


def is_dns_subdomain(name: str) -> bool:
    return 0 < len(name) <= 253 and all(_DNS_LABEL.fullmatch(p) for p in name.split("."))
