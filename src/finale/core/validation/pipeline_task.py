"""One PipelineTask's own rules: ref or spec, custom tasks, onError, taskRef, feature gates.

From pkg/apis/pipeline/v1/pipeline_validation.go (`PipelineTask.Validate`) and
container_validation.go (`validateRef`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from finale.core.validation import task as vt
from finale.core.validation.common import Context, Errors, get_int, get_map, get_str
from finale.core.validation.pipeline_refs import PTask

TYPE_CHECKING = False  # typing costs start-up time; mypy reads the block below as true
if TYPE_CHECKING:
    from typing import Any

_REF_FIELDS = ("taskRef", "taskSpec", "pipelineRef", "pipelineSpec")
_URL_LIKE = re.compile(r"[\w-]+://*")
_QUALIFIED_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_NAME_PART_ERROR = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)


def gate_message(feature: str, want: str, current: str) -> str:
    """Tekton's `ValidateEnabledAPIFields` text."""
    wanted = '"alpha" or "beta"' if want == "beta" else '"alpha"'
    return f'{feature} requires "enable-api-fields" feature gate to be {wanted} but it is "{current}"'


def _gate(errs: Errors, ctx: Context, feature: str, want: str, path: str) -> None:
    current = ctx.api_fields
    allowed = ("alpha", "beta") if want == "beta" else ("alpha",)
    if current not in allowed:
        errs.add(
            path,
            gate_message(feature, want, current),
            f"run with --feature enable-api-fields={want}, or remove {feature}",
        )


def check_pipeline_task(errs: Errors, ctx: Context, pt: PTask) -> None:
    _check_ref_or_spec(errs, ctx, pt)
    _check_embedded_or_type(errs, pt)
    _check_on_error(errs, ctx, pt)
    ref = get_map(errs, pt.raw, "taskRef", pt.path)
    spec = get_map(errs, pt.raw, "taskSpec", pt.path)
    if ref.get("resolver"):
        _gate(errs, ctx, "taskref.resolver", "beta", pt.path)
    if ref.get("params"):
        _gate(errs, ctx, "taskref.params", "beta", pt.path)
    if is_custom(pt.raw):
        _check_custom_task(errs, pt, ref, spec)
        return
    if "taskSpec" in pt.raw and pt.raw["taskSpec"] is not None:
        vt.validate_task_spec(errs, ctx, spec, f"{pt.path}.taskSpec")
    if "taskRef" in pt.raw and pt.raw["taskRef"] is not None:
        check_ref(errs, ctx, ref, f"{pt.path}.taskRef")
    if pt.raw.get("pipelineRef") is not None:
        check_ref(errs, ctx, get_map(errs, pt.raw, "pipelineRef", pt.path), f"{pt.path}.pipelineRef")
    if pt.raw.get("pipelineSpec") is not None:
        # Imported here: a Pipeline's tasks may embed a Pipeline (alpha), so the modules nest.
        from finale.core.validation.pipeline import validate_pipeline_spec

        validate_pipeline_spec(
            errs, ctx, get_map(errs, pt.raw, "pipelineSpec", pt.path), f"{pt.path}.pipelineSpec", standalone=False
        )


def is_custom(raw: Mapping[str, Any]) -> bool:
    """A `kind` other than Task, or any apiVersion, makes a custom task (a CustomRun)."""
    for name in ("taskRef", "taskSpec"):
        part = raw.get(name)
        if isinstance(part, Mapping) and (part.get("kind") not in (None, "", "Task") or part.get("apiVersion")):
            return True
    return False


def _check_ref_or_spec(errs: Errors, ctx: Context, pt: PTask) -> None:
    present = [name for name in _REF_FIELDS if pt.raw.get(name) is not None]
    for name in ("pipelineRef", "pipelineSpec"):
        if name in present:
            _gate(errs, ctx, name, "alpha", pt.path)
    if len(present) > 1:
        errs.add(
            ", ".join(f"{pt.path}.{n}" for n in sorted(present)),
            "expected exactly one, got multiple",
            "keep only one of taskRef and taskSpec",
        )
    elif not present:
        names = _REF_FIELDS if ctx.api_fields == "alpha" else _REF_FIELDS[:2]
        errs.add(
            ", ".join(f"{pt.path}.{n}" for n in sorted(names)),
            "expected exactly one, got neither",
            "add taskRef: {name: TASK} or an inline taskSpec with steps",
        )


def _check_embedded_or_type(errs: Errors, pt: PTask) -> None:
    spec = pt.raw.get("taskSpec")
    if isinstance(spec, Mapping) and isinstance(spec.get("steps"), list) and spec["steps"]:
        for name in ("apiVersion", "kind"):
            if spec.get(name):
                errs.add(
                    f"{pt.path}.taskSpec.{name}",
                    f"taskSpec.{name} cannot be specified when using taskSpec.steps",
                    f"remove taskSpec.{name} from the inline Task",
                )


def _check_on_error(errs: Errors, ctx: Context, pt: PTask) -> None:
    on_error = get_str(errs, pt.raw, "onError", pt.path)
    if not on_error or on_error.startswith("$(params"):
        return
    _gate(errs, ctx, "OnError", "beta", pt.path)
    if on_error not in ("continue", "stopAndFail"):
        errs.add(
            f"{pt.path}.OnError",
            f"invalid value: {on_error}",
            'PipelineTask OnError must be either "continue" or "stopAndFail"',
        )
    if on_error == "continue" and get_int(errs, pt.raw, "retries", pt.path) > 0:
        errs.add(
            pt.path,
            'PipelineTask OnError cannot be set to "continue" when Retries is greater than 0',
            "drop retries, or use onError: stopAndFail",
        )


def _check_custom_task(errs: Errors, pt: PTask, ref: Mapping[str, Any], spec: Mapping[str, Any]) -> None:
    for part, name in ((ref, "taskRef"), (spec, "taskSpec")):
        if pt.raw.get(name) is None:
            continue
        if not part.get("kind"):
            errs.add(
                f"{pt.path}.{name}.kind",
                f"invalid value: custom task {name[4:].lower()} must specify kind",
                "set kind to the custom task's kind",
            )
        api_version = part.get("apiVersion")
        if not api_version:
            hint = (
                "ClusterTask is gone from current Tekton: use kind: Task, or the cluster resolver"
                if part.get("kind") == "ClusterTask"
                else "set apiVersion as group/version, or use kind: Task for a Tekton Task"
            )
            errs.add(
                f"{pt.path}.{name}.apiVersion",
                f"invalid value: custom task {name[4:].lower()} must specify apiVersion",
                hint,
            )
        elif not _is_group_version(str(api_version)):
            errs.add(
                f"{pt.path}.{name}.apiVersion",
                f'invalid value: invalid apiVersion format "{api_version}", must be in the format "group/version"',
                "write apiVersion as group/version",
            )


def _is_group_version(text: str) -> bool:
    parts = text.split("/")
    return len(parts) == 2 and all(parts)


def check_ref(errs: Errors, ctx: Context, ref: Mapping[str, Any], path: str) -> None:
    """Tekton's `validateRef` for a taskRef or pipelineRef."""
    name = get_str(errs, ref, "name", path)
    resolver = get_str(errs, ref, "resolver", path)
    has_params = ref.get("params") is not None
    concise = "enable-concise-resolver-syntax"
    concise_message = f"feature flag {concise} should be set to true to use concise resolver syntax"
    if resolver or has_params:
        if has_params and name:
            errs.add(
                f"{path}.name, {path}.params", "expected exactly one, got both", "use either name or resolver params"
            )
        if has_params and not resolver:
            errs.add(f"{path}.resolver", "missing field(s)", "set resolver (e.g. git, bundles)")
        if resolver and name:
            if not _URL_LIKE.search(name):
                errs.add(f"{path}.name", "invalid value: invalid URI for request", "drop name when using a resolver")
            elif not ctx.has(concise):
                errs.add(path, concise_message, f"pass --feature {concise}")
    elif name:
        if _URL_LIKE.search(name):
            if not ctx.has(concise):
                errs.add(path, concise_message, f"pass --feature {concise}")
            errs.add(f"{path}.resolver", "missing field(s)", "set resolver")
        elif problems := _qualified_name_problems(name):
            errs.add(f"{path}.name", f"invalid value: {','.join(problems)}", "use the Task's metadata.name")
    else:
        errs.add(f"{path}.name", "missing field(s)", "name the Task to run, or use a resolver")


def _qualified_name_problems(name: str) -> list[str]:
    part = name.rsplit("/", 1)[-1]
    problems = []
    if len(part) > 63:
        problems.append("name part must be no more than 63 characters")
    if not _QUALIFIED_NAME.fullmatch(part):
        problems.append(_NAME_PART_ERROR)
    return problems
