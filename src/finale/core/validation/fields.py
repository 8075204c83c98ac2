"""Unknown fields: the API server's strict decoding against Tekton's CRD schemas.

`kubectl apply` asks for strict field validation by default (Kubernetes 1.27+), so a typo such
as `runafter:` is refused instead of silently ignored. Field lists are the JSON names of the
Go types in pkg/apis/pipeline/v1 and v1beta1.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from finale.core.validation.common import Errors

TYPE_CHECKING = False  # typing costs start-up time; mypy reads the block below as true
if TYPE_CHECKING:
    from typing import Any

ROOT = ("apiVersion", "kind", "metadata", "spec", "status")
PIPELINE_SPEC = ("displayName", "description", "tasks", "params", "workspaces", "results", "finally")
PIPELINE_TASK = (
    "name",
    "displayName",
    "description",
    "taskRef",
    "taskSpec",
    "when",
    "retries",
    "runAfter",
    "params",
    "matrix",
    "workspaces",
    "timeout",
    "pipelineRef",
    "pipelineSpec",
    "onError",
)
WHEN = ("input", "operator", "values", "cel")
TIMEOUTS = ("pipeline", "tasks", "finally")
PIPELINE_RUN_SPEC = (
    "pipelineRef",
    "pipelineSpec",
    "params",
    "status",
    "timeouts",
    "taskRunTemplate",
    "workspaces",
    "taskRunSpecs",
    "managedBy",
)
PIPELINE_RUN_SPEC_V1BETA1 = (
    "pipelineRef",
    "pipelineSpec",
    "resources",
    "params",
    "serviceAccountName",
    "status",
    "timeouts",
    "timeout",
    "podTemplate",
    "workspaces",
    "taskRunSpecs",
    "managedBy",
)
TASK_SPEC = (
    "params",
    "displayName",
    "description",
    "steps",
    "volumes",
    "stepTemplate",
    "sidecars",
    "workspaces",
    "results",
)
EMBEDDED_TASK = ("apiVersion", "kind", "spec", "metadata")  # plus TASK_SPEC, inlined
STEP = (
    "name",
    "displayName",
    "image",
    "command",
    "args",
    "workingDir",
    "envFrom",
    "env",
    "computeResources",
    "volumeMounts",
    "volumeDevices",
    "imagePullPolicy",
    "securityContext",
    "script",
    "timeout",
    "workspaces",
    "onError",
    "stdoutConfig",
    "stderrConfig",
    "ref",
    "params",
    "results",
    "when",
)
STEP_V1BETA1 = (
    *STEP,
    "ports",
    "resources",
    "livenessProbe",
    "readinessProbe",
    "startupProbe",
    "lifecycle",
    "terminationMessagePath",
    "terminationMessagePolicy",
    "stdin",
    "stdinOnce",
    "tty",
)
TASK_RUN_SPEC = (
    "debug",
    "params",
    "serviceAccountName",
    "taskRef",
    "taskSpec",
    "status",
    "statusMessage",
    "retries",
    "timeout",
    "podTemplate",
    "workspaces",
    "stepSpecs",
    "sidecarSpecs",
    "computeResources",
    "managedBy",
)
TASK_RUN_SPEC_V1BETA1 = (*TASK_RUN_SPEC, "resources", "stepOverrides", "sidecarOverrides")
PARAM_SPEC = ("name", "type", "description", "properties", "default", "enum")
PARAM = ("name", "value")
TASK_WORKSPACE_BINDING = ("name", "workspace", "subPath")
# v1beta1 still carries the PipelineResources fields in its types.
V1BETA1_EXTRA = ("resources",)


# v1beta1 fields that moved in v1 (pkg/apis/pipeline/v1beta1/*_conversion.go).
MOVED_IN_V1 = {
    "podTemplate": "in tekton.dev/v1 this is spec.taskRunTemplate.podTemplate",
    "serviceAccountName": "in tekton.dev/v1 this is spec.taskRunTemplate.serviceAccountName",
    "timeout": "in tekton.dev/v1 this is spec.timeouts.pipeline",
    "resources": "PipelineResources are gone; steps use computeResources in tekton.dev/v1",
    "stepOverrides": "in tekton.dev/v1 this is stepSpecs",
    "sidecarOverrides": "in tekton.dev/v1 this is sidecarSpecs",
}


def _hint(name: str, allowed: tuple[str, ...]) -> str:
    if name in MOVED_IN_V1:
        return MOVED_IN_V1[name]
    import difflib  # only for a "did you mean" hint: valid documents never pay for it

    close = difflib.get_close_matches(name, allowed, n=1)
    if close:
        return f"did you mean {close[0]}?"
    moved = difflib.get_close_matches(name, list(MOVED_IN_V1), n=1)
    if moved:
        return MOVED_IN_V1[moved[0]]
    return f"remove {name}; allowed here: " + ", ".join(sorted(allowed))


def check_fields(errs: Errors, obj: Mapping[str, Any], allowed: Iterable[str], path: str) -> None:
    allowed = tuple(allowed)
    for name in obj:
        if name in allowed:
            continue
        here = f"{path}.{name}" if path else str(name)
        errs.add(here, f'strict decoding error: unknown field "{here}"', _hint(str(name), allowed))


def check_pipeline_fields(errs: Errors, spec: Mapping[str, Any], path: str, version: str) -> None:
    extra = V1BETA1_EXTRA if version == "v1beta1" else ()
    check_fields(errs, spec, PIPELINE_SPEC + extra, path)
    _check_list(errs, spec, "params", PARAM_SPEC, path)
    for section in ("tasks", "finally"):
        entries = spec.get(section)
        for i, pt in enumerate(entries if isinstance(entries, list) else []):
            if not isinstance(pt, Mapping):
                continue
            here = f"{path}.{section}[{i}]"
            check_fields(errs, pt, PIPELINE_TASK + extra, here)
            _check_list(errs, pt, "params", PARAM, here)
            _check_list(errs, pt, "workspaces", TASK_WORKSPACE_BINDING, here)
            task_spec = pt.get("taskSpec")
            if isinstance(task_spec, Mapping) and not task_spec.get("apiVersion"):
                check_task_fields(errs, task_spec, version, f"{here}.taskSpec", embedded=True)
            when = pt.get("when")
            for j, item in enumerate(when if isinstance(when, list) else []):
                if isinstance(item, Mapping):
                    check_fields(errs, item, WHEN, f"{path}.{section}[{i}].when[{j}]")


def check_run_fields(errs: Errors, spec: Mapping[str, Any], version: str) -> None:
    allowed = PIPELINE_RUN_SPEC_V1BETA1 if version == "v1beta1" else PIPELINE_RUN_SPEC
    check_fields(errs, spec, allowed, "spec")
    _check_list(errs, spec, "params", PARAM, "spec")
    timeouts = spec.get("timeouts")
    if isinstance(timeouts, Mapping):
        check_fields(errs, timeouts, TIMEOUTS, "spec.timeouts")
    pipeline_spec = spec.get("pipelineSpec")
    if isinstance(pipeline_spec, Mapping):
        check_pipeline_fields(errs, pipeline_spec, "spec.pipelineSpec", version)


def check_task_fields(
    errs: Errors,
    spec: Mapping[str, Any],
    version: str,
    path: str = "spec",
    *,
    embedded: bool = False,
) -> None:
    """A Task spec, its params and steps (an embedded one may also carry metadata and kind)."""
    extra = V1BETA1_EXTRA if version == "v1beta1" else ()
    check_fields(errs, spec, TASK_SPEC + extra + (EMBEDDED_TASK if embedded else ()), path)
    _check_list(errs, spec, "params", PARAM_SPEC, path)
    _check_list(errs, spec, "steps", STEP_V1BETA1 if version == "v1beta1" else STEP, path)


def check_task_run_fields(errs: Errors, spec: Mapping[str, Any], version: str) -> None:
    check_fields(errs, spec, TASK_RUN_SPEC_V1BETA1 if version == "v1beta1" else TASK_RUN_SPEC, "spec")
    _check_list(errs, spec, "params", PARAM, "spec")
    task_spec = spec.get("taskSpec")
    if isinstance(task_spec, Mapping):
        check_task_fields(errs, task_spec, version, "spec.taskSpec")


def _check_list(errs: Errors, owner: Mapping[str, Any], name: str, allowed: tuple[str, ...], path: str) -> None:
    items = owner.get(name)
    for i, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, Mapping):
            check_fields(errs, item, allowed, f"{path}.{name}[{i}]")
