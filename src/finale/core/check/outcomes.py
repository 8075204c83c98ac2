"""What one explored run of a PipelineRun looks like to GitLab: its story, posts and ending."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from finale.core.check.model import CheckModel
from finale.core.gitlab.state import parse_state, resolve_state
from finale.core.tekton import run_condition
from finale.core.tekton.model import PipelineTask

FINAL_STATES = frozenset({"success", "failed", "canceled"})
HARD = frozenset({"cancelled", "pipeline-timeout"})  # Tekton runs no (further) finally task


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """One thing that happened in a run, in order: a task's outcome, a post, an interruption."""

    what: str  # fails, ignored, timeout, value, posts, interrupt, finally-fails, waits
    task: str = ""
    detail: str = ""  # a result value, the interruption's kind, the state posted
    running: tuple[str, ...] = ()  # what ran when the interruption came
    in_finally: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Post:
    reporter: str
    is_finally: bool
    context: str
    state: str  # a GitLab state, or the STATE text when it is not one


@dataclass(frozen=True, kw_only=True)
class Outcome:
    events: tuple[Event, ...]
    valuation: tuple[tuple[str, str], ...]  # the guard variables' values in this run
    aggregate: str  # `$(tasks.status)` the finally tasks saw; "" when finally never ran
    finally_ran: tuple[str, ...]
    finally_skipped: Mapping[str, str]
    posts: tuple[Post, ...]
    condition: run_condition.Condition
    view: tuple[object, ...]  # everything a finally task can read
    read_view: tuple[object, ...] = ()  # what the reporters read, and the onError: continue tasks
    dag_skipped: Mapping[str, str] = field(default_factory=dict)
    reporter_runs: Mapping[str, str] = field(default_factory=dict)  # DAG reporter -> its TaskRun's state

    @property
    def interrupt(self) -> Event | None:
        return next((e for e in self.events if e.what == "interrupt"), None)

    @property
    def kind(self) -> str:
        """The interruption's kind, or "" for a run nobody interrupted."""
        found = self.interrupt
        return found.detail if found else ""

    @property
    def in_finally(self) -> bool:
        found = self.interrupt
        return bool(found and found.in_finally)

    @property
    def hard(self) -> bool:
        """No finally reporter can answer for this ending (Tekton ran none, or they had decided)."""
        return self.in_finally or self.kind in HARD

    @property
    def finally_fails(self) -> str:
        return next((e.task for e in self.events if e.what == "finally-fails"), "")

    @property
    def finals(self) -> tuple[Post, ...]:
        return tuple(p for p in self.posts if p.state in FINAL_STATES)

    @property
    def size(self) -> int:
        """How much happened: the counterexample shown is the smallest."""
        noted = sum(1 for e in self.events if e.what not in ("posts", "value"))
        return noted + len([k for k, why in self.dag_skipped.items() if why.startswith("When")])


def post_of(model: CheckModel, task: PipelineTask) -> Post:
    """What a reporter posts, from its resolved params (or its Task's defaults)."""
    reporter = model.reporters[task.name]
    given = task.params.get("STATE", reporter.state_default or "")
    text = given if isinstance(given, str) else str(given)
    state = parse_state(text.strip())
    if state is None:
        try:
            # Our Task also takes an aggregate status, and posts COMPLETED_STATE for Completed.
            state = resolve_state(text, _completed_state(model, task)).state
        except ValueError:
            state = None
    context = task.params.get("CONTEXT")
    default_context = _param_default(model.task_specs.get(task.name), "CONTEXT") or "(the Task's default)"
    return Post(
        reporter=task.name,
        is_finally=task.is_finally,
        context=context if isinstance(context, str) else default_context,
        state=state.value if state is not None else text,
    )


def _completed_state(model: CheckModel, task: PipelineTask) -> str:
    given = task.params.get("COMPLETED_STATE", _param_default(model.task_specs.get(task.name), "COMPLETED_STATE"))
    return given if isinstance(given, str) else ""


def _param_default(task_spec: Mapping[str, object] | None, name: str) -> str | None:
    params = (task_spec or {}).get("params") or ()
    for p in params if isinstance(params, list | tuple) else ():
        if isinstance(p, Mapping) and p.get("name") == name and isinstance(p.get("default"), str):
            return str(p["default"])
    return None
