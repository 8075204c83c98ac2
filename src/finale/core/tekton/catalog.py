"""Assemble what a run needs from the objects given with -f: the PipelineRun, its Pipeline spec,
and the Task spec of every PipelineTask. Missing references are input errors, named with a fix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from finale.core.tekton.model import ParamValue, PipelineRun
from finale.core.tekton.parse import TEKTON_API_VERSIONS, param_value, pipeline_run, to_v1
from finale.errors import InputError, MissingReferenceError
from finale.record import Record, set_field


# A Record, not a dataclass: `finale run` starts faster (finale/record.py).
class RunInputs(Record):
    __slots__ = ("bare_pipeline", "raw_spec", "run", "source", "task_specs")
    run: PipelineRun
    source: str
    raw_spec: Mapping[str, Any]
    task_specs: Mapping[str, Mapping[str, Any]]
    bare_pipeline: bool

    def __init__(
        self,
        *,
        run: PipelineRun,
        source: str,
        raw_spec: Mapping[str, Any],
        task_specs: Mapping[str, Mapping[str, Any]] | None = None,
        bare_pipeline: bool = False,
    ) -> None:
        set_field(self, "run", run)
        set_field(self, "source", source)
        set_field(self, "raw_spec", raw_spec)
        set_field(self, "task_specs", {} if task_specs is None else task_specs)
        set_field(self, "bare_pipeline", bare_pipeline)


def _named(docs: Sequence[tuple[str, Mapping[str, Any]]], kind: str) -> dict[str, tuple[str, dict[str, Any]]]:
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    for source, doc in docs:
        if doc.get("kind") == kind and doc.get("apiVersion") in TEKTON_API_VERSIONS:
            name = str((doc.get("metadata") or {}).get("name", ""))
            out[name] = (source, to_v1(doc))
    return out


def _pick_run(docs: Sequence[tuple[str, Mapping[str, Any]]]) -> tuple[str, dict[str, Any], bool]:
    runs = [(s, d) for s, d in docs if d.get("kind") == "PipelineRun" and d.get("apiVersion") in TEKTON_API_VERSIONS]
    if len(runs) > 1:
        names = ", ".join(f"{s}" for s, _ in runs)
        raise InputError(f"several PipelineRuns given ({names}): give exactly one per `finale run`")
    if runs:
        source, doc = runs[0]
        return source, to_v1(doc), False
    pipelines = _named(docs, "Pipeline")
    if len(pipelines) == 1:
        name, (source, _) = next(iter(pipelines.items()))
        run = {
            "apiVersion": "tekton.dev/v1",
            "kind": "PipelineRun",
            "metadata": {"name": f"{name}-run"},
            "spec": {"pipelineRef": {"name": name}},
        }
        return source, run, True
    if pipelines:
        raise InputError("several Pipelines and no PipelineRun given: add a PipelineRun naming one of them")
    raise InputError("no PipelineRun or Pipeline found in the files given with -f")


def assemble(docs: Sequence[tuple[str, Mapping[str, Any]]], cli_params: Mapping[str, str]) -> RunInputs:
    source, run_doc, bare = _pick_run(docs)
    spec = run_doc.setdefault("spec", {})
    if cli_params:
        spec["params"] = _merge_params(spec.get("params") or [], cli_params)
    run = pipeline_run(run_doc, seed=source)
    pipelines = _named(docs, "Pipeline")
    if run.pipeline_spec is not None:
        raw_spec: Mapping[str, Any] = run.pipeline_spec
        spec_where = f"{source}: spec.pipelineSpec"
    elif run.pipeline_ref is not None:
        if run.pipeline_ref not in pipelines:
            given = ", ".join(sorted(pipelines)) or "none"
            raise MissingReferenceError(
                f'{source}: spec.pipelineRef.name: no Pipeline "{run.pipeline_ref}" in the files given '
                f"(Pipelines given: {given}); add its file with -f"
            )
        pipeline_source, pipeline_doc = pipelines[run.pipeline_ref]
        raw_spec = pipeline_doc.get("spec") or {}
        spec_where = f"{pipeline_source}: spec"
    else:
        raise InputError(f"{source}: spec: set pipelineRef or pipelineSpec")
    _check_cli_params(raw_spec, cli_params, source)
    tasks = {**_named(docs, "ClusterTask"), **_named(docs, "Task")}
    task_specs: dict[str, Mapping[str, Any]] = {}
    for section in ("tasks", "finally"):
        for i, pt in enumerate(raw_spec.get(section) or ()):
            if not isinstance(pt, Mapping):
                continue
            task_specs[str(pt.get("name"))] = _task_spec(pt, tasks, f"{spec_where}.{section}[{i}]")
    return RunInputs(run=run, source=source, raw_spec=raw_spec, task_specs=task_specs, bare_pipeline=bare)


def _task_spec(pt: Mapping[str, Any], tasks: Mapping[str, tuple[str, dict[str, Any]]], where: str) -> Mapping[str, Any]:
    embedded = pt.get("taskSpec")
    if isinstance(embedded, Mapping):
        return embedded
    ref = pt.get("taskRef") or {}
    name = str(ref.get("name", ""))
    if ref.get("resolver") or ref.get("bundle"):
        raise MissingReferenceError(
            f"{where}.taskRef: remote resolution ({ref.get('resolver') or 'bundles'}) is not run locally; "
            "give the Task's YAML with -f and refer to it by name"
        )
    if name not in tasks:
        given = ", ".join(sorted(tasks)) or "none"
        raise MissingReferenceError(
            f'{where}.taskRef.name: no Task "{name}" in the files given (Tasks given: {given}); add its file with -f'
        )
    return tasks[name][1].get("spec") or {}


def _merge_params(existing: list[Any], cli: Mapping[str, str]) -> list[Any]:
    merged = [p for p in existing if not (isinstance(p, Mapping) and p.get("name") in cli)]
    merged.extend({"name": k, "value": _cli_value(v)} for k, v in cli.items())
    return merged


def _cli_value(text: str) -> ParamValue:
    """`-p a=x` is a string; `-p a=[x,y]`-style JSON arrays/objects are allowed too."""
    import json

    if text.startswith(("[", "{")):
        try:
            return param_value(json.loads(text))
        except ValueError:
            return text
    return text


def _check_cli_params(raw_spec: Mapping[str, Any], cli: Mapping[str, str], source: str) -> None:
    declared = [str(p.get("name")) for p in raw_spec.get("params") or () if isinstance(p, Mapping)]
    for name in cli:
        if name not in declared:
            raise InputError(
                f'-p {name}: the Pipeline run from {source} declares no param "{name}" '
                f"(declared: {', '.join(declared) or 'none'}); check the name"
            )
