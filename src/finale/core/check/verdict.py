"""`finale check`: every run of a PipelineRun reports exactly one final GitLab status.

Explores every run the engine's rules allow (play), judges what the reporters post against how
the PipelineRun itself ends, and keeps the smallest run that shows each problem. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from finale.core.check.model import CheckModel, Reporter, build_model
from finale.core.check.notes import notes_for
from finale.core.check.outcomes import Outcome
from finale.core.check.play import Exploration, explore_model
from finale.core.check.words import Words
from finale.core.tekton.reasons import ConditionStatus
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
    key: tuple[object, ...] = ()  # the same problem in another run has the same key


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

    def counterexamples(self, *, limits: bool) -> list[Issue]:
        """Each distinct problem once, shown by its smallest run (classes come smallest first)."""
        found: dict[tuple[object, ...], Issue] = {}
        for c in self.classes:
            for i in c.issues:
                if i.limit == limits and i.key not in found:
                    found[i.key] = i
        return list(found.values())


def check_documents(docs: Sequence[tuple[str, Mapping[str, Any]]], reporters: Sequence[str] = ()) -> CheckReport:
    return check_model(build_model(docs, reporters))


def check_model(model: CheckModel) -> CheckReport:
    try:
        exploration = explore_model(model)
    except CelEvaluationError as exc:
        raise InputError(f"{model.source}: a CEL guard cannot be evaluated: {exc}") from None
    words = Words(model, exploration.abstract)
    outcomes = exploration.outcomes
    contexts = tuple(dict.fromkeys(p.context for o in outcomes for p in o.posts)) or ("",)
    results = tuple(_judge(words, o, contexts, outcomes) for o in outcomes)
    return CheckReport(
        source=model.source,
        reporters=tuple(model.reporters.values()),
        classes=results,
        notes=tuple(notes_for(model, exploration)),
    )


def _twin(o: Outcome, outcomes: Sequence[Outcome]) -> Outcome | None:
    """For an interrupted run, a run where the state `o` should not post is right and which
    looks the same to the reporters: the same `$(tasks.status)`, and the same status, reason and
    results of the tasks they read and of the `onError: continue` tasks. Then `o`'s
    contradiction is a limit of the in-pipeline pattern. A run nobody interrupted has no twin:
    guards on the tasks' statuses and reasons can always tell it apart, so the reporters must get
    it right; nor has a failing finally task (onError fixes it).
    """
    if not o.aggregate or o.finally_fails or not o.kind:
        return None
    ok = o.condition.status == ConditionStatus.TRUE
    for other in outcomes:
        if other is o or not other.aggregate or other.finally_fails or other.hard:
            continue
        if (other.condition.status == ConditionStatus.TRUE) != ok and other.read_view == o.read_view:
            return other
    return None


def _judge(words: Words, o: Outcome, contexts: tuple[str, ...], outcomes: Sequence[Outcome]) -> ClassResult:
    twin = None if o.hard else _twin(o, outcomes)
    issues: list[Issue] = []
    ends = (o.condition.status, o.condition.reason)
    key: tuple[object, ...]
    for context in contexts:
        posts = [p for p in o.posts if p.context == context]
        finals = [p for p in posts if p in o.finals]
        for bad in (p for p in posts if p not in o.finals and p.state not in ("running", "pending")):
            key = ("bad-state", context, bad.reporter, bad.state)
            issues.append(Issue(kind="bad-state", context=context, text=words.bad_state(bad), key=key))
        if not finals:
            key = ("no-status", context, ends, o.in_finally, o.aggregate)
            issues.append(Issue(kind="no-status", context=context, text=words.none(o, context), key=key))
        elif len(finals) > 1:
            key = ("several", context, tuple((p.reporter, p.state) for p in finals))
            issues.append(Issue(kind="several", context=context, text=words.several(o, finals, context), key=key))
        wrong = [p for p in finals if (p.state == "success") != (o.condition.status == ConditionStatus.TRUE)]
        if wrong:
            # A DAG reporter's mistake is never a limit: it can move to finally.
            unavoidable = twin is not None and wrong[0].is_finally
            key = ("contradiction", context, wrong[0].reporter, wrong[0].state, ends, o.kind, o.in_finally, unavoidable)
            if o.finally_fails:
                key = ("finally-fails", context, wrong[0].reporter, o.finally_fails)
            text = words.wrong(o, wrong[0], twin if unavoidable else None)
            issues.append(Issue(kind="contradiction", context=context, text=text, limit=unavoidable, key=key))
    if o.hard:  # whatever went wrong, only a reporter outside the run can post here
        issues = [replace(i, limit=True) for i in issues]
    limit = o.hard or (bool(issues) and all(i.limit for i in issues))
    return ClassResult(
        outcome=o,
        label=words.describe(o),
        limit=limit,
        issues=tuple(issues),
        covered_by=words.cover(o, twin) if limit else "",
    )


__all__ = ["CheckReport", "ClassResult", "Exploration", "Issue", "check_documents", "check_model"]
