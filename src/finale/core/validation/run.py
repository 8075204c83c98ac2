"""PipelineRun and TaskRun rules (pipelinerun_validation.go, taskrun_validation.go, v1beta1).

Timeouts are compared as Go does, after defaulting has filled `timeouts.pipeline` (60 minutes)
when it is absent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from finale.core.tekton.durations import format_duration_ns, parse_duration_ns
from finale.core.validation import pipeline_refs as refs
from finale.core.validation import task as vt
from finale.core.validation import vars as vv
from finale.core.validation.common import (
    Context,
    Errors,
    get_items,
    get_map,
    get_str,
    param_value,
    wrong_type,
)
from finale.core.validation.params import ParamSpec, names_of, read_param_specs
from finale.core.validation.pipeline import read_tasks, validate_pipeline_spec
from finale.core.validation.pipeline_task import check_ref

TYPE_CHECKING = False  # typing costs start-up time; mypy reads the block below as true
if TYPE_CHECKING:
    from typing import Any

DEFAULT_TIMEOUT_NS = 60 * 60 * 10**9  # config-defaults `default-timeout-minutes: 60`
PR_STATUSES = ("Cancelled", "CancelledRunFinally", "StoppedRunFinally", "PipelineRunPending")
DURATION_HINT = "write a Go duration such as 1h, 30m or 1h30m0s"


def _one_of(errs: Errors, spec: Mapping[str, Any], names: tuple[str, str], hint: str) -> None:
    present = [n for n in names if spec.get(n) is not None]
    if not present:
        errs.add(", ".join(f"spec.{n}" for n in names), "expected exactly one, got neither", hint)
    elif len(present) == 2:
        errs.add(", ".join(f"spec.{n}" for n in names), "expected exactly one, got both", hint)


def _has_started(doc: Mapping[str, Any]) -> bool:
    status = doc.get("status")
    return isinstance(status, Mapping) and bool(status.get("startTime"))


def validate_pipeline_run(errs: Errors, ctx: Context, doc: Mapping[str, Any], version: str) -> None:
    spec = get_map(errs, doc, "spec", "")
    status = get_str(errs, spec, "status", "spec")
    if status == "PipelineRunPending" and _has_started(doc):
        errs.add(
            "spec.status",
            "invalid value: PipelineRun cannot be Pending after it is started",
            "remove spec.status: PipelineRunPending from a started run",
        )
    _one_of(
        errs,
        spec,
        ("pipelineRef", "pipelineSpec"),
        "set pipelineRef: {name: PIPELINE} or an inline pipelineSpec, not both",
    )
    if spec.get("pipelineRef") is not None:
        check_ref(errs, ctx, get_map(errs, spec, "pipelineRef", "spec"), "spec.pipelineRef")
    pipeline_spec = get_map(errs, spec, "pipelineSpec", "spec")
    if spec.get("pipelineSpec") is not None:
        validate_pipeline_spec(errs, ctx, pipeline_spec, "spec.pipelineSpec", standalone=False)
    _check_run_params(errs, spec)
    if pipeline_spec:
        _check_inline_params(errs, spec, pipeline_spec)
    timeouts = _check_timeouts(errs, spec, version)
    _check_task_run_specs(errs, spec, timeouts)
    if status and status not in PR_STATUSES:
        errs.add(
            "spec.status",
            f"invalid value: {status} should be Cancelled, "
            "CancelledRunFinally, StoppedRunFinally or PipelineRunPending",
            "use one of Cancelled, CancelledRunFinally, StoppedRunFinally, PipelineRunPending, or remove it",
        )
    _check_bindings(errs, spec)


def _check_run_params(errs: Errors, spec: Mapping[str, Any]) -> None:
    """R3 (names unique ignoring case) and R4 (no result references)."""
    seen: set[str] = set()
    for _, param in get_items(errs, spec, "params", "spec"):
        name = str(param.get("name", ""))
        _check_unique_name(errs, seen, name)
        value = param_value(param.get("value"))
        exprs = [e for t in value.texts() for e in vv.expressions(t)]
        results = [e for e in exprs if vv.result_ref_task(e) is not None]
        if results:
            errs.add(
                f"spec.params[{name}].value",
                f"invalid value: cannot use result expressions "
                f"in [{' '.join(results)}] as PipelineRun parameter values",
                "results exist only inside the Pipeline: pass a plain value",
            )


def _check_unique_name(errs: Errors, seen: set[str], name: str) -> None:
    """R3: a run passes each param once, names compared ignoring case."""
    if name.lower() in seen:
        errs.add(
            f"spec.params[{name}].name",
            "expected exactly one, got both",
            "pass each param once (names are compared ignoring case)",
        )
    seen.add(name.lower())


def _specs_from_values(params: Sequence[Mapping[str, Any]]) -> list[ParamSpec]:
    out = []
    for param in params:
        value = param_value(param.get("value"))
        props = {k: "string" for k in value.obj} if value.type == "object" else None
        out.append(ParamSpec(name=str(param.get("name", "")), type=value.type, properties=props))
    return out


def _merge(specs: Sequence[ParamSpec]) -> list[ParamSpec]:
    """One spec per name; object keys are the union of every source (Tekton's combine)."""
    merged: dict[str, ParamSpec] = {}
    for p in specs:
        old = merged.get(p.name)
        if old is not None and old.properties is not None and p.properties is not None:
            p = ParamSpec(name=p.name, type=p.type, properties={**old.properties, **p.properties})
        merged[p.name] = p
    return list(merged.values())


def _check_inline_params(errs: Errors, spec: Mapping[str, Any], pipeline: Mapping[str, Any]) -> None:
    """R5: with an embedded spec, a param may come from the run, the Pipeline or the Task."""
    sources = _specs_from_values([p for _, p in get_items(Errors(), spec, "params", "")])
    sources += read_param_specs(Errors(), pipeline, "")
    tasks = read_tasks(Errors(), pipeline, "spec.pipelineSpec", "tasks")
    for pt in tasks:
        sources += _specs_from_values([p for _, p in get_items(Errors(), pt.raw, "params", "")])
        task_spec = pt.raw.get("taskSpec")
        if isinstance(task_spec, Mapping):
            sources += read_param_specs(Errors(), task_spec, "")
    known = _merge(sources)
    for pt in tasks:
        task_spec = pt.raw.get("taskSpec")
        if isinstance(task_spec, Mapping):
            steps = list(get_items(Errors(), task_spec, "steps", ""))
            vt.check_param_usage(errs, steps, known, f"{pt.path}.taskSpec")
    refs.check_param_usage(errs, tasks, names_of(known))


def _duration(errs: Errors, value: Any, path: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, str):
        wrong_type(errs, path, "a duration string", value)
        return None
    try:
        return parse_duration_ns(value)
    except ValueError as exc:
        errs.add(path, str(exc), DURATION_HINT)
        return None


def _check_timeouts(errs: Errors, spec: Mapping[str, Any], version: str) -> dict[str, int]:
    """R6, R7 and (v1beta1) R13; returns the parsed timeouts for R8."""
    raw = get_map(errs, spec, "timeouts", "spec")
    found: dict[str, int] = {}
    for name in ("tasks", "finally", "pipeline"):
        ns = _duration(errs, raw.get(name), f"spec.timeouts.{name}")
        if ns is not None:
            found[name] = ns
            if ns < 0:
                errs.add(
                    f"spec.timeouts.{name}",
                    f"invalid value: {format_duration_ns(ns)} should be >= 0",
                    "use 0 (no timeout) or a positive duration",
                )
    if version == "v1beta1" and spec.get("timeout") is not None:
        if spec.get("timeouts") is not None:
            errs.add(
                "spec.timeout, spec.timeouts",
                "must not set the field(s)",
                "drop the deprecated spec.timeout and keep spec.timeouts",
            )
        legacy = _duration(errs, spec.get("timeout"), "spec.timeout")
        if legacy is not None and legacy < 0:
            errs.add(
                "spec.timeout",
                f"invalid value: {format_duration_ns(legacy)} should be >= 0",
                "use 0 (no timeout) or a positive duration",
            )
        if legacy is not None and "pipeline" not in found:
            found["pipeline"] = legacy
    if spec.get("timeouts") is not None:
        _check_timeout_sum(errs, found, found.get("pipeline", DEFAULT_TIMEOUT_NS))
    return found


def _check_timeout_sum(errs: Errors, found: Mapping[str, int], pipeline: int) -> None:
    hint = "keep timeouts.tasks and timeouts.finally within timeouts.pipeline"
    for name in ("tasks", "finally"):
        ns = found.get(name)
        if ns is None:
            continue
        text = format_duration_ns(ns)
        if ns == 0 and pipeline != 0:
            errs.add(
                f"spec.timeouts.{name}",
                f"invalid value: {text} (no timeout) should be <= pipeline duration",
                "set timeouts.pipeline to 0 too, or give a duration",
            )
        elif ns > pipeline and pipeline != 0:
            errs.add(f"spec.timeouts.{name}", f"invalid value: {text} should be <= pipeline duration", hint)
    tasks, finally_ = found.get("tasks"), found.get("finally")
    if tasks is not None and finally_ is not None and tasks + finally_ > pipeline:
        message = (
            f"invalid value: {format_duration_ns(tasks)} + {format_duration_ns(finally_)} "
            "should be <= pipeline duration"
        )
        errs.add("spec.timeouts.tasks", message, hint)
        errs.add("spec.timeouts.finally", message, hint)


def _check_task_run_specs(errs: Errors, spec: Mapping[str, Any], timeouts: Mapping[str, int]) -> None:
    """R8: a per-task timeout must fit in the tasks (else pipeline) timeout."""
    if "tasks" in timeouts:
        limit, source = timeouts["tasks"], "pipeline tasks duration"
    else:
        limit, source = timeouts.get("pipeline", DEFAULT_TIMEOUT_NS), "pipeline duration"
    for k, trs in get_items(errs, spec, "taskRunSpecs", "spec"):
        path = f"spec.taskRunSpecs[{k}].timeout"
        ns = _duration(errs, trs.get("timeout"), path)
        if ns is None:
            continue
        if ns < 0:
            errs.add(path, f"invalid value: {format_duration_ns(ns)} should be >= 0", "use a positive duration")
        elif limit > 0 and ns > limit:
            errs.add(
                path,
                f"invalid value: {format_duration_ns(ns)} should be <= {source} {format_duration_ns(limit)}",
                "shorten the task timeout or raise the PipelineRun's timeouts",
            )


def _check_bindings(errs: Errors, spec: Mapping[str, Any]) -> None:
    """R12: each workspace bound once."""
    first: dict[str, int] = {}
    for k, ws in get_items(errs, spec, "workspaces", "spec"):
        name = get_str(errs, ws, "name", f"spec.workspaces[{k}]")
        if name in first:
            errs.add(
                f"spec.workspaces[{k}].name",
                f'workspace "{name}" provided by pipelinerun more than once, at index {first[name]} and {k}',
                "bind each workspace once",
            )
        else:
            first[name] = k


def validate_task_run(errs: Errors, ctx: Context, doc: Mapping[str, Any]) -> None:
    spec = get_map(errs, doc, "spec", "")
    status = get_str(errs, spec, "status", "spec")
    if status == "TaskRunPending" and _has_started(doc):
        errs.add(
            "spec.status",
            "invalid value: TaskRun cannot be Pending after it is started",
            "remove spec.status: TaskRunPending from a started run",
        )
    _one_of(errs, spec, ("taskRef", "taskSpec"), "set taskRef: {name: TASK} or an inline taskSpec")
    if spec.get("taskRef") is not None:
        check_ref(errs, ctx, get_map(errs, spec, "taskRef", "spec"), "spec.taskRef")
    task_spec = get_map(errs, spec, "taskSpec", "spec")
    if spec.get("taskSpec") is not None:
        vt.validate_task_spec(errs, ctx, task_spec, "spec.taskSpec")
        run_params = [p for _, p in get_items(Errors(), spec, "params", "")]
        known = _merge([*_specs_from_values(run_params), *read_param_specs(Errors(), task_spec, "")])
        vt.check_param_usage(errs, list(get_items(Errors(), task_spec, "steps", "")), known, "spec.taskSpec")
    seen: set[str] = set()
    for _, param in get_items(errs, spec, "params", "spec"):
        name = str(param.get("name", ""))
        _check_unique_name(errs, seen, name)
    _check_task_run_fields(errs, spec, status)


def _check_task_run_fields(errs: Errors, spec: Mapping[str, Any], status: str) -> None:
    if status and status not in ("TaskRunCancelled", "TaskRunPending"):
        errs.add(
            "spec.status",
            f"invalid value: {status} should be TaskRunCancelled or TaskRunPending",
            "use TaskRunCancelled or TaskRunPending, or remove it",
        )
    message = get_str(errs, spec, "statusMessage", "spec")
    if not status and message:
        errs.add(
            "spec.statusMessage",
            "invalid value: statusMessage should not be set if status "
            f"is not set, but it is currently set to {message}",
            "remove statusMessage",
        )
    retries = spec.get("retries")
    if isinstance(retries, int) and not isinstance(retries, bool) and retries < 0:
        errs.add("spec.retries", f"invalid value: {retries} should be >= 0", "use 0 or more")
    timeout = _duration(errs, spec.get("timeout"), "spec.timeout")
    if timeout is not None and timeout < 0:
        errs.add(
            "spec.timeout",
            f"invalid value: {format_duration_ns(timeout)} should be >= 0",
            "use 0 (no timeout) or a positive duration",
        )
