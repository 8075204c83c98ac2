"""Bring finally reporters that are already there up to date on graceful stops.

The seed answer posts success for `$(tasks.status)` = Completed. Where no DAG task has a
`when` or a `matrix`, Completed can only follow a graceful stop, after which the run ends
Cancelled (tekton-semantics §2.9, §5.2): these edits make it post canceled, by insertion only.
Pure: plain data in, the edits out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from finale.core.gitlab.reporters import (
    CANCELED_NAME,
    FlowList,
    Options,
    Wiring,
    canceled_reporter,
    is_reporter,
    task_params,
)
from finale.core.gitlab.state import COMPLETED_CHOICES, parse_state

_COMPLETED = "Completed"
_STATUS = "$(tasks.status)"


@dataclass(frozen=True, slots=True, kw_only=True)
class CompletedFix:
    """Edits by index into `finally`: a when expression or a param to append, a task to add."""

    add_when: tuple[tuple[int, Mapping[str, Any]], ...] = ()
    add_task_params: tuple[tuple[int, Mapping[str, Any]], ...] = ()
    add_finally: tuple[Mapping[str, Any], ...] = ()


def _runs_for(task: Mapping[str, Any], aggregate: str) -> bool | None:
    """Whether the task's `when` lets it run for this `$(tasks.status)`; None when it also
    depends on something else (another input, CEL), which we do not second-guess."""
    when = task.get("when")
    if when is None:
        return True
    if not isinstance(when, list):
        return None
    runs = True
    for w in when:
        values = w.get("values") if isinstance(w, Mapping) else None
        if not isinstance(w, Mapping) or w.get("input") != _STATUS or not isinstance(values, list):
            return None
        if w.get("operator") not in ("in", "notin"):
            return None
        runs = runs and ((aggregate in values) == (w.get("operator") == "in"))
    return runs


def _state_for_completed(task: Mapping[str, Any]) -> str | None:
    """The GitLab state the reporter posts for Completed; None when it cannot be told."""
    params = task_params(task)
    state = str(params.get("STATE", "")).strip()
    if parse_state(state) is not None:
        return state
    if state != _STATUS:
        return None
    # Our Task maps the aggregate itself: Completed posts COMPLETED_STATE, success by default.
    completed = str(params.get("COMPLETED_STATE", "success")).strip()
    found = parse_state(completed)
    return found.value if found in COMPLETED_CHOICES else None


def _always_success(task: Mapping[str, Any]) -> bool:
    """STATE success without a guard: it posts success for failures too (finale check says so)."""
    return not task.get("when") and str(task_params(task).get("STATE", "")).strip() == "success"


def _not_completed() -> Mapping[str, Any]:
    return {"input": _STATUS, "operator": "notin", "values": FlowList((_COMPLETED,))}


def plan_completed_fix(finals: Sequence[Mapping[str, Any]], options: Options) -> CompletedFix:
    """Make the existing finally reporters post canceled, not success, for Completed.

    Call only when Completed can only mean a graceful stop. Nothing changes when a reporter's
    guard or state cannot be read, or when Completed already posts something else than success.
    """
    posting: list[tuple[int, Mapping[str, Any]]] = []
    for index, task in enumerate(finals):
        if not is_reporter(task, options):
            continue
        runs = _runs_for(task, _COMPLETED)
        state = _state_for_completed(task) if runs else ""
        if runs is None or state is None or (runs and _always_success(task)):
            return CompletedFix()  # unreadable, or a defect of another kind: left to the user
        if runs:
            posting.append((index, task))
    if len(posting) > 1:
        return CompletedFix()
    template = posting[0][1] if posting else _first_reporter(finals, options)
    if template is None or (posting and _state_for_completed(template) != "success"):
        return CompletedFix()
    if posting and str(task_params(template).get("STATE", "")).strip() == _STATUS:
        if "COMPLETED_STATE" in task_params(template):
            return CompletedFix()  # set to success on purpose
        param = {"name": "COMPLETED_STATE", "value": "canceled"}
        return CompletedFix(add_task_params=((posting[0][0], param),))
    added = (canceled_reporter(_copied_wiring(template)),)
    if not posting:
        return CompletedFix(add_finally=added)
    return CompletedFix(add_when=((posting[0][0], _not_completed()),), add_finally=added)


def _first_reporter(finals: Sequence[Mapping[str, Any]], options: Options) -> Mapping[str, Any] | None:
    return next((t for t in finals if is_reporter(t, options)), None)


def _copied_wiring(template: Mapping[str, Any]) -> Wiring:
    """The template reporter's params and taskRef as they are: nothing new to declare."""
    params = {k: v for k, v in task_params(template).items() if k not in ("STATE", "DESCRIPTION", "COMPLETED_STATE")}
    ref = template.get("taskRef")
    return Wiring(params=params, task_ref=ref if isinstance(ref, Mapping) else {}, new_params=(), required=())


__all__ = ["CANCELED_NAME", "CompletedFix", "plan_completed_fix"]
