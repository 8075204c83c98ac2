"""RunResult -> Tekton v1 shaped dicts (PipelineRun, TaskRuns, a `v1` List) for -o yaml|json."""

from __future__ import annotations

import datetime as dt
from typing import Any

from finale.core.tekton.run_result import RunResult
from finale.core.tekton.state import StepState, TaskRunState


def timestamp(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _condition(status: str, reason: str, message: str, when: float | None) -> dict[str, Any]:
    return {
        "type": "Succeeded",
        "status": str(status),  # plain text out: a dumper knows no enums
        "reason": str(reason),
        "message": message,
        "lastTransitionTime": timestamp(when),
    }


def _params(values: Any) -> list[dict[str, Any]]:
    return [{"name": k, "value": v} for k, v in values.items()]


def _step(step: StepState) -> dict[str, Any]:
    out: dict[str, Any] = {"name": step.name, "container": step.container}
    if step.exit_code is not None:
        out["terminated"] = {
            "exitCode": step.exit_code,
            "reason": step.reason or ("Completed" if step.exit_code == 0 else "Error"),
            "startedAt": timestamp(step.started),
            "finishedAt": timestamp(step.finished),
        }
    if step.termination_reason:
        out["terminationReason"] = step.termination_reason
    return out


def _taskrun_status(tr: TaskRunState) -> dict[str, Any]:
    status: dict[str, Any] = {
        "conditions": [_condition(tr.status, tr.reason, tr.message, tr.end or tr.start)],
        "podName": f"{tr.name}-pod",
        "startTime": timestamp(tr.start),
    }
    if tr.finished:
        status["completionTime"] = timestamp(tr.end)
    status["steps"] = [_step(s) for s in tr.steps]
    if tr.results:
        status["results"] = [
            {
                "name": k,
                "type": "array" if isinstance(v, list) else "object" if isinstance(v, dict) else "string",
                "value": v,
            }
            for k, v in tr.results.items()
        ]
    if tr.retries_status:
        status["retriesStatus"] = [_taskrun_status(a) for a in tr.retries_status]
    status["taskSpec"] = dict(tr.task_spec)
    return status


def taskrun_object(result: RunResult, tr: TaskRunState) -> dict[str, Any]:
    run = result.run
    labels = {
        **run.labels,
        "tekton.dev/pipeline": run.pipeline_name,
        "tekton.dev/pipelineRun": run.name,
        "tekton.dev/pipelineRunUID": run.uid,
        "tekton.dev/pipelineTask": tr.pipeline_task,
        "tekton.dev/memberOf": "finally" if tr.is_finally else "tasks",
    }
    if tr.task_ref:
        labels["tekton.dev/task"] = tr.task_ref
    spec: dict[str, Any] = {"params": _params(tr.params)}
    spec["taskRef" if tr.task_ref else "taskSpec"] = (
        {"kind": "Task", "name": tr.task_ref} if tr.task_ref else dict(tr.task_spec)
    )
    if tr.timeout is not None:
        from finale.core.tekton.durations import format_duration

        spec["timeout"] = format_duration(tr.timeout)
    if tr.retries:
        spec["retries"] = tr.retries
    if tr.workspaces:
        spec["workspaces"] = [{"name": w.name, "emptyDir": {}} for w in tr.workspaces]
    if tr.spec_status:
        spec["status"] = str(tr.spec_status)
        spec["statusMessage"] = tr.status_message
    annotations = dict(run.annotations)
    if tr.on_error == "continue":
        annotations["pipeline.tekton.dev/pipeline-task-on-error"] = "continue"
    meta: dict[str, Any] = {"name": tr.name, "namespace": run.namespace, "labels": labels}
    if annotations:
        meta["annotations"] = annotations
    meta["ownerReferences"] = [
        {
            "apiVersion": "tekton.dev/v1",
            "kind": "PipelineRun",
            "name": run.name,
            "uid": run.uid,
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    return {
        "apiVersion": "tekton.dev/v1",
        "kind": "TaskRun",
        "metadata": meta,
        "spec": spec,
        "status": _taskrun_status(tr),
    }


def _all_taskruns(result: RunResult) -> list[TaskRunState]:
    order = [t.name for t in result.spec.all_tasks()] if result.spec else list(result.taskruns)
    return [tr for name in order for tr in result.taskruns.get(name, ())]


def pipelinerun_object(result: RunResult) -> dict[str, Any]:
    run = result.run
    cond = result.condition
    status: dict[str, Any] = {
        "conditions": [_condition(cond.status, cond.reason, cond.message, result.end)],
        "startTime": timestamp(result.start),
    }
    if cond.done:
        status["completionTime"] = timestamp(result.end)
    if result.finally_start is not None:
        status["finallyStartTime"] = timestamp(result.finally_start)
    children = []
    for tr in _all_taskruns(result):
        child: dict[str, Any] = {
            "apiVersion": "tekton.dev/v1",
            "kind": "TaskRun",
            "name": tr.name,
            "pipelineTaskName": tr.pipeline_task,
        }
        if tr.when:
            child["whenExpressions"] = [w.to_dict() for w in tr.when]
        children.append(child)
    if children:
        status["childReferences"] = children
    skipped = []
    order = [t.name for t in result.spec.all_tasks()] if result.spec else []
    for name in order:
        if name in result.skipped:
            entry: dict[str, Any] = {"name": name, "reason": str(result.skipped[name])}
            if name in result.skipped_when:
                entry["whenExpressions"] = [dict(w) for w in result.skipped_when[name]]
            skipped.append(entry)
    if skipped:
        status["skippedTasks"] = skipped
    if result.results:
        status["results"] = result.results
    if result.spec is not None:
        status["pipelineSpec"] = dict(result.spec.raw)
    meta: dict[str, Any] = {"name": run.name, "namespace": run.namespace, "uid": run.uid}
    if run.labels:
        meta["labels"] = dict(run.labels)
    if run.annotations:
        meta["annotations"] = dict(run.annotations)
    spec = dict(run.raw.get("spec") or {})
    if result.spec_status:
        spec["status"] = str(result.spec_status)
    return {
        "apiVersion": "tekton.dev/v1",
        "kind": "PipelineRun",
        "metadata": meta,
        "spec": spec,
        "status": status,
    }


def as_list(result: RunResult) -> dict[str, Any]:
    """`apiVersion: v1, kind: List` holding the PipelineRun, then its TaskRuns."""
    items = [pipelinerun_object(result)] + [taskrun_object(result, tr) for tr in _all_taskruns(result)]
    return {"apiVersion": "v1", "kind": "List", "items": items}


def names(result: RunResult) -> list[str]:
    """`-o name`, like kubectl: kind.group/name."""
    out = [f"pipelinerun.tekton.dev/{result.run.name}"]
    out += [f"taskrun.tekton.dev/{tr.name}" for tr in _all_taskruns(result)]
    return out
