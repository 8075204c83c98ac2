"""TaskRun side: a Task spec plus params and paths -> the steps to execute (spec §7.3, §2.11)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from finale.core.tekton.model import ParamValue
from finale.core.tekton.parse import param_spec
from finale.core.tekton.variables import Replacements, apply_deep, strings_in, value_replacements
from finale.record import Record, set_field


# Records, not dataclasses: `finale run` starts faster without them (finale/record.py).
class StepPlan(Record):
    __slots__ = (
        "args",
        "command",
        "env",
        "image",
        "name",
        "on_error",
        "script",
        "timeout",
        "working_dir",
        "workspaces",
    )
    name: str  # container name: step-<name> or step-unnamed-<i>
    script: str
    command: tuple[str, ...]
    args: tuple[str, ...]
    env: tuple[Mapping[str, Any], ...]
    working_dir: str
    on_error: str
    timeout: str | None
    image: str
    # Step-level workspaces (isolated workspaces): (name, mountPath or "").
    workspaces: tuple[tuple[str, str], ...]

    def __init__(
        self,
        *,
        name: str,
        script: str = "",
        command: tuple[str, ...] = (),
        args: tuple[str, ...] = (),
        env: tuple[Mapping[str, Any], ...] = (),
        working_dir: str = "",
        on_error: str = "",
        timeout: str | None = None,
        image: str = "",
        workspaces: tuple[tuple[str, str], ...] = (),
    ) -> None:
        set_field(self, "name", name)
        set_field(self, "script", script)
        set_field(self, "command", command)
        set_field(self, "args", args)
        set_field(self, "env", env)
        set_field(self, "working_dir", working_dir)
        set_field(self, "on_error", on_error)
        set_field(self, "timeout", timeout)
        set_field(self, "image", image)
        set_field(self, "workspaces", workspaces)


class TaskContext(Record):
    __slots__ = (
        "namespace",
        "results_dir",
        "retry_count",
        "steps_dir",
        "task_name",
        "taskrun_name",
        "uid",
        "workspace_paths",
    )
    taskrun_name: str
    namespace: str
    uid: str
    task_name: str
    retry_count: int
    results_dir: str
    steps_dir: str
    workspace_paths: Mapping[str, str]  # "" = unbound optional

    def __init__(
        self,
        *,
        taskrun_name: str,
        namespace: str,
        uid: str,
        task_name: str,
        retry_count: int,
        results_dir: str,
        steps_dir: str,
        workspace_paths: Mapping[str, str] | None = None,
    ) -> None:
        set_field(self, "taskrun_name", taskrun_name)
        set_field(self, "namespace", namespace)
        set_field(self, "uid", uid)
        set_field(self, "task_name", task_name)
        set_field(self, "retry_count", retry_count)
        set_field(self, "results_dir", results_dir)
        set_field(self, "steps_dir", steps_dir)
        set_field(self, "workspace_paths", {} if workspace_paths is None else workspace_paths)


def container_name(step: Mapping[str, Any], index: int) -> str:
    name = step.get("name")
    return f"step-{name}" if name else f"step-unnamed-{index}"


def task_param_values(task_spec: Mapping[str, Any], given: Mapping[str, ParamValue]) -> dict[str, ParamValue]:
    values: dict[str, ParamValue] = {}
    for raw in task_spec.get("params") or ():
        if isinstance(raw, Mapping):
            spec = param_spec(raw)
            if spec.name in given:
                value = given[spec.name]
                if isinstance(value, dict) and isinstance(spec.default, dict):
                    value = {**spec.default, **value}
                values[spec.name] = value
            elif spec.default is not None:
                values[spec.name] = spec.default
    for name, value in given.items():
        values.setdefault(name, value)
    return values


def _merge_template(template: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """stepTemplate is the base; the step wins; env merges by name (spec §1.4)."""
    merged = {**template, **step}
    if template.get("env") or step.get("env"):
        env = {e.get("name"): e for e in template.get("env") or () if isinstance(e, Mapping)}
        env.update({e.get("name"): e for e in step.get("env") or () if isinstance(e, Mapping)})
        merged["env"] = list(env.values())
    return merged


def stage_replacements(
    task_spec: Mapping[str, Any], params: Mapping[str, ParamValue], ctx: TaskContext
) -> list[Replacements]:
    """TaskRun-side stages in Tekton's order: params, context, results, exit codes, workspaces."""
    values = task_param_values(task_spec, params)
    param_stage = value_replacements("params", values).merge(value_replacements("inputs.params", values))
    context_stage = Replacements(
        strings={
            "context.taskRun.name": ctx.taskrun_name,
            "context.taskRun.namespace": ctx.namespace,
            "context.taskRun.uid": ctx.uid,
            "context.task.name": ctx.task_name,
            "context.task.retry-count": str(ctx.retry_count),
        }
    )
    results_stage = Replacements()
    for result in task_spec.get("results") or ():
        name = str(result.get("name", ""))
        for key in (f"results.{name}.path", f'results["{name}"].path', f"results['{name}'].path"):
            results_stage.strings[key] = f"{ctx.results_dir}/{name}"
    exit_stage = Replacements()
    for i, step in enumerate(task_spec.get("steps") or ()):
        cname = container_name(step, i)
        exit_stage.strings[f"steps.{cname}.exitCode.path"] = f"{ctx.steps_dir}/{cname}/exitCode"
    ws_stage = Replacements()
    for w in task_spec.get("workspaces") or ():
        name = str(w.get("name", ""))
        path = ctx.workspace_paths.get(name, "")
        ws_stage.strings[f"workspaces.{name}.path"] = path
        ws_stage.strings[f"workspaces.{name}.bound"] = "true" if path else "false"
        ws_stage.strings[f"workspaces.{name}.claim"] = ""
        ws_stage.strings[f"workspaces.{name}.volume"] = name if path else ""
    return [param_stage, context_stage, results_stage, exit_stage, ws_stage]


def plan_steps(task_spec: Mapping[str, Any], params: Mapping[str, ParamValue], ctx: TaskContext) -> list[StepPlan]:
    spec: Any = task_spec
    for stage in stage_replacements(task_spec, params, ctx):
        spec = apply_deep(spec, stage)
    template = spec.get("stepTemplate") or {}
    plans = []
    for i, raw in enumerate(spec.get("steps") or ()):
        step = _merge_template(template, raw)
        plans.append(
            StepPlan(
                name=container_name(raw, i),
                script=str(step.get("script") or ""),
                command=tuple(str(c) for c in step.get("command") or ()),
                args=tuple(str(a) for a in step.get("args") or ()),
                env=tuple(e for e in step.get("env") or () if isinstance(e, Mapping)),
                working_dir=str(step.get("workingDir") or ""),
                on_error=str(step.get("onError") or ""),
                timeout=str(step["timeout"]) if step.get("timeout") else None,
                image=str(step.get("image") or ""),
                workspaces=step_workspaces(step),
            )
        )
    return plans


def step_workspaces(step: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """A step's own `workspaces` list; `mountpath` is accepted too, as Go's case-blind JSON does."""
    out = []
    for w in step.get("workspaces") or ():
        if isinstance(w, Mapping) and w.get("name"):
            out.append((str(w["name"]), str(w.get("mountPath") or w.get("mountpath") or "")))
    return tuple(out)


def reads_step_exit_codes(task_spec: Mapping[str, Any]) -> bool:
    """Whether a step reads `$(steps.<name>.exitCode.path)`: only then are exit codes written."""
    return any("exitCode.path" in text for text in strings_in(task_spec))


def isolated_workspaces(task_spec: Mapping[str, Any]) -> frozenset[str]:
    """Workspaces some step or sidecar names: only those containers mount them.

    tektoncd/pipeline pkg/workspace/apply.go Apply (isolated workspaces, docs/workspaces.md
    #isolated-workspaces).
    """
    names: set[str] = set()
    for kind in ("steps", "sidecars"):
        for container in task_spec.get(kind) or ():
            if isinstance(container, Mapping):
                names.update(name for name, _ in step_workspaces(container))
    return frozenset(names)
