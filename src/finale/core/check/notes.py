"""The notes under `finale check`'s table: what "proved" means here, and remarks on the pipeline."""

from __future__ import annotations

from collections.abc import Iterator

from finale.core.check.model import CheckModel
from finale.core.check.play import Exploration

ABSTRACTION = (
    "proved over every run the engine's rules allow: any task may succeed, fail (or fail ignored, with "
    "onError: continue) in any order the DAG permits, and time out where a reporter reads its reason; "
    "a cancel, graceful cancel, graceful stop or timeout may come while any set of tasks runs, finally "
    "tasks included; a guard on a param the run does not set, or on a result, takes each value the guards "
    "compare plus any other value; other results hold placeholders; reporters reach GitLab"
)


def _classes(ex: Exploration) -> str:
    ab = ex.abstract
    if ab.exact:
        return "every task is its own class"
    grouped = [m for n, m in ab.members.items() if n not in ab.synthetic and len(m) > 1]
    kept = sum(1 for n, m in ab.members.items() if n not in ab.synthetic and len(m) == 1)
    return (
        f"tasks no reporter reads are grouped by which read tasks come before and after them: {kept} tasks "
        f"kept as they are, {sum(len(m) for m in grouped)} in {len(grouped)} classes (one member fails for "
        "its class), a stand-in delay before each kept task that follows grouped ones"
    )


def notes_for(model: CheckModel, ex: Exploration) -> Iterator[str]:
    green = next((o for o in ex.outcomes if not o.events and not o.dag_skipped), None)
    skipped = [n for n, why in (green.finally_skipped if green else {}).items() if why.startswith("When")]
    success = green is not None and any(p.state == "success" for p in green.finals)
    if green and green.condition.reason == "Completed" and skipped and success:
        yield (
            f"a green run ends Completed, not Succeeded: Tekton counts the finally task {skipped[0]} "
            "skipped by its when as a skipped task; GitLab still gets success"
        )
    yield from _none_notes(model)
    if not model.reporters:
        yield (
            "no reporter found: a reporter is a task whose taskRef (or embedded spec) is gitlab-set-status, "
            "or a task named with --reporter"
        )
    if model.timeouts.tasks is None:
        yield "timeouts.tasks is not set: its runs apply to PipelineRuns that set timeouts.tasks or timeouts.finally"
    yield f"{ABSTRACTION}; {_classes(ex)}; {len(ex.outcomes)} distinct runs over {ex.valuations} guard valuation(s)"
    if ex.capped:
        yield "more guard valuations exist than were played: the proof covers the first ones only"


def _none_notes(model: CheckModel) -> Iterator[str]:
    """Say that leaving `None` out of a reporter's guard is fine (the seed's answer lists it)."""
    for task in model.spec.finally_:
        guards = [w for w in task.when if w.input == "$(tasks.status)" and w.operator == "in"]
        if task.name in model.reporters and guards and all("None" not in w.values for w in guards):
            yield (
                f"{task.name}: its when does not list None; that is fine: finally tasks never see None "
                "($(tasks.status) is computed once every DAG task is done)"
            )
