"""Task spec rules (pkg/apis/pipeline/v1/task_validation.go, container_validation.go).

Used for standalone Tasks and for the `taskSpec` embedded in a PipelineTask or a TaskRun.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping, Sequence

from finale.core.tekton.durations import format_duration_ns, parse_duration_ns
from finale.core.validation import vars as vv
from finale.core.validation.common import (
    DNS_LABEL_HINT,
    Context,
    Errors,
    get_items,
    get_map,
    get_str,
    get_strs,
    go_quote,
    index,
    is_dns_label,
    join,
    key,
)
from finale.core.validation.params import (
    ParamNames,
    ParamSpec,
    check_declarations,
    check_name_format,
    check_object_properties,
    check_types,
    names_of,
    read_param_specs,
)
from finale.core.validation.when import validate_when
from finale.record import Record, set_field

TYPE_CHECKING = False  # typing costs start-up time; mypy reads the block below as true
if TYPE_CHECKING:
    from typing import Any

_RESULT_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")


# A Record, not a dataclass or NamedTuple: `finale validate` starts faster (finale/record.py).
class StepText(Record):
    """One text field of a step that accepts substitution, with its path."""

    __slots__ = ("path", "value")
    path: str
    value: str

    def __init__(self, path: str, value: str) -> None:
        set_field(self, "path", path)
        set_field(self, "value", value)


def step_texts(step: Mapping[str, Any], path: str) -> Iterator[StepText]:
    """The fields Tekton scans for references, with Tekton's path spellings."""
    for name in ("name", "image", "workingDir", "script"):
        if isinstance(step.get(name), str):
            yield StepText(join(path, name), step[name])
    for name in ("command", "args"):
        values = step.get(name)
        for i, v in enumerate(values if isinstance(values, list) else []):
            if isinstance(v, str):
                yield StepText(index(join(path, name), i), v)
    for env in _maps(step.get("env")):
        if isinstance(env.get("value"), str):
            yield StepText(key(join(path, "env"), str(env.get("name", ""))), env["value"])
    for i, mount in enumerate(_maps(step.get("volumeMounts"))):
        for name, label in (("name", "name"), ("mountPath", "MountPath"), ("subPath", "SubPath")):
            if isinstance(mount.get(name), str):
                yield StepText(join(index(join(path, "volumeMount"), i), label), mount[name])
    if isinstance(step.get("onError"), str):
        yield StepText(join(path, "onError"), step["onError"])


def _maps(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def validate_task_spec(errs: Errors, ctx: Context, spec: Mapping[str, Any], path: str) -> None:
    """Tekton's `TaskSpec.Validate` (no check that referenced params are declared)."""
    steps = list(get_items(errs, spec, "steps", path))
    if not steps:
        errs.add(join(path, "steps"), "missing field(s)", "add at least one step with an image")
    template = get_map(errs, spec, "stepTemplate", path)
    _check_workspaces(errs, spec, steps, template, path)
    _check_steps(errs, ctx, steps, template, path)
    params = read_param_specs(errs, spec, path)
    check_types(errs, params, path)
    check_declarations(errs, ctx, params, path)
    check_name_format(errs, params, path)
    _check_array_usage(errs, steps, names_of(params), path)
    _check_context_variables(errs, steps, path)
    _check_results(errs, spec, steps, path)


def check_param_usage(
    errs: Errors,
    steps: Sequence[tuple[int, Mapping[str, Any]]],
    params: Sequence[ParamSpec],
    path: str,
) -> None:
    """Tekton's `ValidateUsageOfDeclaredParameters`: every `$(params.x)` in steps is declared."""
    names = names_of(params)
    for text in _all_step_texts(steps, path):
        message = vv.unknown(text.value, "params", names.all)
        if message:
            errs.add(text.path, message, vv.hint_for(message, names.all))
        for msg in vv.object_messages(text.value, "params", names.object_keys):
            errs.add(text.path, msg, vv.hint_for(msg))
    check_object_properties(errs, params, path)


def validate_task(errs: Errors, ctx: Context, spec: Mapping[str, Any]) -> None:
    """A standalone Task: spec rules plus declared-param usage."""
    validate_task_spec(errs, ctx, spec, "spec")
    steps = [(i, s) for i, s in enumerate(_maps(spec.get("steps")))]
    check_param_usage(errs, steps, read_param_specs(Errors(), spec, "spec"), "spec")


def _all_step_texts(steps: Sequence[tuple[int, Mapping[str, Any]]], path: str) -> Iterator[StepText]:
    for i, step in steps:
        yield from step_texts(step, index(join(path, "steps"), i))


def _check_steps(
    errs: Errors,
    ctx: Context,
    steps: Sequence[tuple[int, Mapping[str, Any]]],
    template: Mapping[str, Any],
    path: str,
) -> None:
    seen: set[str] = set()
    for i, step in steps:
        here = index(join(path, "steps"), i)
        name = get_str(errs, step, "name", here)
        if name and name in seen:
            errs.add(join(here, "name"), "expected exactly one, got both", "give each step its own name")
        seen.add(name)
        _check_step(errs, ctx, step, template, name, here)


def _check_step(
    errs: Errors,
    ctx: Context,
    step: Mapping[str, Any],
    template: Mapping[str, Any],
    name: str,
    here: str,
) -> None:
    if not ctx.has("enable-artifacts") and uses_artifacts(step):
        # Step.Validate returns this error alone (pkg/apis/pipeline/v1/container_validation.go).
        errs.add(
            here,
            "feature flag enable-artifacts should be set to true to use artifacts feature.",
            "pass --feature enable-artifacts, or remove the artifacts reference",
        )
        return
    if step.get("ref") is None:
        _check_step_command(errs, step, template, here)
    if name and not is_dns_label(name):
        errs.add(
            join(here, "name"),
            f"invalid value {go_quote(name)}",
            f"Task step name must be a valid DNS Label: {DNS_LABEL_HINT}",
        )
    timeout = step.get("timeout")
    if isinstance(timeout, str):
        _check_step_timeout(errs, timeout, here)
    _check_step_on_error(errs, step, here)
    _check_volume_mounts(errs, step, here)
    if step.get("when") is not None:
        validate_when(errs, ctx, step, here)


def _check_step_command(errs: Errors, step: Mapping[str, Any], template: Mapping[str, Any], here: str) -> None:
    """A step of its own (not a StepAction `ref`) needs an image and one of script or command."""
    if not (get_str(errs, step, "image", here) or template.get("image")):
        errs.add(join(here, "Image"), "missing field(s)", "set image on the step or in stepTemplate")
    if get_str(errs, step, "script", here) and get_strs(errs, step, "command", here):
        errs.add(join(here, "script"), "script cannot be used with command", "use either script or command, not both")


def _check_step_on_error(errs: Errors, step: Mapping[str, Any], here: str) -> None:
    on_error = get_str(errs, step, "onError", here)
    if on_error and not on_error.startswith("$(params") and on_error not in ("continue", "stopAndFail"):
        errs.add(
            join(here, "onError"),
            f'invalid value: "{on_error}"',
            'Task step onError must be either "continue" or "stopAndFail"',
        )


_ARTIFACT_REF = re.compile(r"\$\((?:steps|tasks)\.[^.]+\.(?:inputs|outputs)\.[^.)]+\)|\$\((?:step\.)?artifacts\.path\)")


def uses_artifacts(step: Mapping[str, Any]) -> bool:
    """validateArtifactsReferencesInStep: script, command, args and env values."""
    texts = [step.get("script"), *(step.get("command") or ()), *(step.get("args") or ())]
    texts += [e.get("value") for e in step.get("env") or () if isinstance(e, Mapping)]
    return any(isinstance(t, str) and _ARTIFACT_REF.search(t) for t in texts)


def _check_step_timeout(errs: Errors, timeout: str, here: str) -> None:
    try:
        ns = parse_duration_ns(timeout)
    except ValueError as exc:
        errs.add(join(here, "timeout"), str(exc), "write a Go duration such as 10m or 1h30m")
        return
    if ns < 0:
        errs.add(
            join(here, "negative timeout"), f"invalid value: {format_duration_ns(ns)}", "use a timeout of 0 or more"
        )


def _check_volume_mounts(errs: Errors, step: Mapping[str, Any], here: str) -> None:
    for j, mount in get_items(errs, step, "volumeMounts", here):
        at = index(join(here, "volumeMounts"), j)
        mount_path = get_str(errs, mount, "mountPath", at)
        name = get_str(errs, mount, "name", at)
        clean = posixpath.normpath(mount_path) if mount_path else ""
        if clean.startswith("/tekton/") and not clean.startswith("/tekton/home"):
            errs.add(
                join(at, "mountPath"),
                f"volumeMount cannot be mounted under /tekton/ "
                f"(volumeMount {go_quote(name)} mounted at {go_quote(mount_path)})",
                "mount the volume somewhere outside /tekton/",
            )
        if name.startswith("tekton-internal-"):
            errs.add(
                join(at, "name"),
                f'volumeMount name {go_quote(name)} cannot start with "tekton-internal-"',
                "rename the volume mount",
            )


def _check_workspaces(
    errs: Errors,
    spec: Mapping[str, Any],
    steps: Sequence[tuple[int, Mapping[str, Any]]],
    template: Mapping[str, Any],
    path: str,
) -> None:
    mount_paths = {
        posixpath.normpath(m["mountPath"])
        for s in [*(st for _, st in steps), template]
        for m in _maps(s.get("volumeMounts"))
        if isinstance(m.get("mountPath"), str) and m["mountPath"]
    }
    names: set[str] = set()
    for i, ws in get_items(errs, spec, "workspaces", path):
        here = index(join(path, "workspaces"), i)
        name = get_str(errs, ws, "name", here)
        if name in names:
            errs.add(
                join(here, "name"),
                f"workspace name {go_quote(name)} must be unique",
                "give each workspace its own name",
            )
        names.add(name)
        mount = posixpath.normpath(get_str(errs, ws, "mountPath", here) or f"/workspace/{name}")
        if mount in mount_paths:
            errs.add(
                join(here, "mountpath"),
                f"workspace mount path {go_quote(mount)} must be unique",
                "give each workspace and volume mount its own mountPath",
            )
        mount_paths.add(mount)
    _check_container_workspaces(errs, spec, names, path)


def _check_container_workspaces(errs: Errors, spec: Mapping[str, Any], names: set[str], path: str) -> None:
    """A step or sidecar may name only the Task's declared workspaces."""
    for kind in ("steps", "sidecars"):
        for i, container in get_items(Errors(), spec, kind, path):
            for j, ws in enumerate(_maps(container.get("workspaces"))):
                used = ws.get("name")
                if isinstance(used, str) and used not in names:
                    errs.add(
                        f"{path}.{kind}[{i}].workspaces[{j}].name",
                        f"undefined workspace {go_quote(used)}",
                        "declare the workspace in the Task's workspaces",
                    )


def _check_array_usage(
    errs: Errors,
    steps: Sequence[tuple[int, Mapping[str, Any]]],
    names: ParamNames,
    path: str,
) -> None:
    """Whole arrays only as isolated command/args items (`validateArrayUsage`)."""
    for text in _all_step_texts(steps, path):
        in_list = text.path.endswith("]") and (".command[" in text.path or ".args[" in text.path)
        if in_list:
            message = vv.not_isolated(text.value, "params", names.arrays)
        else:
            message = vv.prohibited(text.value, "params", names.arrays)
        if message:
            errs.add(text.path, message, vv.hint_for(message))


def _check_context_variables(errs: Errors, steps: Sequence[tuple[int, Mapping[str, Any]]], path: str) -> None:
    for prefix, allowed in (
        ("context\\.taskRun", {"name", "namespace", "uid"}),
        ("context\\.task", {"name", "retry-count"}),
    ):
        for text in _all_step_texts(steps, path):
            message = vv.unknown(text.value, prefix, allowed)
            if message:
                errs.add(text.path, message, "use context.taskRun.name|namespace|uid or context.task.name|retry-count")


def _check_results(
    errs: Errors,
    spec: Mapping[str, Any],
    steps: Sequence[tuple[int, Mapping[str, Any]]],
    path: str,
) -> None:
    declared: set[str] = set()
    for i, result in get_items(errs, spec, "results", path):
        here = index(join(path, "results"), i)
        name = get_str(errs, result, "name", here)
        declared.add(name)
        if not _RESULT_NAME.match(name):
            errs.add(
                join(here, "name"),
                f"invalid key name {go_quote(name)}",
                "use letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
            )
            continue
        _check_result_type(errs, result, name, here)
    for i, step in steps:
        script = step.get("script")
        if isinstance(script, str):
            message = vv.unknown(script, "results", declared)
            if message:
                errs.add(
                    f"{path}.steps[{i}].script", message, "declare the result in the Task's results, or fix its name"
                )


def _check_result_type(errs: Errors, result: Mapping[str, Any], name: str, here: str) -> None:
    kind = result.get("type") or ""
    if kind == "object":
        props = result.get("properties")
        if props is None:
            errs.add(join(here, f"{name}.properties"), "missing field(s)", "declare the object's keys under properties")
        elif isinstance(props, Mapping):
            bad = [k for k, v in props.items() if not isinstance(v, Mapping) or v.get("type", "string") != "string"]
            if bad:
                errs.add(
                    join(here, f"{name}.properties"),
                    f"The value type specified for these keys [{' '.join(bad)}] is invalid, the type must be string",
                    "object result keys can only be strings",
                )
    elif kind not in ("", "string", "array"):
        errs.add(join(here, "type"), f"invalid value: {kind}", "set type to string, array or object")
