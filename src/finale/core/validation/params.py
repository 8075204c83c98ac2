"""Param declarations (`spec.params`): Tekton's type defaulting, then the declaration rules.

Admission runs the defaulting webhook first, so a missing `type` is inferred before it is
checked (pkg/apis/pipeline/v1/param_types.go `ParamSpec.SetDefaults`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from finale.core.validation.common import (
    Context,
    Errors,
    ParamVal,
    get_items,
    get_str,
    get_strs,
    go_list,
    join,
    key,
    param_value,
)
from finale.record import Record, set_field

TYPE_CHECKING = False  # typing costs start-up time; mypy reads the block below as true
if TYPE_CHECKING:
    from typing import Any

_STRING_ARRAY_NAME = re.compile(r"^[_a-zA-Z][_a-zA-Z0-9.-]*$")
_OBJECT_NAME = re.compile(r"^[_a-zA-Z][_a-zA-Z0-9-]*$")
PARAM_TYPES = ("string", "array", "object")


# Records, not dataclasses or NamedTuples: `finale validate` starts faster (finale/record.py).
class ParamSpec(Record):
    """A declared param after defaulting; `properties` maps key -> declared type."""

    __slots__ = ("default", "enum", "name", "properties", "type")
    name: str
    type: str
    default: ParamVal | None
    properties: Mapping[str, str] | None
    enum: tuple[str, ...]

    def __init__(
        self,
        name: str,
        type: str,
        default: ParamVal | None = None,
        properties: Mapping[str, str] | None = None,
        enum: tuple[str, ...] = (),
    ) -> None:
        set_field(self, "name", name)
        set_field(self, "type", type)
        set_field(self, "default", default)
        set_field(self, "properties", properties)
        set_field(self, "enum", enum)


class ParamNames(Record):
    """What references may name: all params, the array ones, and object keys."""

    __slots__ = ("all", "arrays", "object_keys")
    all: frozenset[str]
    arrays: frozenset[str]
    object_keys: Mapping[str, frozenset[str]]

    def __init__(
        self,
        all: frozenset[str] = frozenset(),
        arrays: frozenset[str] = frozenset(),
        object_keys: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        set_field(self, "all", all)
        set_field(self, "arrays", arrays)
        set_field(self, "object_keys", {} if object_keys is None else object_keys)


def _properties(errs: Errors, raw: Mapping[str, Any], path: str) -> dict[str, str] | None:
    value = raw.get("properties")
    if value is None:
        return None
    if not isinstance(value, Mapping):
        errs.add(
            join(path, "properties"),
            "expected an object, got " + type(value).__name__,
            "write properties as a mapping: KEY: {type: string}",
        )
        return {}
    out = {}
    for name, spec in value.items():
        kind = spec.get("type") if isinstance(spec, Mapping) else None
        out[str(name)] = kind if isinstance(kind, str) and kind else "string"
    return out


def _infer_type(declared: str, properties: object, default: ParamVal | None) -> str:
    if declared:
        return declared
    if properties is not None:
        return "object"
    return default.type if default is not None else "string"


def read_param_specs(errs: Errors, spec: Mapping[str, Any], path: str) -> list[ParamSpec]:
    """`spec.params` as defaulted ParamSpecs (bad entries are reported and skipped)."""
    out = []
    for i, raw in get_items(errs, spec, "params", path):
        here = f"{join(path, 'params')}[{i}]"
        default = param_value(raw["default"]) if raw.get("default") is not None else None
        properties = _properties(errs, raw, here)
        declared = get_str(errs, raw, "type", here)
        out.append(
            ParamSpec(
                name=get_str(errs, raw, "name", here),
                type=_infer_type(declared, properties, default),
                default=default,
                properties=properties,
                enum=tuple(get_strs(errs, raw, "enum", here)),
            )
        )
    return out


def names_of(specs: Sequence[ParamSpec]) -> ParamNames:
    return ParamNames(
        all=frozenset(p.name for p in specs),
        arrays=frozenset(p.name for p in specs if p.type == "array"),
        object_keys={p.name: frozenset(p.properties or ()) for p in specs if p.type == "object"},
    )


def check_types(errs: Errors, specs: Sequence[ParamSpec], path: str) -> None:
    """Tekton's `ValidateParameterTypes`: known type, default of the same type, string keys."""
    base = join(path, "params")
    for p in specs:
        if p.type not in PARAM_TYPES:
            errs.add(f"{base}.{p.name}.type", f"invalid value: {p.type}", "set type to string, array or object")
        elif p.default is not None and p.default.type != p.type:
            errs.add(
                f"{base}.{p.name}.type, {base}.{p.name}.default.type",
                f'"{p.type}" type does not match default value\'s type: "{p.default.type}"',
                f"give a default of type {p.type}, or change the type",
            )
        elif bad := [k for k, t in (p.properties or {}).items() if t != "string"]:
            errs.add(
                f"{base}.{p.name}.properties",
                f"The value type specified for these keys {go_list(bad)} is invalid",
                "object properties can only be of type string",
            )


def check_declarations(errs: Errors, ctx: Context, specs: Sequence[ParamSpec], path: str) -> None:
    """Duplicate names and enum rules (`ValidateNoDuplicateNames`, `validateParamEnums`)."""
    base = join(path, "params")
    seen: set[str] = set()
    for p in specs:
        if p.name in seen:
            errs.add(key(base, p.name), "parameter appears more than once", "remove or rename the second declaration")
        seen.add(p.name)
    for p in specs:
        _check_enum(errs, ctx, p, key(base, p.name))


def _check_enum(errs: Errors, ctx: Context, p: ParamSpec, path: str) -> None:
    if not p.enum:
        return
    if not ctx.has("enable-param-enum"):
        errs.add(
            path,
            "feature flag `enable-param-enum` should be set to true to use Enum",
            "pass --feature enable-param-enum, or remove enum",
        )
    if p.type != "string":
        errs.add(path, "enum can only be set with string type param", "remove enum or use type string")
    seen: set[str] = set()
    for value in p.enum:
        if value in seen:
            errs.add(path, f"parameter enum value {value} appears more than once", "list each enum value once")
        seen.add(value)
    if p.default is not None and p.default.string and p.default.string not in p.enum:
        errs.add(
            path,
            f"param default value {p.default.string} not in the enum list",
            "make the default one of the enum values",
        )


def check_name_format(errs: Errors, specs: Sequence[ParamSpec], path: str) -> None:
    """Task param names (`ValidateNameFormat`): dots allowed except for object params."""
    bad = sorted({p.name for p in specs if p.type != "object" and not _STRING_ARRAY_NAME.match(p.name)})
    if bad:
        errs.add(
            join(path, "params"),
            f"The format of following array and string variable names is invalid: {go_list(bad)}",
            "start with a letter or '_', then letters, digits, '_', '-' or '.'",
        )
    bad_objects = {
        p.name: sorted(k for k in (p.properties or {}) if not _OBJECT_NAME.match(k))
        for p in specs
        if p.type == "object"
    }
    bad_objects = {n: ks for n, ks in bad_objects.items() if ks or not _OBJECT_NAME.match(n)}
    if bad_objects:
        shown = " ".join(f"{n}:{go_list(ks)}" for n, ks in sorted(bad_objects.items()))
        errs.add(
            join(path, "params"),
            f"Object param name and key name format is invalid: map[{shown}]",
            "object names and keys: letters, digits, '_' and '-' only",
        )


def check_object_properties(errs: Errors, specs: Sequence[ParamSpec], path: str) -> None:
    for p in specs:
        if p.type == "object" and p.properties is None:
            errs.add(
                join(path, f"{p.name}.properties"),
                "missing field(s)",
                f"declare the keys of object param {p.name} under properties",
            )
