"""What `finale check` reasons about: the Pipeline with run values applied, its reporters, and
which DAG tasks the finally tasks can observe. Pure: built from documents already read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from finale.core.tekton import dag
from finale.core.tekton.model import ParamValue, PipelineRun, PipelineSpec, PipelineTask, Timeouts, WhenExpression
from finale.core.tekton.params import param_values
from finale.core.tekton.parse import TEKTON_API_VERSIONS, pipeline_run, pipeline_spec, to_v1
from finale.core.tekton.resolve import RunFailure, apply_run_values
from finale.core.tekton.variables import result_refs, strings_in
from finale.errors import InputError, MissingReferenceError
from finale.record import replace

REPORTER_TASK = "gitlab-set-status"
_STATUS_REF = re.compile(r"\$\(tasks\.([^.\[\]()\s]+)\.(?:status|reason)\)")
_REASON_REF = re.compile(r"\$\(tasks\.([^.\[\]()\s]+)\.reason\)")


@dataclass(frozen=True, slots=True, kw_only=True)
class Reporter:
    """A PipelineTask that posts a GitLab commit status."""

    name: str
    is_finally: bool
    state_default: str | None = None  # the Task's STATE default, when the Task was given


@dataclass(frozen=True, kw_only=True)
class CheckModel:
    source: str
    run_name: str
    spec: PipelineSpec
    parents: Mapping[str, tuple[str, ...]]
    reporters: Mapping[str, Reporter]
    task_specs: Mapping[str, Mapping[str, Any]]  # by PipelineTask name, where known
    timeouts: Timeouts
    observed: frozenset[str]  # DAG tasks whose status, reason or results finally tasks read
    results: Mapping[str, tuple[str, ...]]  # results each DAG task can write
    waves: Mapping[str, int] = field(default_factory=dict)  # 1 = roots, with every guard true
    declared_when: Mapping[str, tuple[WhenExpression, ...]] = field(default_factory=dict)  # before params
    fixed_params: frozenset[str] = frozenset()  # set by the PipelineRun: not free in guards
    reason_read: frozenset[str] = frozenset()  # DAG tasks whose $(tasks.<t>.reason) a reader uses

    @property
    def depth(self) -> int:
        return max(self.waves.values(), default=0)

    @property
    def view_tasks(self) -> frozenset[str]:
        """DAG tasks whose status and reason tell outcome classes apart for the reporters: the
        ones they read, and every `onError: continue` task, whose `FailureIgnored` reason is the
        only sign of an ignored failure a reporter can read (spec §5.1)."""
        return self.observed | frozenset(t.name for t in self.spec.tasks if t.continues_on_error)


def _v1_docs(docs: Sequence[tuple[str, Mapping[str, Any]]], kind: str) -> list[tuple[str, dict[str, Any]]]:
    return [(s, to_v1(d)) for s, d in docs if d.get("kind") == kind and d.get("apiVersion") in TEKTON_API_VERSIONS]


def _name(doc: Mapping[str, Any]) -> str:
    return str((doc.get("metadata") or {}).get("name", ""))


def _pick(docs: Sequence[tuple[str, Mapping[str, Any]]]) -> tuple[str, PipelineRun, Mapping[str, Any]]:
    """The PipelineRun (or the one Pipeline) to check, with its Pipeline spec."""
    runs = _v1_docs(docs, "PipelineRun")
    pipelines = {_name(d): (s, d) for s, d in _v1_docs(docs, "Pipeline")}
    if len(runs) > 1:
        raise InputError(f"several PipelineRuns given ({', '.join(s for s, _ in runs)}): check one at a time")
    if runs:
        source, doc = runs[0]
        run = pipeline_run(doc, seed=source)
        if run.pipeline_spec is not None:
            return source, run, run.pipeline_spec
        if run.pipeline_ref in pipelines:
            return source, run, pipelines[run.pipeline_ref][1].get("spec") or {}
        given = ", ".join(sorted(pipelines)) or "none"
        raise MissingReferenceError(
            f'{source}: spec.pipelineRef.name: no Pipeline "{run.pipeline_ref}" in the files given '
            f"(Pipelines given: {given}); add its file with -f"
        )
    if len(pipelines) != 1:
        what = "several Pipelines" if pipelines else "no PipelineRun or Pipeline"
        raise InputError(f"{what} in the files given with -f: check one Pipeline (or PipelineRun) at a time")
    name, (source, doc) = next(iter(pipelines.items()))
    run_doc = {"metadata": {"name": f"{name}-run"}, "spec": {"pipelineRef": {"name": name}}}
    return source, pipeline_run(run_doc, seed=source), doc.get("spec") or {}


def _placeholder_values(spec: PipelineSpec, run: PipelineRun) -> dict[str, ParamValue]:
    """Params the run does not set and that have no default keep their reference as text; an
    array gets one such item (an empty one would skip a matrix task in every class)."""
    given: dict[str, ParamValue] = dict(run.params)
    for p in spec.params:
        if p.default is None and p.name not in given:
            text = f"$(params.{p.name})"
            given[p.name] = [text] if p.type == "array" else {} if p.type == "object" else text
    return given


def _task_specs(raw_spec: Mapping[str, Any], docs: Sequence[tuple[str, Mapping[str, Any]]]) -> dict[str, Any]:
    tasks = {_name(d): d.get("spec") or {} for _, d in _v1_docs(docs, "Task")}
    out: dict[str, Any] = {}
    for section in ("tasks", "finally"):
        for pt in raw_spec.get(section) or ():
            if not isinstance(pt, Mapping):
                continue
            ref = pt.get("taskRef")
            ref_name = str(ref.get("name", "")) if isinstance(ref, Mapping) else ""
            if isinstance(pt.get("taskSpec"), Mapping):
                out[str(pt.get("name"))] = pt["taskSpec"]
            elif ref_name in tasks:
                out[str(pt.get("name"))] = tasks[ref_name]
    return out


def is_reporter_task(task: PipelineTask, extra: frozenset[str]) -> bool:
    """`gitlab-set-status` by taskRef (or resolver `name` param), by embedded spec name, or named."""
    if task.name in extra or task.task_ref == REPORTER_TASK:
        return True
    ref = task.raw.get("taskRef")
    if isinstance(ref, Mapping):
        for p in ref.get("params") or ():
            if isinstance(p, Mapping) and p.get("name") == "name" and p.get("value") == REPORTER_TASK:
                return True
    meta = (task.task_spec or {}).get("metadata")
    return isinstance(meta, Mapping) and meta.get("name") == REPORTER_TASK


def _state_default(task_spec: Mapping[str, Any] | None) -> str | None:
    for p in (task_spec or {}).get("params") or ():
        if isinstance(p, Mapping) and p.get("name") == "STATE" and isinstance(p.get("default"), str):
            return str(p["default"])
    return None


def _reader_fields(spec: PipelineSpec, reporters: Mapping[str, Reporter]) -> list[dict[str, Any]]:
    readers = [*spec.finally_, *(t for t in spec.tasks if t.name in reporters)]
    return [{"params": t.raw.get("params"), "when": t.raw.get("when")} for t in readers]


def _observed(spec: PipelineSpec, reporters: Mapping[str, Reporter]) -> frozenset[str]:
    dag_names = {t.name for t in spec.tasks}
    found: set[str] = set()
    for fields in _reader_fields(spec, reporters):
        found.update(p for p, _ in result_refs(fields))
        found.update(m.group(1) for text in strings_in(fields) for m in _STATUS_REF.finditer(text))
    return frozenset(found & dag_names)


def _reason_read(spec: PipelineSpec, reporters: Mapping[str, Reporter]) -> frozenset[str]:
    texts = (text for fields in _reader_fields(spec, reporters) for text in strings_in(fields))
    return frozenset(m.group(1) for text in texts for m in _REASON_REF.finditer(text))


def _results(spec: PipelineSpec, task_specs: Mapping[str, Mapping[str, Any]]) -> dict[str, tuple[str, ...]]:
    """Declared results, plus any result a consumer names (the Task may not have been given)."""
    names: dict[str, list[str]] = {t.name: [] for t in spec.tasks}
    for t in spec.tasks:
        for r in task_specs.get(t.name, {}).get("results") or ():
            if isinstance(r, Mapping) and r.get("name"):
                names[t.name].append(str(r["name"]))
    for t in spec.all_tasks():
        for producer, result in result_refs(t.raw):
            if producer in names and result and result not in names[producer]:
                names[producer].append(result)
    return {k: tuple(v) for k, v in names.items()}


def _waves(spec: PipelineSpec, parents: Mapping[str, tuple[str, ...]]) -> dict[str, int]:
    """1 for roots, else one more than the latest parent (without recursion: chains are long)."""
    waves: dict[str, int] = {}
    pending = [t.name for t in spec.tasks]
    while pending:
        rest = [n for n in pending if not all(p in waves for p in parents.get(n, ()))]
        for n in pending:
            if n not in rest:
                waves[n] = 1 + max((waves[p] for p in parents.get(n, ())), default=0)
        if len(rest) == len(pending):  # a cycle: validation refuses it
            waves.update((n, 1) for n in rest)
            break
        pending = rest
    return waves


def build_model(docs: Sequence[tuple[str, Mapping[str, Any]]], extra_reporters: Sequence[str] = ()) -> CheckModel:
    source, run, raw_spec = _pick(docs)
    declared = pipeline_spec(raw_spec)
    values = param_values(declared, replace(run, params=_placeholder_values(declared, run)))
    if isinstance(values, RunFailure):
        raise InputError(f"{source}: {values.message}")
    spec = apply_run_values(raw_spec, values, run, {w.name for w in declared.workspaces})
    task_specs = _task_specs(raw_spec, docs)
    names = {t.name for t in spec.all_tasks()}
    unknown = [n for n in extra_reporters if n not in names]
    if unknown:
        raise InputError(
            f"--reporter {unknown[0]}: no PipelineTask of that name in {source} (tasks: {', '.join(sorted(names))})"
        )
    extra = frozenset(extra_reporters)
    reporters = {
        t.name: Reporter(name=t.name, is_finally=t.is_finally, state_default=_state_default(task_specs.get(t.name)))
        for t in spec.all_tasks()
        if is_reporter_task(t, extra)
    }
    parents = dag.build(spec)
    return CheckModel(
        source=source,
        run_name=run.name,
        spec=spec,
        parents=parents,
        reporters=reporters,
        task_specs=task_specs,
        timeouts=run.timeouts,
        observed=_observed(spec, reporters),
        results=_results(spec, task_specs),
        waves=_waves(spec, parents),
        declared_when={t.name: t.when for t in declared.all_tasks()},
        fixed_params=frozenset(run.params),
        reason_read=_reason_read(spec, reporters),
    )
