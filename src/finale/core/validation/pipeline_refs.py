"""Pipeline rules about `$(...)` references: params, status variables, results, prefixes.

From pkg/apis/pipeline/v1/pipeline_validation.go (`validateExecutionStatusVariables`,
`validateFinalTasks`, `validatePipelineResults`, `validateVarSubstitutionExpressions`,
`validatePipelineParameterUsage`) and param_types.go.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence

from finale.core.validation import vars as vv
from finale.core.validation.common import Errors, ParamVal, go_quote, param_value
from finale.core.validation.params import ParamNames
from finale.record import Record, set_field

TYPE_CHECKING = False  # typing costs start-up time; mypy reads the block below as true
if TYPE_CHECKING:
    from typing import Any


# Records, not dataclasses or NamedTuples: `finale validate` starts faster (finale/record.py).
class ParamEntry(Record):
    __slots__ = ("exprs", "name", "path", "value")
    path: str  # e.g. spec.tasks[2].params[url]
    name: str
    value: ParamVal
    exprs: tuple[str, ...]

    def __init__(self, path: str, name: str, value: ParamVal, exprs: tuple[str, ...] = ()) -> None:
        set_field(self, "path", path)
        set_field(self, "name", name)
        set_field(self, "value", value)
        set_field(self, "exprs", exprs)

    def expressions(self) -> list[str]:
        return list(self.exprs)


class WhenEntry(Record):
    __slots__ = ("cel", "input", "path", "values")
    path: str
    input: str
    values: tuple[str, ...]
    cel: str

    def __init__(self, path: str, input: str, values: tuple[str, ...], cel: str) -> None:
        set_field(self, "path", path)
        set_field(self, "input", input)
        set_field(self, "values", values)
        set_field(self, "cel", cel)

    def expressions(self) -> list[str]:
        texts = [self.input, self.cel, *self.values]
        return [e for text in texts for e in vv.expressions(text)]


class PTask(Record):
    """One PipelineTask as the reference rules need it, its params and guards read once."""

    __slots__ = ("every_param", "name", "params", "path", "raw", "whens")
    path: str  # e.g. spec.tasks[2]
    name: str
    raw: Mapping[str, Any]
    params: tuple[ParamEntry, ...]
    every_param: tuple[ParamEntry, ...]  # params + matrix.params + matrix.include[].params
    whens: tuple[WhenEntry, ...]

    def __init__(
        self,
        path: str,
        name: str,
        raw: Mapping[str, Any],
        params: tuple[ParamEntry, ...] = (),
        every_param: tuple[ParamEntry, ...] = (),
        whens: tuple[WhenEntry, ...] = (),
    ) -> None:
        set_field(self, "path", path)
        set_field(self, "name", name)
        set_field(self, "raw", raw)
        set_field(self, "params", params)
        set_field(self, "every_param", every_param)
        set_field(self, "whens", whens)


def _maps(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _entry(raw: Mapping[str, Any], path: str) -> ParamEntry:
    name = str(raw.get("name", ""))
    value = param_value(raw.get("value"))
    exprs = tuple(e for text in value.texts() for e in vv.expressions(text))
    return ParamEntry(f"{path}[{name}]", name, value, exprs)


def params_of(owner: Mapping[str, Any], path: str, field: str = "params") -> list[ParamEntry]:
    return [_entry(p, f"{path}.{field}") for p in _maps(owner.get(field))]


def matrix_of(pt: PTask) -> Mapping[str, Any]:
    matrix = pt.raw.get("matrix")
    return matrix if isinstance(matrix, Mapping) else {}


def is_matrixed(pt: PTask) -> bool:
    matrix = matrix_of(pt)
    return bool(_maps(matrix.get("params")) or _maps(matrix.get("include")))


def make_ptask(path: str, name: str, raw: Mapping[str, Any]) -> PTask:
    params = params_of(raw, path)
    every = list(params)
    matrix = raw.get("matrix")
    if isinstance(matrix, Mapping):
        every += params_of(matrix, f"{path}.matrix")
        for k, include in enumerate(_maps(matrix.get("include"))):
            every += params_of(include, f"{path}.matrix.include[{k}]")
    return PTask(path, name, raw, tuple(params), tuple(every), tuple(_whens(raw, path)))


def _whens(raw: Mapping[str, Any], path: str) -> Iterator[WhenEntry]:
    when = raw.get("when")
    for j, item in enumerate(when if isinstance(when, list) else []):
        if isinstance(item, Mapping):
            values = item.get("values")
            yield WhenEntry(
                f"{path}.when[{j}]",
                item["input"] if isinstance(item.get("input"), str) else "",
                tuple(v for v in values if isinstance(v, str)) if isinstance(values, list) else (),
                item["cel"] if isinstance(item.get("cel"), str) else "",
            )


def _is_status_ref(expr: str) -> bool:
    return expr.startswith("tasks.") and (expr.endswith(".status") or expr.endswith(".reason"))


def _has_result_ref(exprs: Sequence[str]) -> bool:
    return any(vv.looks_like_result_ref(e) for e in exprs)


def check_status_variables(errs: Errors, tasks: Sequence[PTask], finally_: Sequence[PTask]) -> None:
    """P10/P11: status variables only in finally, and only about DAG tasks."""
    for pt in tasks:
        for path, exprs in _param_and_when_exprs(pt):
            # Tekton skips the check when the same value also holds a result reference.
            if not _has_result_ref(exprs) and any(_is_status_ref(e) for e in exprs):
                errs.add(
                    path,
                    "invalid value: pipeline tasks can not refer to execution status of "
                    "any other pipeline task or aggregate status of tasks",
                    "use $(tasks.status) and $(tasks.NAME.status) only in finally tasks",
                )
    dag_names = {pt.name for pt in tasks}
    for pt in finally_:
        for path, exprs in _param_and_when_exprs(pt):
            if _has_result_ref(exprs):
                continue
            for expr in exprs:
                if expr == "tasks.status" or not _is_status_ref(expr):
                    continue
                name = expr.removeprefix("tasks.").rsplit(".", 1)[0]
                if name not in dag_names:
                    errs.add(
                        path,
                        f"invalid value: pipeline task {name} is not defined in the pipeline",
                        f"name one of the tasks under spec.tasks: {', '.join(sorted(dag_names)) or 'none'}",
                    )


def _param_and_when_exprs(pt: PTask) -> Iterator[tuple[str, list[str]]]:
    for p in pt.params:
        if exprs := p.expressions():
            yield f"{p.path}.value", exprs
    for w in pt.whens:
        if exprs := w.expressions():
            yield w.path, exprs


def check_finally_results(errs: Errors, tasks: Sequence[PTask], finally_: Sequence[PTask]) -> None:
    """P13: finally tasks read results of DAG tasks only."""
    dag_names = {pt.name for pt in tasks}
    final_names = {pt.name for pt in finally_}
    for pt in finally_:
        for path, exprs in _param_and_when_exprs(pt):
            for expr in exprs:
                producer = vv.result_ref_task(expr)
                if producer is None:
                    continue
                if producer in final_names:
                    errs.add(
                        path,
                        "invalid value: invalid task result reference, final task has "
                        f"task result reference from a final task {producer}",
                        "finally tasks can only read results of tasks under spec.tasks",
                    )
                elif producer not in dag_names:
                    errs.add(
                        path,
                        "invalid value: invalid task result reference, final task has "
                        f"task result reference from a task {producer} which is not defined "
                        "in the pipeline",
                        "name a task under spec.tasks",
                    )


_VALID_PREFIXES = ("params", "tasks", "finally", "context", "workspaces", "results")


def check_prefixes(errs: Errors, tasks: Sequence[PTask]) -> None:
    """P25 (Tekton v1.14+): the first segment of each reference must be a known prefix."""
    for pt in tasks:
        entries = pt.every_param if is_matrixed(pt) else pt.params
        places = [(f"{p.path}.value", p.expressions()) for p in entries]
        places += [(w.path, w.expressions()) for w in pt.whens]
        for path, exprs in places:
            for expr in exprs:
                if expr.split(".", 1)[0] not in _VALID_PREFIXES:
                    errs.add(
                        path,
                        f"invalid value: invalid variable reference "
                        f"{go_quote('$(' + expr + ')')}, must start with a valid prefix: "
                        "params, tasks, finally, context, workspaces, or results; if you meant "
                        "a shell variable, use ${VAR} instead",
                        "write shell variables as ${VAR}, or fix the reference's prefix",
                    )


def check_pipeline_results(
    errs: Errors,
    spec: Mapping[str, Any],
    tasks: Sequence[PTask],
    finally_: Sequence[PTask],
    path: str,
) -> None:
    """P24: pipeline results are made of task result references to existing tasks."""
    names = {"tasks": {pt.name for pt in tasks}, "finally": {pt.name for pt in finally_}}
    for k, result in enumerate(_maps(spec.get("results"))):
        here = f"{path}.results[{k}].value"
        value = param_value(result.get("value"))
        exprs = [e for text in value.texts() for e in vv.expressions(text)]
        hint = "set value to a task result, e.g. $(tasks.build.results.digest)"
        if not exprs:
            errs.add(
                here,
                "invalid value: expected pipeline results to be task result expressions but no expressions were found",
                hint,
            )
        if not _has_result_ref(exprs):
            errs.add(
                here,
                "invalid value: expected pipeline results to be task result "
                "expressions but an invalid expressions was found",
                hint,
            )
        if not _refers_to_known_tasks(value.string, names):
            errs.add(
                here, "invalid value: referencing a nonexistent task", "name a task under spec.tasks or spec.finally"
            )


def _refers_to_known_tasks(text: str, names: Mapping[str, set[str]]) -> bool:
    """Tekton's `taskContainsResult`: every `$`-piece must be a result of a known task."""
    for piece in text.split("$"):
        if not piece:
            continue
        expr = ("$" + piece).removeprefix("$(").removesuffix(")")
        producer = vv.result_ref_task(expr)
        if producer is None:
            return False
        section = expr.split(".", 1)[0]
        if producer not in names.get(section, set()):
            return False
    return True


def check_param_usage(errs: Errors, tasks: Sequence[PTask], names: ParamNames) -> None:
    """P17/P18 for a standalone Pipeline: references name declared params of the right type."""
    for pt in tasks:
        entries = pt.every_param if is_matrixed(pt) else pt.params
        for p in entries:
            _check_param_entry(errs, p, names)
        for w in pt.whens:
            _add(
                errs,
                names.all,
                f"{w.path}.input",
                vv.string_messages(w.input, names.all, names.arrays, names.object_keys),
            )
            for value in w.values:
                check = vv.array_messages if _array_ref_name(value) in names.arrays else vv.string_messages
                _add(errs, names.all, f"{w.path}.values", check(value, names.all, names.arrays, names.object_keys))


def _array_ref_name(value: str) -> str:
    return value.removeprefix("$(params.").removesuffix("[*])")


def _check_param_entry(errs: Errors, p: ParamEntry, names: ParamNames) -> None:
    if p.value.type == "array":
        for i, item in enumerate(p.value.array):
            _add(
                errs,
                names.all,
                f"{p.path}.value[{i}]",
                vv.array_messages(item, names.all, names.arrays, names.object_keys),
            )
    elif p.value.type == "object":
        for k, item in p.value.obj.items():
            _add(
                errs,
                names.all,
                f"{p.path}.properties[{k}]",
                vv.string_messages(item, names.all, names.arrays, names.object_keys),
            )
    elif vv.is_whole_ref(p.value.string):
        message = vv.unknown(p.value.string, "params", names.all)
        _add(errs, names.all, p.path, [message] if message else [])
    else:
        _add(errs, names.all, p.path, vv.string_messages(p.value.string, names.all, names.arrays, names.object_keys))


def _add(errs: Errors, declared: Collection[str], path: str, messages: Sequence[str]) -> None:
    for message in messages:
        errs.add(path, message, vv.hint_for(message, declared))


def check_context_variables(errs: Errors, tasks: Sequence[PTask]) -> None:
    """P21: unknown `$(context.…)` names. Tekton only looks at the last task of each list."""
    if not tasks:
        return
    pt = tasks[-1]
    allowed = (
        ("context\\.pipelineRun", {"name", "namespace", "uid"}),
        ("context\\.pipeline", {"name"}),
        ("context\\.pipelineTask", {"retries"}),
    )
    for p in pt.every_param:
        for text in p.value.texts():
            for prefix, names in allowed:
                message = vv.unknown(text, prefix, names)
                if message:
                    errs.add(
                        f"{p.path}.value",
                        message,
                        "use context.pipelineRun.name|namespace|"
                        "uid, context.pipeline.name or context.pipelineTask.retries",
                    )
