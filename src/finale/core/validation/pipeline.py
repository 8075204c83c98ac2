"""Pipeline spec rules (pkg/apis/pipeline/v1/pipeline_validation.go, `PipelineSpec.Validate`).

Used for a standalone Pipeline (with the declared-param and workspace usage checks) and for
the `pipelineSpec` embedded in a PipelineRun (whose param check is propagation-aware instead).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from finale.core.tekton.dag import graph_error, result_producers
from finale.core.validation import pipeline_refs as refs
from finale.core.validation import task as vt
from finale.core.validation import vars as vv
from finale.core.validation.common import (
    DNS_LABEL_HINT,
    Context,
    Errors,
    get_items,
    get_str,
    get_strs,
    go_quote,
    is_dns_label,
)
from finale.core.validation.params import (
    check_declarations,
    check_types,
    names_of,
    read_param_specs,
)
from finale.core.validation.pipeline_task import check_pipeline_task
from finale.core.validation.when import validate_when

TYPE_CHECKING = False  # typing costs start-up time; mypy reads the block below as true
if TYPE_CHECKING:
    from typing import Any

PTask = refs.PTask
_SPEC_FIELDS = ("description", "params", "tasks", "workspaces", "finally", "results", "displayName")
MAX_MATRIX_COMBINATIONS = 256  # config-defaults `default-max-matrix-combinations-count`


def read_tasks(errs: Errors, spec: Mapping[str, Any], path: str, section: str) -> list[PTask]:
    return [
        refs.make_ptask(f"{path}.{section}[{i}]", get_str(errs, raw, "name", f"{path}.{section}[{i}]"), raw)
        for i, raw in get_items(errs, spec, section, path)
    ]


def validate_pipeline_spec(errs: Errors, ctx: Context, spec: Mapping[str, Any], path: str, *, standalone: bool) -> None:
    """Every PipelineSpec rule; `standalone` adds the declared-param and workspace checks."""
    tasks = read_tasks(errs, spec, path, "tasks")
    finally_ = read_tasks(errs, spec, path, "finally")
    if not any(spec.get(name) for name in _SPEC_FIELDS):
        errs.add(
            ", ".join(f"{path}.{n}" for n in ("description", "params", "resources", "tasks", "workspaces")),
            "expected at least one, got none",
            "add at least one task under spec.tasks",
        )
    _check_names(errs, [*tasks, *finally_])
    for pt in [*tasks, *finally_]:
        check_pipeline_task(errs, ctx, pt)
    _check_graph(errs, tasks, path)
    params = read_param_specs(errs, spec, path)
    check_types(errs, params, path)
    check_declarations(errs, ctx, params, path)
    _check_task_param_duplicates(errs, [*tasks, *finally_])
    refs.check_context_variables(errs, tasks)
    refs.check_context_variables(errs, finally_)
    refs.check_status_variables(errs, tasks, finally_)
    declared_workspaces = _check_workspace_declarations(errs, spec, path)
    refs.check_pipeline_results(errs, spec, tasks, finally_, path)
    _check_finally(errs, tasks, finally_, path)
    for pt in [*tasks, *finally_]:
        validate_when(errs, ctx, pt.raw, pt.path)
    _check_matrix(errs, ctx, tasks)
    _check_matrix(errs, ctx, finally_)
    refs.check_prefixes(errs, tasks)
    refs.check_prefixes(errs, finally_)
    if standalone:
        refs.check_param_usage(errs, [*tasks, *finally_], names_of(params))
        _check_embedded_param_usage(errs, [*tasks, *finally_], params)
        _check_workspace_usage(errs, [*tasks, *finally_], declared_workspaces)


def _check_names(errs: Errors, tasks: Sequence[PTask]) -> None:
    seen: set[str] = set()
    for pt in tasks:
        if not is_dns_label(pt.name):
            errs.add(
                f"{pt.path}.name",
                f"invalid value {go_quote(pt.name)}",
                f"Pipeline Task name must be a valid DNS Label: {DNS_LABEL_HINT}",
            )
        if pt.name in seen:
            errs.add(
                f"{pt.path}.name",
                "expected exactly one, got both",
                f"rename one of the two tasks called {pt.name} (tasks and finally share names)",
            )
        seen.add(pt.name)


def task_deps(pt: PTask) -> set[str]:
    """Tekton's `PipelineTask.Deps`: runAfter plus producers of referenced results."""
    return set(get_strs(Errors(), pt.raw, "runAfter", pt.path)) | set(result_producers(pt.raw))


def _check_graph(errs: Errors, tasks: Sequence[PTask], path: str) -> None:
    deps = {pt.name: sorted(task_deps(pt)) for pt in tasks}
    message = graph_error([pt.name for pt in tasks], deps)
    if message is None:
        return
    names = ", ".join(sorted({pt.name for pt in tasks}))
    if message.startswith("cycle"):
        hint = "remove a runAfter or a result reference so that no task waits for itself"
    elif message.startswith("couldn't add link"):
        hint = f"runAfter and $(tasks.NAME.results...) must name one of: {names}"
    else:
        hint = "give every task its own name"
    errs.add(f"{path}.tasks", f"invalid value: {message}", hint)


def _check_task_param_duplicates(errs: Errors, tasks: Sequence[PTask]) -> None:
    for pt in tasks:
        seen: set[str] = set()
        for k, param in get_items(Errors(), pt.raw, "params", pt.path):
            name = str(param.get("name", ""))
            if name in seen:
                errs.add(
                    f"{pt.path}.params[{k}].name",
                    f'parameter names must be unique, the parameter "{name}" is also defined at',
                    "pass each param once",
                )
            seen.add(name)


def _check_workspace_declarations(errs: Errors, spec: Mapping[str, Any], path: str) -> set[str]:
    names: set[str] = set()
    for k, ws in get_items(errs, spec, "workspaces", path):
        name = get_str(errs, ws, "name", f"{path}.workspaces[{k}]")
        if not name:
            errs.add(
                f"{path}.workspaces[{k}]", f"invalid value: workspace {k} has empty name", "give the workspace a name"
            )
        if name in names:
            errs.add(
                f"{path}.workspaces[{k}]",
                f'invalid value: workspace with name "{name}" appears more than once',
                "declare each workspace once",
            )
        names.add(name)
    return names


def _check_workspace_usage(errs: Errors, tasks: Sequence[PTask], declared: set[str]) -> None:
    for pt in tasks:
        bound: set[str] = set()
        for k, ws in get_items(Errors(), pt.raw, "workspaces", pt.path):
            here = f"{pt.path}.workspaces[{k}]"
            name = get_str(errs, ws, "name", here)
            if name in bound:
                errs.add(here, f"workspace name {go_quote(name)} must be unique", "bind each Task workspace once")
            bound.add(name)
            wanted = get_str(errs, ws, "workspace", here) or name
            if wanted not in declared:
                errs.add(
                    here,
                    f"invalid value: pipeline task {go_quote(pt.name)} expects "
                    f"workspace with name {go_quote(wanted)} but none exists in pipeline spec",
                    f"declare {wanted} under spec.workspaces, or fix the name",
                )


def _check_embedded_param_usage(errs: Errors, tasks: Sequence[PTask], pipeline_params: Sequence[Any]) -> None:
    for pt in tasks:
        spec = pt.raw.get("taskSpec")
        if not isinstance(spec, Mapping):
            continue
        own = read_param_specs(Errors(), spec, "")
        steps = list(get_items(Errors(), spec, "steps", ""))
        vt.check_param_usage(errs, steps, [*own, *pipeline_params], f"{pt.path}.taskSpec")


def _check_finally(errs: Errors, tasks: Sequence[PTask], finally_: Sequence[PTask], path: str) -> None:
    if finally_ and not tasks:
        errs.add(
            f"{path}.finally",
            f"invalid value: spec.tasks is empty but spec.finally has {len(finally_)} tasks",
            "add at least one task under spec.tasks",
        )
    for pt in finally_:
        if pt.raw.get("runAfter"):
            errs.add(
                pt.path,
                f"invalid value: no runAfter allowed under spec.finally, final task {pt.name} has runAfter specified",
                "remove runAfter: finally tasks run in parallel once spec.tasks are done",
            )
    refs.check_finally_results(errs, tasks, finally_)


def _check_matrix(errs: Errors, ctx: Context, tasks: Sequence[PTask]) -> None:
    by_name = {pt.name: pt for pt in tasks}
    for pt in tasks:
        matrix = refs.matrix_of(pt)
        params = refs.params_of(matrix, f"{pt.path}.matrix")
        includes = list(get_items(Errors(), matrix, "include", pt.path))
        include_params = [p for k, inc in includes for p in refs.params_of(inc, f"{pt.path}.matrix.include[{k}]")]
        if refs.is_matrixed(pt):
            if ctx.api_fields == "stable":
                errs.add(
                    f"{pt.path}.matrix",
                    'matrix requires "enable-api-fields" feature gate to be "alpha" or "beta" but it is "stable"',
                    "remove matrix, or run with enable-api-fields beta",
                )
            _check_combinations(errs, pt, params, len(includes))
            _check_unique(errs, matrix.get("params"), f"{pt.path}.matrix.params")
            for k, inc in includes:
                _check_unique(errs, inc.get("params"), f"{pt.path}.matrix.include[{k}].params")
        in_matrix = {p.name for p in [*params, *include_params]}
        for p in pt.params:
            if p.name in in_matrix:
                errs.add(
                    f"{pt.path}.matrix[{p.name}], {pt.path}.params[{p.name}]",
                    "expected exactly one, got both",
                    "pass the param in matrix or in params, not both",
                )
        _check_matrix_consumers(errs, pt, by_name)


def _check_combinations(errs: Errors, pt: PTask, params: Sequence[refs.ParamEntry], includes: int) -> None:
    count = 1 if params else 0
    for p in params:
        count *= len(p.value.array)
    count = count or includes
    if count > MAX_MATRIX_COMBINATIONS:
        errs.add(
            f"{pt.path}.matrix",
            f"expected 0 <= {count} <= {MAX_MATRIX_COMBINATIONS}",
            "split the matrix: at most 256 combinations are allowed",
        )


def _check_unique(errs: Errors, raw: Any, path: str) -> None:
    seen: set[str] = set()
    for k, param in enumerate(raw if isinstance(raw, list) else []):
        name = str(param.get("name", "")) if isinstance(param, Mapping) else ""
        if name in seen:
            errs.add(
                f"{path}[{k}].name",
                f'parameter names must be unique, the parameter "{name}" is also defined at',
                "list each matrix param once",
            )
        seen.add(name)


def _check_matrix_consumers(errs: Errors, pt: PTask, by_name: Mapping[str, PTask]) -> None:
    for p in pt.params:
        for expr in p.expressions():
            producer = vv.result_ref_task(expr) if expr.startswith("tasks.") else None
            if (
                producer is not None
                and producer in by_name
                and refs.is_matrixed(by_name[producer])
                and not expr.endswith("[*]")
            ):
                errs.add(
                    f"{p.path}.value",
                    "A matrixed pipelineTask can only be consumed in "
                    f"aggregate using [*] notation, but is currently set to {expr}",
                    f"read the whole array: $({expr.split('[')[0]}[*])",
                )
