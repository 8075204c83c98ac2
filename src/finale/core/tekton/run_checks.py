"""Up-front checks of a PipelineRun, in the controller's order (spec §2.1 steps 5-11, §6.5).

Each check returns the RunFailure Tekton ends the run with, before any TaskRun is created;
`prepare_run` runs them all and returns the substituted spec with its DAG.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from finale.core.tekton import dag
from finale.core.tekton.model import ParamSpec, PipelineRun, PipelineSpec
from finale.core.tekton.params import enum_subset_problem, param_values
from finale.core.tekton.parse import param_spec, pipeline_spec
from finale.core.tekton.reasons import PipelineRunReason
from finale.core.tekton.resolve import RunFailure, apply_run_values
from finale.core.tekton.variables import result_refs, strings_in


def prepare_run(
    run: PipelineRun,
    raw_spec: Mapping[str, Any],
    task_specs: Mapping[str, Mapping[str, Any]],
    bound: set[str],
) -> tuple[PipelineSpec, dict[str, tuple[str, ...]]] | RunFailure:
    """The first failing check, or the spec with run values substituted and its DAG's parents."""
    declared = pipeline_spec(raw_spec)
    values = param_values(declared, run)
    if isinstance(values, RunFailure):
        return values
    failure = (
        array_index_failure(declared, run)
        or workspace_failure(declared, run, bound)
        or taskrunspec_failure(declared, run)
    )
    if failure:
        return failure
    spec = apply_run_values(raw_spec, values, run, bound)
    failure = _task_failure(declared, spec, task_specs, run) or (
        result_reference_failure(spec, task_specs)
        or pipeline_result_reference_failure(spec, task_specs, run)
        or optional_workspace_failure(spec, task_specs)
    )
    if failure:
        return failure
    return spec, dag.build(spec)


def _task_failure(
    declared: PipelineSpec, spec: PipelineSpec, task_specs: Mapping[str, Mapping[str, Any]], run: PipelineRun
) -> RunFailure | None:
    original = {t.name: t for t in declared.all_tasks()}
    for task in spec.all_tasks():
        task_spec = task_specs.get(task.name, {})
        given = set(task.params) | {str(p.get("name")) for p in (task.matrix or {}).get("params") or ()}
        for inc in (task.matrix or {}).get("include") or ():
            given |= {str(p.get("name")) for p in inc.get("params") or ()}
        failure = task_param_failure(
            task.name, task_spec, dict.fromkeys(given), run, task.task_ref
        ) or enum_subset_failure(
            # The subset check reads the params as written, before substitution (pipelinerun.go).
            original[task.name].params,
            declared.params,
            task_spec,
            task.task_ref,
        )
        if failure:
            return failure
    return None


def task_param_failure(
    task_name: str,
    task_spec: Mapping[str, Any],
    given: Mapping[str, Any],
    run: PipelineRun,
    ref: str | None,
) -> RunFailure | None:
    """Task params without default that the PipelineTask does not pass (checked up front)."""
    specs = [param_spec(p) for p in task_spec.get("params") or () if isinstance(p, Mapping)]
    missing = [s.name for s in specs if s.default is None and s.name not in given]
    if not missing:
        return None
    return RunFailure(
        PipelineRunReason.VALIDATION_FAILED,
        f"[User error] Validation failed for pipelinerun {run.name} with error invalid input params for "
        f"task {ref or ''}: missing values for these params which have no default values: [{' '.join(missing)}]",
    )


def enum_subset_failure(
    task_params: Mapping[str, Any],
    pipeline_params: tuple[ParamSpec, ...],
    task_spec: Mapping[str, Any],
    ref: str | None,
) -> RunFailure | None:
    """A PipelineTask passing a Pipeline param whose enum is wider than its Task's (checked up front)."""
    specs = [param_spec(p) for p in task_spec.get("params") or () if isinstance(p, Mapping)]
    problem = enum_subset_problem(task_params, pipeline_params, specs, ref or "")
    if problem is None:
        return None
    message = f"[User error] Validation failed for pipelinerun with error {problem}"
    return RunFailure(PipelineRunReason.VALIDATION_FAILED, message)


def result_reference_failure(spec: PipelineSpec, task_specs: Mapping[str, Mapping[str, Any]]) -> RunFailure | None:
    """A consumer naming an unknown task or an undeclared result (InvalidTaskResultReference)."""
    names = {t.name for t in spec.tasks}
    for task in spec.all_tasks():
        for producer, result in result_refs(dag.edge_sources(task)):
            prefix = f'invalid result reference in pipeline task "{task.name}": '
            if producer not in names:
                return RunFailure(
                    PipelineRunReason.INVALID_TASK_RESULT_REFERENCE,
                    prefix + f'referenced pipeline task "{producer}" does not exist',
                )
            declared = {str(r.get("name")) for r in task_specs.get(producer, {}).get("results") or ()}
            if producer in task_specs and result not in declared:
                return RunFailure(
                    PipelineRunReason.INVALID_TASK_RESULT_REFERENCE,
                    prefix + f'"{result}" is not a named result returned by pipeline task "{producer}"',
                )
    return None


def workspace_failure(spec: PipelineSpec, run: PipelineRun, bound: set[str]) -> RunFailure | None:
    for w in spec.workspaces:
        if not w.optional and w.name not in bound:
            return RunFailure(
                PipelineRunReason.INVALID_WORKSPACE_BINDINGS,
                f"[User error] PipelineRun {run.namespace}/{run.name} doesn't bind Pipeline "
                f"{run.namespace}/{run.pipeline_name}'s Workspaces correctly: pipeline requires workspace "
                f'with name "{w.name}" be provided by pipelinerun',
            )
    return None


def taskrunspec_failure(spec: PipelineSpec, run: PipelineRun) -> RunFailure | None:
    names = {t.name for t in spec.all_tasks()}
    for trs in run.task_run_specs:
        if trs.get("pipelineTaskName") not in names:
            return RunFailure(
                PipelineRunReason.INVALID_TASK_RUN_SPECS,
                f"[User error] PipelineRun {run.namespace}/{run.name} doesn't define taskRunSpecs correctly: "
                f'pipelineRun\'s taskrunSpecs defined wrong taskName: "{trs.get("pipelineTaskName")}", '
                "does not exist in Pipeline",
            )
    return None


_INDEXED_PARAM = re.compile(r"""\$\(params(?:\.([^.\[\]()"']+)|\[["']([^"']+)["']\])\[(\d+)\]\)""")


def _index_sources(spec: PipelineSpec) -> list[Any]:
    """Where GetIndexingReferencesToArrayParams looks: params, matrix params, when, subPath."""
    found: list[Any] = []
    for task in spec.all_tasks():
        found += [task.raw.get("params"), (task.matrix or {}).get("params"), task.raw.get("when")]
        if not task.is_finally:
            found += [w.sub_path for w in task.workspaces]
    return found


def array_index_failure(spec: PipelineSpec, run: PipelineRun) -> RunFailure | None:
    """ValidateParamArrayIndex: `$(params.a[i])` past the end of the array it names."""
    lengths = {s.name: len(s.default) for s in spec.params if isinstance(s.default, list)}
    lengths.update({k: len(v) for k, v in run.params.items() if isinstance(v, list)})
    bad = set()
    for text in strings_in(_index_sources(spec)):
        for m in _INDEXED_PARAM.finditer(text):
            name = m.group(1) or m.group(2)
            if name in lengths and int(m.group(3)) >= lengths[name]:
                bad.add(m.group(0))
    if not bad:
        return None
    ns, p = run.namespace, run.pipeline_name
    return RunFailure(
        PipelineRunReason.PARAM_ARRAY_INDEXING_INVALID,
        f"[User error] PipelineRun {ns}/{run.name} failed validation: failed to validate Pipeline {ns}/{p}'s "
        f"parameter which has an invalid index while referring to an array: "
        f"non-existent param references:[{' '.join(sorted(bad))}]",
    )


def pipeline_result_reference_failure(
    spec: PipelineSpec, task_specs: Mapping[str, Mapping[str, Any]], run: PipelineRun
) -> RunFailure | None:
    """ValidatePipelineResults: a pipeline result naming an unknown task or undeclared result."""
    names = {t.name for t in spec.all_tasks()}
    for result in spec.results:
        for producer, name in result_refs(result.get("value")):
            if producer not in names:
                problem = f'referenced pipeline task "{producer}" does not exist'
            elif producer in task_specs and name not in {
                str(r.get("name")) for r in task_specs[producer].get("results") or ()
            }:
                problem = f'"{name}" is not a named result returned by pipeline task "{producer}"'
            else:
                continue
            return RunFailure(
                PipelineRunReason.INVALID_PIPELINE_RESULT_REFERENCE,
                f'Failed to resolve pipeline result reference for "{run.name}" with error '
                f'invalid pipeline result "{result.get("name")}": {problem}',
            )
    return None


def optional_workspace_failure(spec: PipelineSpec, task_specs: Mapping[str, Mapping[str, Any]]) -> RunFailure | None:
    """ValidateOptionalWorkspaces: an optional Pipeline workspace bound to a required Task one."""
    optional = {w.name for w in spec.workspaces if w.optional}
    for task in spec.all_tasks():
        declared = {
            str(w.get("name")): bool(w.get("optional"))
            for w in task_specs.get(task.name, {}).get("workspaces") or ()
            if isinstance(w, Mapping)
        }
        for binding in task.workspaces:
            if binding.workspace in optional and declared.get(binding.name) is False:
                return RunFailure(
                    PipelineRunReason.REQUIRED_WORKSPACE_MARKED_OPTIONAL,
                    f'[User error] Optional workspace not supported by task: pipeline workspace "{binding.workspace}" '
                    f'is marked optional but pipeline task "{task.name}" requires it be provided',
                )
    return None
