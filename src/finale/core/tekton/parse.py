"""Plain dicts -> model. v1beta1 objects are converted to the v1 shape on the way in."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping
from typing import Any

from finale.core.tekton.durations import parse_duration
from finale.core.tekton.model import (
    ParamSpec,
    ParamType,
    ParamValue,
    PipelineRun,
    PipelineSpec,
    PipelineTask,
    SpecStatus,
    Timeouts,
    WhenExpression,
    WorkspaceBinding,
    WorkspaceDeclaration,
)

TEKTON_API_VERSIONS = ("tekton.dev/v1", "tekton.dev/v1beta1")
DEFAULT_TIMEOUT = 3600.0  # Tekton's default-timeout-minutes: 60


def param_value(raw: Any) -> ParamValue:
    """A param value's type comes from its shape; scalars become their text (5 -> "5")."""
    if isinstance(raw, list):
        return [_scalar_text(v) for v in raw]
    if isinstance(raw, Mapping):
        return {str(k): _scalar_text(v) for k, v in raw.items()}
    return _scalar_text(raw)


def _scalar_text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, float) and raw.is_integer() and abs(raw) < 1e15:
        return str(raw)
    return str(raw)


def param_spec(raw: Mapping[str, Any]) -> ParamSpec:
    """Tekton defaulting of a ParamSpec: properties -> object; no default -> string."""
    declared = raw.get("type")
    default = raw.get("default")
    value = param_value(default) if default is not None else None
    ptype: ParamType
    if declared in ("string", "array", "object"):
        ptype = declared
    elif raw.get("properties"):
        ptype = "object"
    elif isinstance(value, list):
        ptype = "array"
    elif isinstance(value, dict):
        ptype = "object"
    else:
        ptype = "string"
    props = raw.get("properties") or {}
    return ParamSpec(
        name=str(raw.get("name", "")),
        type=ptype,
        default=value,
        properties=tuple(props) if isinstance(props, Mapping) else (),
        enum=tuple(str(v) for v in raw.get("enum") or ()),
    )


def _params(raw: Any) -> dict[str, ParamValue]:
    out: dict[str, ParamValue] = {}
    for p in raw or ():
        if isinstance(p, Mapping) and "name" in p:
            out[str(p["name"])] = param_value(p.get("value"))
    return out


def when_expression(raw: Mapping[str, Any]) -> WhenExpression:
    return WhenExpression(
        input=_scalar_text(raw.get("input", "")),
        operator=str(raw.get("operator", "")),
        values=tuple(_scalar_text(v) for v in raw.get("values") or ()),
        cel=str(raw.get("cel", "") or ""),
    )


def pipeline_task(raw: Mapping[str, Any], *, is_finally: bool) -> PipelineTask:
    ref = raw.get("taskRef") or {}
    retries = raw.get("retries", 0)
    return PipelineTask(
        name=str(raw.get("name", "")),
        is_finally=is_finally,
        task_ref=str(ref.get("name")) if isinstance(ref, Mapping) and ref.get("name") else None,
        task_spec=raw.get("taskSpec") if isinstance(raw.get("taskSpec"), Mapping) else None,
        params=_params(raw.get("params")),
        matrix=raw.get("matrix") if isinstance(raw.get("matrix"), Mapping) else None,
        workspaces=tuple(
            WorkspaceBinding(
                name=str(w.get("name", "")),
                workspace=str(w.get("workspace") or w.get("name", "")),
                sub_path=str(w.get("subPath", "") or ""),
            )
            for w in raw.get("workspaces") or ()
            if isinstance(w, Mapping)
        ),
        run_after=tuple(str(n) for n in raw.get("runAfter") or ()),
        when=tuple(when_expression(w) for w in raw.get("when") or () if isinstance(w, Mapping)),
        retries=int(retries) if str(retries).lstrip("-").isdigit() else 0,
        timeout=str(raw["timeout"]) if raw.get("timeout") is not None else None,
        on_error=str(raw.get("onError", "") or ""),
        raw=raw,
    )


def pipeline_spec(raw: Mapping[str, Any]) -> PipelineSpec:
    return PipelineSpec(
        params=tuple(param_spec(p) for p in raw.get("params") or () if isinstance(p, Mapping)),
        workspaces=tuple(
            WorkspaceDeclaration(name=str(w.get("name", "")), optional=bool(w.get("optional")))
            for w in raw.get("workspaces") or ()
            if isinstance(w, Mapping)
        ),
        tasks=tuple(pipeline_task(t, is_finally=False) for t in raw.get("tasks") or () if isinstance(t, Mapping)),
        finally_=tuple(pipeline_task(t, is_finally=True) for t in raw.get("finally") or () if isinstance(t, Mapping)),
        results=tuple(r for r in raw.get("results") or () if isinstance(r, Mapping)),
        raw=raw,
    )


def _duration(raw: Any) -> float | None:
    """Seconds, or None when the text is absent; `0` means 'no timeout' and stays 0.0."""
    if raw is None or raw == "":
        return None
    return parse_duration(str(raw))


def timeouts(spec: Mapping[str, Any], default: float = DEFAULT_TIMEOUT) -> Timeouts:
    """Effective pipeline/tasks/finally limits (spec §2.8); None means unlimited."""
    raw = spec.get("timeouts") or {}
    pipeline = _duration(raw.get("pipeline"))
    tasks = _duration(raw.get("tasks"))
    final = _duration(raw.get("finally"))
    if pipeline is None:
        pipeline = default
    eff_tasks, eff_finally = tasks, final
    if eff_tasks is None and final is not None and pipeline and final:
        eff_tasks = pipeline - final
    if eff_finally is None and tasks is not None and pipeline and tasks:
        eff_finally = pipeline - tasks
    return Timeouts(
        pipeline=pipeline or None,
        tasks=eff_tasks or None,
        finally_=eff_finally or None,
        tasks_set=tasks is not None,
        finally_set=final is not None,
    )


def run_name(meta: Mapping[str, Any], seed: str) -> str:
    """metadata.name, else generateName plus a stable 5-character suffix."""
    if meta.get("name"):
        return str(meta["name"])
    prefix = str(meta.get("generateName") or "run-")
    digest = hashlib.sha1(seed.encode()).hexdigest()
    return prefix + "".join("bcdfghjklmnpqrstvwxz2456789"[int(c, 16)] for c in digest[:5])


def pipeline_run(doc: Mapping[str, Any], *, seed: str = "") -> PipelineRun:
    meta = doc.get("metadata") or {}
    spec = doc.get("spec") or {}
    name = run_name(meta, seed or repr(sorted(meta.items())))
    ref = spec.get("pipelineRef") or {}
    status = str(spec.get("status", "") or "")
    return PipelineRun(
        name=name,
        namespace=str(meta.get("namespace") or "default"),
        uid=str(meta.get("uid") or _uid(name)),
        pipeline_ref=str(ref.get("name")) if isinstance(ref, Mapping) and ref.get("name") else None,
        pipeline_name=str(ref.get("name")) if isinstance(ref, Mapping) and ref.get("name") else name,
        pipeline_spec=spec.get("pipelineSpec") if isinstance(spec.get("pipelineSpec"), Mapping) else None,
        params=_params(spec.get("params")),
        workspaces=tuple(w for w in spec.get("workspaces") or () if isinstance(w, Mapping)),
        timeouts=timeouts(spec),
        status=SpecStatus(status) if status in SpecStatus._value2member_map_ else SpecStatus.NONE,
        task_run_specs=tuple(t for t in spec.get("taskRunSpecs") or () if isinstance(t, Mapping)),
        labels={str(k): str(v) for k, v in (meta.get("labels") or {}).items()},
        annotations={str(k): str(v) for k, v in (meta.get("annotations") or {}).items()},
        raw=doc,
    )


def _uid(name: str) -> str:
    h = hashlib.md5(name.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


# --- v1beta1 -> v1 -----------------------------------------------------------------------------


def to_v1(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Convert a v1beta1 Pipeline/Task/PipelineRun/TaskRun to the v1 shape (spec §1.9)."""
    out = copy.deepcopy(dict(doc))
    if out.get("apiVersion") != "tekton.dev/v1beta1":
        return out
    out["apiVersion"] = "tekton.dev/v1"
    spec = out.get("spec")
    if not isinstance(spec, dict):
        return out
    kind = out.get("kind")
    if kind == "Pipeline":
        _pipeline_spec_to_v1(spec)
    elif kind == "Task":
        _task_spec_to_v1(spec)
    elif kind == "PipelineRun":
        _pipelinerun_spec_to_v1(spec)
    elif kind == "TaskRun":
        if isinstance(spec.get("taskSpec"), dict):
            _task_spec_to_v1(spec["taskSpec"])
        _move_timeout(spec, single=True)
    return out


def _task_spec_to_v1(spec: dict[str, Any]) -> None:
    for key in ("steps", "sidecars"):
        for step in spec.get(key) or ():
            if isinstance(step, dict) and "resources" in step:
                step["computeResources"] = step.pop("resources")
    template = spec.get("stepTemplate")
    if isinstance(template, dict) and "resources" in template:
        template["computeResources"] = template.pop("resources")
    spec.pop("resources", None)


def _pipeline_spec_to_v1(spec: dict[str, Any]) -> None:
    spec.pop("resources", None)
    for section in ("tasks", "finally"):
        for task in spec.get(section) or ():
            if not isinstance(task, dict):
                continue
            task.pop("resources", None)
            if isinstance(task.get("taskSpec"), dict):
                _task_spec_to_v1(task["taskSpec"])
            ref = task.get("taskRef")
            if isinstance(ref, dict) and ref.get("bundle"):
                ref.setdefault("resolver", "bundles")


def _pipelinerun_spec_to_v1(spec: dict[str, Any]) -> None:
    if isinstance(spec.get("pipelineSpec"), dict):
        _pipeline_spec_to_v1(spec["pipelineSpec"])
    _move_timeout(spec, single=False)
    template: dict[str, Any] = {}
    if "serviceAccountName" in spec:
        template["serviceAccountName"] = spec.pop("serviceAccountName")
    if "podTemplate" in spec:
        template["podTemplate"] = spec.pop("podTemplate")
    if template:
        spec["taskRunTemplate"] = template
    for old in spec.pop("taskRunSpecs", None) or ():
        if isinstance(old, dict):
            new = dict(old)
            for a, b in (
                ("taskServiceAccountName", "serviceAccountName"),
                ("taskPodTemplate", "podTemplate"),
                ("stepOverrides", "stepSpecs"),
                ("sidecarOverrides", "sidecarSpecs"),
            ):
                if a in new:
                    new[b] = new.pop(a)
            spec.setdefault("taskRunSpecs", []).append(new)
    spec.pop("resources", None)


def _move_timeout(spec: dict[str, Any], *, single: bool) -> None:
    if "timeout" in spec and not single:
        value = spec.pop("timeout")
        if "timeouts" not in spec:
            spec["timeouts"] = {"pipeline": value}
