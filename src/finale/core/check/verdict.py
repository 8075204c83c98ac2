"""`finale check`: every outcome of a PipelineRun reports exactly one final GitLab status.

Plays each outcome class (check_classes) with the engine's rules (check_outcomes) and judges
what the reporters post against how the PipelineRun itself ends. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from finale.core.check.classes import scenarios
from finale.core.check.model import CheckModel, Reporter, build_model
from finale.core.check.outcomes import Outcome, Scenario, simulate
from finale.core.check.words import describe, explain_none, explain_several, explain_wrong, limit_cover
from finale.core.tekton.when import CelEvaluationError
from finale.errors import InputError

IssueKind = Literal["no-status", "several", "contradiction", "bad-state"]
VERDICTS = {"no-status": "NO STATUS", "several": "SEVERAL", "contradiction": "CONTRADICTION", "bad-state": "BAD STATE"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Issue:
    kind: IssueKind
    context: str
    text: str  # the counterexample in plain words, ending with the fix
    limit: bool = False  # no in-pipeline reporter can avoid it (fails only with --strict)


@dataclass(frozen=True, kw_only=True)
class ClassResult:
    outcome: Outcome
    label: str
    limit: bool  # every issue is a limit, or Tekton runs no finally task (listed apart)
    issues: tuple[Issue, ...]
    covered_by: str = ""

    @property
    def verdict(self) -> str:
        return ", ".join(dict.fromkeys(VERDICTS[i.kind] for i in self.issues)) or "ok"


@dataclass(frozen=True, kw_only=True)
class CheckReport:
    source: str
    reporters: tuple[Reporter, ...]
    classes: tuple[ClassResult, ...]
    notes: tuple[str, ...]

    def problems(self, *, strict: bool = False) -> tuple[ClassResult, ...]:
        return tuple(c for c in self.classes if any(strict or not i.limit for i in c.issues))

    def passed(self, *, strict: bool = False) -> bool:
        return not self.problems(strict=strict)


def check_documents(docs: Sequence[tuple[str, Mapping[str, Any]]], reporters: Sequence[str] = ()) -> CheckReport:
    return check_model(build_model(docs, reporters))


def check_model(model: CheckModel) -> CheckReport:
    try:
        outcomes = [simulate(model, sc) for sc in scenarios(model)]
        outcomes += _finally_failures(model, outcomes)
    except CelEvaluationError as exc:
        raise InputError(f"{model.source}: a CEL guard cannot be evaluated: {exc}") from None
    contexts = _contexts(outcomes)
    results = tuple(_judge(model, o, contexts, outcomes) for o in outcomes)
    return CheckReport(
        source=model.source,
        reporters=tuple(model.reporters.values()),
        classes=results,
        notes=tuple(_notes(model, outcomes)),
    )


def _finally_failures(model: CheckModel, outcomes: list[Outcome]) -> list[Outcome]:
    """A failing finally task turns a run Failed after the reporters decided: play it once, in
    the first class where a reporter posts success (elsewhere it changes nothing judged here)."""
    for o in outcomes:
        if not any(p.state == "success" for p in o.finals) or o.condition.status != "True":
            continue
        for name in o.finally_ran:
            task = model.spec.task(name)
            if name not in model.reporters and task is not None and not task.continues_on_error:
                return [simulate(model, replace(o.scenario, finally_fails=name))]
    return []


def _contexts(outcomes: list[Outcome]) -> tuple[str, ...]:
    found = dict.fromkeys(p.context for o in outcomes for p in o.posts)
    return tuple(found) or ("",)


# Runs nobody interrupted: a reporter must get these right whatever else shares their view.
_UNINTERRUPTED = frozenset({"green", "when", "fail", "fail-ignored"})


def _twin(o: Outcome, outcomes: Sequence[Outcome]) -> Outcome | None:
    """A class where the state `o` should not post is right, and which the finally tasks cannot
    tell from `o`: same $(tasks.status), same status, reason and results of the tasks they read.

    Its contradiction is then a limit of the in-pipeline pattern, unless `o` is a run nobody
    interrupted and the twin is one (stopped, cancelled, timed out): the reporter must get the
    ordinary run right. A failing finally task is not a question of view (onError fixes it).
    """
    if not o.aggregate or o.scenario.finally_fails:
        return None
    ok = o.condition.status == "True"
    for other in outcomes:
        if other is o or not other.aggregate or other.scenario.finally_fails:
            continue
        if (other.condition.status == "True") == ok or other.signature != o.signature:
            continue
        if o.scenario.kind in _UNINTERRUPTED and other.scenario.kind not in _UNINTERRUPTED:
            continue
        return other
    return None


def _judge(model: CheckModel, o: Outcome, contexts: tuple[str, ...], outcomes: Sequence[Outcome]) -> ClassResult:
    hard = o.scenario.kind in ("cancelled", "pipeline-timeout")  # Tekton runs no finally task
    twin = None if hard else _twin(o, outcomes)
    issues: list[Issue] = []
    for context in contexts:
        posts = [p for p in o.posts if p.context == context]
        finals = [p for p in posts if p in o.finals]
        for bad in (p for p in posts if p not in o.finals and p.state not in ("running", "pending")):
            text = (
                f"`{bad.reporter}` posts STATE {bad.state!r}: not a GitLab state (pending, running, success, "
                "failed, canceled) nor a Tekton aggregate status; fix its STATE param"
            )
            issues.append(Issue(kind="bad-state", context=context, text=text))
        if not finals:
            issues.append(Issue(kind="no-status", context=context, text=explain_none(model, o, context, hard)))
        elif len(finals) > 1:
            issues.append(Issue(kind="several", context=context, text=explain_several(model, o, finals, context)))
        wrong = [p for p in finals if (p.state == "success") != (o.condition.status == "True")]
        if wrong:
            text = explain_wrong(model, o, wrong[0], twin)
            # A DAG reporter's mistake is never a limit: it can move to finally.
            unavoidable = twin is not None and wrong[0].is_finally
            issues.append(Issue(kind="contradiction", context=context, text=text, limit=unavoidable))
    if hard:  # whatever went wrong, only a reporter outside the run can post here
        issues = [replace(i, limit=True) for i in issues]
    limit = hard or (bool(issues) and all(i.limit for i in issues))
    return ClassResult(
        outcome=o,
        label=describe(model, o.scenario),
        limit=limit,
        issues=tuple(issues),
        covered_by=limit_cover(model, o.scenario, twin) if limit else "",
    )


def _notes(model: CheckModel, outcomes: list[Outcome]) -> list[str]:
    notes = []
    green = outcomes[0]
    skipped = [n for n, why in green.finally_skipped.items() if why == "When Expressions evaluated to false"]
    if green.condition.status == "True" and green.condition.reason == "Completed" and skipped:
        notes.append(
            f"a green run ends Completed, not Succeeded: Tekton counts the finally task {skipped[0]} "
            "skipped by its when as a skipped task; GitLab still gets success"
        )
    notes += _none_notes(model)
    if not model.reporters:
        notes.append(
            "no reporter found: a reporter is a task whose taskRef (or embedded spec) is gitlab-set-status, "
            "or a task named with --reporter"
        )
    if model.timeouts.tasks is None:
        notes.append("timeouts.tasks is not set: its class applies to runs that set timeouts.tasks or timeouts.finally")
    notes.append(
        "assumed: DAG guards can go either way, results hold placeholder values, and each reporter reaches "
        "GitLab (a reporter that fails posts nothing and ends the run Failed)"
    )
    return notes


def _none_notes(model: CheckModel) -> list[str]:
    """Say that leaving `None` out of a reporter's guard is fine (the seed's answer lists it)."""
    notes = []
    for task in model.spec.finally_:
        guards = [w for w in task.when if w.input == "$(tasks.status)" and w.operator == "in"]
        if task.name in model.reporters and guards and all("None" not in w.values for w in guards):
            notes.append(
                f"{task.name}: its when does not list None; that is fine: finally tasks never see None "
                "($(tasks.status) is computed once every DAG task is done)"
            )
    return notes


__all__ = ["CheckReport", "ClassResult", "Issue", "Scenario", "check_documents", "check_model"]
