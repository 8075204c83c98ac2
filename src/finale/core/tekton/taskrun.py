"""From a resolved PipelineTask to the TaskRuns it creates: names, params, matrix, timeouts."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from finale.core.tekton.durations import parse_duration
from finale.core.tekton.model import ParamValue, PipelineRun, PipelineTask, WorkspaceBinding
from finale.core.tekton.parse import DEFAULT_TIMEOUT, param_value
from finale.core.tekton.state import TaskRunState
from finale.core.tekton.variables import Replacements, apply_deep, strings_in

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
    """Tekton's `Matrix.FanOut` (apis/pipeline/v1/matrix_types.go), order included.

    Each new param's values form the outer loop, so the first param varies fastest; then every
    `include` overwrites the combinations it fits and is added only when it fits none.
    """
    if not matrix:
        return []
    includes = [
        {str(p.get("name")): param_value(p.get("value")) for p in inc.get("params") or ()}
        for inc in matrix.get("include") or ()
    ]
    if not matrix.get("params"):
        return includes
    combos: list[dict[str, ParamValue]] = []
    for p in matrix.get("params") or ():
        value = param_value(p.get("value"))
        values = value if isinstance(value, list) else [value]
        combos = _fan_out(combos, str(p.get("name")), values)
    for combo in combos:
        for inc in includes:
            if _fits(combo, inc):
                combo.update(inc)
    for inc in includes:
        if _is_new(combos, inc):
            combos.append(dict(inc))
    return combos


def count_combinations(matrix: Mapping[str, Any] | None) -> int:
    """`Matrix.CountCombinations`, quirks included: string-valued params count as one."""
    if not matrix:
        return 0
    params = [p for p in matrix.get("params") or () if isinstance(p, Mapping)]
    includes = [i for i in matrix.get("include") or () if isinstance(i, Mapping)]
    if not params:
        return len(includes)
    count = 1
    for p in params:
        value = p.get("value")
        if isinstance(value, list) and value:
            count *= len(value)
    arrays = {str(p.get("name")): p.get("value") for p in params}
    for inc in includes:
        for ip in inc.get("params") or ():
            values = arrays.get(str(ip.get("name")))
            if values is None:
                continue
            if not isinstance(values, list) or ip.get("value") not in values:
                count += 1  # countNewCombinationsFromInclude counts each unmatched name
            else:
                break
    return count


def _fan_out(combos: list[dict[str, ParamValue]], name: str, values: list[Any]) -> list[dict[str, ParamValue]]:
    """`fanOutMatrixParams`: the first param starts the list (even after an empty one)."""
    if not combos:
        return [{name: v} for v in values]
    return [{**c, name: v} for v in values for c in combos]


def _fits(combo: Mapping[str, ParamValue], include: Mapping[str, ParamValue]) -> bool:
    """`Combination.contains`: every include key the combination has holds the same value."""
    return all(combo[k] == v for k, v in include.items() if k in combo)


def _is_new(combos: list[dict[str, ParamValue]], include: Mapping[str, ParamValue]) -> bool:
    """`shouldAddNewCombination`: no combination shares even one (name, value) pair with it."""
    if not include:
        return False
    return not any(combo.get(k) == v for combo in combos for k, v in include.items() if k in combo)


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


_WORKSPACE_USE = re.compile(r"\$\(workspaces\.([^.()\s]+)\.")


def propagate_workspaces(
    task: PipelineTask, task_spec: Mapping[str, Any], available: set[str]
) -> tuple[Mapping[str, Any], tuple[WorkspaceBinding, ...]]:
    """An embedded taskSpec may use a Pipeline workspace it never declares (propagateWorkspaces).

    Tekton finds `$(workspaces.<w>...)` in steps, sidecars and stepTemplate (workspace/apply.go,
    FindWorkspacesUsedByTask), binds each to the Pipeline workspace of that name and declares it
    on the Task. Returns the taskSpec and the extra bindings.
    """
    where = {k: task_spec.get(k) for k in ("steps", "sidecars", "stepTemplate")}
    used = list(dict.fromkeys(m.group(1) for t in strings_in(where) for m in _WORKSPACE_USE.finditer(t)))
    declared = {str(w.get("name")) for w in task_spec.get("workspaces") or () if isinstance(w, Mapping)}
    extra = [n for n in used if n not in declared and n in available]
    if not extra:
        return task_spec, ()
    spec = {**task_spec, "workspaces": [*(task_spec.get("workspaces") or ()), *({"name": n} for n in extra)]}
    bound = {w.name for w in task.workspaces}
    bindings = tuple(WorkspaceBinding(name=n, workspace=n) for n in extra if n not in bound)
    return spec, bindings


def build_taskruns(
    task: PipelineTask,
    task_spec: Mapping[str, Any],
    run: PipelineRun,
    extra_bindings: tuple[WorkspaceBinding, ...] = (),
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
        "when": task.when,
        "workspaces": (*task.workspaces, *extra_bindings),
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
