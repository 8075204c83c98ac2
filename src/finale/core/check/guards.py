"""The free variables of `finale check`: what a `when` guard compares that the check cannot know.

A guard on a param the PipelineRun does not set, or on a task result, is a variable whose values
are the ones the guards compare it with plus "any other value"; a CEL guard is a free boolean.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from finale.core.check.model import CheckModel
from finale.core.tekton.model import WhenExpression

OTHER = "<any other value>"
MAX_VALUATIONS = 256  # guard combinations played; beyond, the notes say so
_PARAM = re.compile(r"\$\(params\.([^.)\[\]\s]+)")
_RESULT = re.compile(r"^\$\(tasks\.([^.\[\]()\s]+)\.results\.([^.\[\]()\s]+)\)$")

Valuation = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Guards:
    """Variables by key (a guard's input as written, or `cel:<task>:<n>`) and their values."""

    domains: Mapping[str, tuple[str, ...]]
    keys: Mapping[tuple[str, int], str]  # (task, index of its when) -> variable key
    results: Mapping[tuple[str, str], tuple[str, ...]]  # (producer, result) -> values to try

    def keys_of(self, tasks: frozenset[str]) -> frozenset[str]:
        return frozenset(k for (task, _), k in self.keys.items() if task in tasks)


def _param_key(model: CheckModel, declared: WhenExpression) -> str | None:
    names = _PARAM.findall(declared.input)
    if names and not all(n in model.fixed_params for n in names):
        return declared.input
    return None


def collect(model: CheckModel) -> Guards:
    values: dict[str, list[str]] = {}
    keys: dict[tuple[str, int], str] = {}
    results: dict[tuple[str, str], list[str]] = {}
    for task in model.spec.all_tasks():
        declared = model.declared_when.get(task.name, ())
        for i, expr in enumerate(task.when):
            if expr.cel:
                keys[task.name, i] = key = f"cel:{task.name}:{i}"
                values[key] = ["true", "false"]
                continue
            found = _RESULT.match(expr.input)
            if found:
                bucket = results.setdefault((found.group(1), found.group(2)), [])
                bucket.extend(v for v in expr.values if v not in bucket)
                continue
            key_or_none = _param_key(model, declared[i]) if i < len(declared) else None
            if key_or_none is not None:
                keys[task.name, i] = key_or_none
                bucket = values.setdefault(key_or_none, [])
                bucket.extend(v for v in expr.values if v not in bucket)
    domains = {k: (*v, OTHER) if not k.startswith("cel:") else tuple(v) for k, v in values.items()}
    return Guards(domains=domains, keys=keys, results={k: (*v, OTHER) for k, v in results.items()})


def valuations(guards: Guards, keys: frozenset[str]) -> Iterator[Valuation]:
    """Every combination of the given variables' values (the others keep their first value)."""
    chosen = sorted(keys)
    domains = [guards.domains[k] for k in chosen]
    for n, combo in enumerate(itertools.product(*domains)):
        if n >= MAX_VALUATIONS:
            return
        yield tuple(zip(chosen, combo, strict=True))


def count(guards: Guards, keys: frozenset[str]) -> int:
    total = 1
    for k in keys:
        total *= len(guards.domains[k])
    return total


def allows(expr: WhenExpression, value: str) -> bool:
    return (value in expr.values) == (expr.operator == "in")


def rewrite_when(task_raw: Mapping[str, Any], name: str, guards: Guards, valuation: Mapping[str, str]) -> Any:
    """The task's `when` with each variable's input replaced by its value in this valuation."""
    out = []
    for i, expr in enumerate(task_raw.get("when") or ()):
        key = guards.keys.get((name, i))
        if key is None or key not in valuation:
            out.append(expr)
        elif key.startswith("cel:"):
            out.append({"input": valuation[key], "operator": "in", "values": ["true"]})
        else:
            out.append({**expr, "input": valuation[key]})
    return out
