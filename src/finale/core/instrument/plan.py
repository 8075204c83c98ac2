"""What `finale instrument` adds to a Pipeline spec so that GitLab always hears how it ended.

Pure: reads the spec as plain data and returns a `Plan`; the YAML text edit lives in
`finale.adapters.yaml.rewrite`. The pattern is the `finally` + `$(tasks.status)` one
(Tekton docs "Using Aggregate Execution Status of All Tasks").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from finale.core.gitlab.reporters import (
    CANCELED_NAME,
    FAILED_NAME,
    REPORTER_TASK,
    START_NAME,
    STATUS_NAME,
    SUCCESS_NAME,
    FlowList,
    Options,
    completed_means_stop,
    finally_tasks,
    inserted_names,
    is_reporter,
    is_start_reporter,
    reporter_task,
    spec_items,
    template_reporter,
    wiring_for,
)
from finale.core.instrument.completed import CompletedFix, plan_completed_fix
from finale.core.tekton.dag import result_producers
from finale.errors import FieldError, ValidationError

__all__ = [
    "CANCELED_NAME",
    "FAILED_NAME",
    "REPORTER_TASK",
    "START_NAME",
    "STATUS_NAME",
    "SUCCESS_NAME",
    "FlowList",
    "Options",
    "Plan",
    "RunAfterChange",
    "plan_instrument",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class RunAfterChange:
    """Edit of `spec.tasks[task].runAfter`: drop entries (by index), then add names."""

    task: int
    remove: tuple[int, ...] = ()
    add: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """Every insertion and removal, as indices into the original spec lists."""

    add_params: tuple[Mapping[str, Any], ...] = ()
    remove_tasks: tuple[int, ...] = ()
    add_finally: tuple[Mapping[str, Any], ...] = ()
    start_task: Mapping[str, Any] | None = None
    run_after: tuple[RunAfterChange, ...] = ()
    required_params: tuple[str, ...] = ()  # added params without a default
    # Finally tasks (not reporters) that can fail after success is posted, turning the run
    # Failed: told to the user, never changed (the fix, onError: continue, is their call).
    failing_finally: tuple[str, ...] = ()
    # Existing finally reporters brought up to date (see finale.core.instrument.completed).
    add_when: tuple[tuple[int, Mapping[str, Any]], ...] = ()
    add_task_params: tuple[tuple[int, Mapping[str, Any]], ...] = ()
    completed_fixed: bool = False  # existing reporters now post canceled for Completed

    def is_empty(self) -> bool:
        return not (
            self.add_params
            or self.remove_tasks
            or self.add_finally
            or self.start_task
            or self.run_after
            or self.add_when
            or self.add_task_params
        )


def _run_after(task: Mapping[str, Any]) -> list[str]:
    after = task.get("runAfter")
    return [str(a) for a in after] if isinstance(after, list) else []


def _run_after_changes(
    tasks: list[Mapping[str, Any]], removed: set[int], start: str | None
) -> tuple[RunAfterChange, ...]:
    """Drop references to moved reporters; make every root wait for the start status."""
    gone = {str(tasks[i].get("name", "")) for i in removed}
    known = {str(t.get("name", "")) for i, t in enumerate(tasks) if i not in removed}
    changes = []
    for index, task in enumerate(tasks):
        if index in removed:
            continue
        after = _run_after(task)
        drop = tuple(i for i, name in enumerate(after) if name in gone)
        kept = [name for name in after if name not in gone]
        is_root = not kept and not any(r in known for r in result_producers(task))
        add = (start,) if start and is_root else ()
        if drop or add:
            changes.append(RunAfterChange(task=index, remove=drop, add=add))
    return tuple(changes)


def _clashes(spec: Mapping[str, Any], names: set[str], removed: set[int], options: Options) -> list[FieldError]:
    errors = []
    for key in ("tasks", "finally"):
        for index, task in enumerate(spec_items(spec, key)):
            name = str(task.get("name", ""))
            if name not in names or (key == "tasks" and index in removed):
                continue
            errors.append(
                FieldError(
                    path=f"{key}[{index}].name",
                    message=f'a task named "{name}" already exists and is not one of the '
                    f"{options.task_ref} reporters finale adds",
                    hint=f'rename that task; finale needs the name "{name}" for its reporter',
                )
            )
    return errors


def _refuse_bad_tasks(tasks: list[Mapping[str, Any]], removed: set[int], source: str, path: str) -> None:
    if not tasks:
        raise ValidationError(
            source,
            [
                FieldError(
                    path=f"{path}.tasks",
                    message="missing field(s)",
                    hint="a Pipeline needs at least one task under tasks",
                )
            ],
        )
    if len(removed) == len(tasks):
        raise ValidationError(
            source,
            [
                FieldError(
                    path=f"{path}.tasks",
                    message="the only tasks are GitLab reporters",
                    hint="add the real work to tasks; finale moves reporters into finally",
                )
            ],
        )


def plan_instrument(spec: Mapping[str, Any], options: Options, source: str, path: str = "spec") -> Plan:
    """Plan the edits that make `spec` report its end to GitLab; empty when already done.

    Raises ValidationError (bad input) on a name clash or a spec without tasks.
    """
    tasks = spec_items(spec, "tasks")
    finals = spec_items(spec, "finally")
    removed = {i for i, t in enumerate(tasks) if is_reporter(t, options) and not is_start_reporter(t, options)}
    _refuse_bad_tasks(tasks, removed, source, path)
    need_finally = not any(is_reporter(t, options) for t in finals)
    need_start = options.start_status and not any(is_start_reporter(t, options) for t in tasks)
    stop_only = completed_means_stop([t for i, t in enumerate(tasks) if i not in removed])
    fix = plan_completed_fix(finals, options) if stop_only and not need_finally else CompletedFix()
    inserted = inserted_names(options, stop_only) if need_finally else set()
    inserted |= {CANCELED_NAME} if fix.add_finally else set()
    if need_start:
        inserted.add(START_NAME)
    errors = _clashes(spec, inserted, removed, options)
    if errors:
        raise ValidationError(
            source, [FieldError(path=f"{path}.{e.path}", message=e.message, hint=e.hint) for e in errors]
        )
    failing = _failing_finally(finals, options)
    if not (need_finally or need_start or removed) and fix == CompletedFix():
        return Plan(failing_finally=failing)
    wiring = wiring_for(spec, template_reporter(tasks, finals, options), options)
    start = reporter_task(START_NAME, "running", "Tekton pipeline is running", wiring) if need_start else None
    return Plan(
        add_params=wiring.new_params if need_finally or need_start else (),
        remove_tasks=tuple(sorted(removed)),
        add_finally=finally_tasks(wiring, options, stop_only) if need_finally else fix.add_finally,
        start_task=start,
        run_after=_run_after_changes(tasks, removed, START_NAME if need_start else None),
        required_params=tuple(wiring.required) if need_finally or need_start else (),
        failing_finally=failing,
        add_when=fix.add_when,
        add_task_params=fix.add_task_params,
        completed_fixed=fix != CompletedFix(),
    )


def _failing_finally(finals: list[Mapping[str, Any]], options: Options) -> tuple[str, ...]:
    # A failing finally task makes the run Failed (spec §4.4) unless onError is continue.
    return tuple(
        str(t.get("name", "")) for t in finals if not is_reporter(t, options) and t.get("onError") != "continue"
    )
