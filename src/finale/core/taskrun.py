"""From a resolved PipelineTask to the TaskRuns it creates: names, params, matrix, timeouts."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping
from typing import Any

from finale.core.durations import parse_duration
from finale.core.model import ParamValue, PipelineRun, PipelineTask
from finale.core.parse import DEFAULT_TIMEOUT, param_value
from finale.core.state import TaskRunState
from finale.core.variables import Replacements, apply_deep

MAX_NAME = 63


def child_name(parent: str, suffix: str) -> str:
    """knative's kmeta.ChildName: `<parent><suffix>`, hashed to fit 63 characters."""
    if len(parent) + len(suffix) <= MAX_NAME:
        return parent + suffix
    digest = hashlib.md5(parent.encode()).hexdigest()
    head = MAX_NAME - len(suffix) - len(digest)
    if head > 0:
        return parent[:head] + digest + suffix
    whole = hashlib.md5((parent + suffix).encode()).hexdigest()
    name = (parent[: MAX_NAME - len(whole)] + whole)[:MAX_NAME]
    return name.rstrip("-.") or whole


def taskrun_name(run: str, task: str, index: int | None = None) -> str:
    suffix = f"-{task}" if index is None else f"-{task}-{index}"
    return child_name(run, suffix)


def matrix_combinations(matrix: Mapping[str, Any] | None) -> list[dict[str, ParamValue]]:
    """Cartesian product of `matrix.params`, then `matrix.include` (spec §2.10)."""
    if not matrix:
        return []
    names: list[str] = []
    arrays: list[list[str]] = []
    for p in matrix.get("params") or ():
        value = param_value(p.get("value"))
        names.append(str(p.get("name")))
        arrays.append(value if isinstance(value, list) else [value])  # type: ignore[list-item]
    combos: list[dict[str, ParamValue]] = (
        [dict(zip(names, values, strict=True)) for values in itertools.product(*arrays)] if names else []
    )
    for include in matrix.get("include") or ():
        extra = {str(p.get("name")): param_value(p.get("value")) for p in include.get("params") or ()}
        _apply_include(combos, extra, set(names))
    return combos


def _apply_include(combos: list[dict[str, ParamValue]], extra: dict[str, ParamValue], matrix_names: set[str]) -> None:
    shared = {k: v for k, v in extra.items() if k in matrix_names}
    added = {k: v for k, v in extra.items() if k not in matrix_names}
    if not shared:
        if not combos:
            combos.append(dict(extra))
            return
        for combo in combos:
            for key, value in added.items():
                combo.setdefault(key, value)
        return
    matched = False
    for combo in combos:
        if all(combo.get(k) == v for k, v in shared.items()):
            combo.update(added)
            matched = True
    if not matched:
        combos.append(dict(extra))


def attempt_timeout(task: PipelineTask, run: PipelineRun) -> float | None:
    """Per-attempt TaskRun timeout, highest precedence first (spec §2.8); None = no limit."""
    for spec in run.task_run_specs:
        if spec.get("pipelineTaskName") == task.name and spec.get("timeout") is not None:
            return parse_duration(str(spec["timeout"])) or None
    if task.timeout is not None:
        return parse_duration(task.timeout) or None
    section = run.timeouts.finally_ if task.is_finally else run.timeouts.tasks
    set_explicitly = run.timeouts.finally_set if task.is_finally else run.timeouts.tasks_set
    if set_explicitly and section is None:
        return None
    if section is not None and section > DEFAULT_TIMEOUT:
        return section
    return DEFAULT_TIMEOUT


def build_taskruns(
    task: PipelineTask,
    task_spec: Mapping[str, Any],
    run: PipelineRun,
) -> list[TaskRunState]:
    """The TaskRuns a PipelineTask creates: one, or one per matrix combination."""
    retries_rep = Replacements(strings={"context.pipelineTask.retries": str(task.retries)})
    params = {k: _as_value(apply_deep(v, retries_rep)) for k, v in task.params.items()}
    combos = matrix_combinations(task.matrix)
    common = {
        "pipeline_task": task.name,
        "is_finally": task.is_finally,
        "task_spec": task_spec,
        "task_ref": task.task_ref,
        "timeout": attempt_timeout(task, run),
        "retries": task.retries,
        "on_error": task.on_error,
        "when": tuple(w.to_dict() for w in task.when),
        "workspaces": tuple({"name": w.name, "workspace": w.workspace, "subPath": w.sub_path} for w in task.workspaces),
    }
    if not task.matrix:
        return [TaskRunState(name=taskrun_name(run.name, task.name), params=params, **common)]  # type: ignore[arg-type]
    return [
        TaskRunState(
            name=taskrun_name(run.name, task.name, i),
            matrix_index=i,
            params={**params, **combo},
            **common,  # type: ignore[arg-type]
        )
        for i, combo in enumerate(combos)
    ]


def _as_value(value: Any) -> ParamValue:
    return param_value(value)
