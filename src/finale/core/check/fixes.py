"""Why a posted state contradicts how the run ends, and what to change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from finale.core.check.outcomes import Outcome, Post
from finale.core.tekton.reasons import ConditionStatus, PipelineRunReason

if TYPE_CHECKING:
    from finale.core.check.words import Words


def _failing(o: Outcome, what: str) -> list[str]:
    return [e.task for e in o.events if e.what == what]


def _has_dag_skips(words: Words) -> bool:
    return any(t.when or t.matrix for t in words.model.spec.tasks)


def _wrong_failure(words: Words, o: Outcome, post: Post, head: str) -> str:
    ignored = _failing(o, "ignored")
    if ignored and o.condition.status == ConditionStatus.TRUE:
        return (
            f"{head}: {ignored[0]} has onError: continue, so $(tasks.status) is Failed while the run "
            f"succeeds; also guard the failure reporter on $(tasks.{ignored[0]}.reason) notin [FailureIgnored]"
        )
    if post.state == "canceled" and o.aggregate == "Completed":
        return (
            f"{head}: a run that succeeds gives $(tasks.status) Completed when a DAG task is skipped by its "
            "when, not only after a graceful stop; post success for Completed (COMPLETED_STATE success) "
            "and leave graceful stops to a reporter outside the run (finale serve)"
        )
    return f"{head}; guard it so it runs only when the run fails"


def _wrong_stop(words: Words, o: Outcome, head: str) -> str:
    """A graceful stop the finally tasks can tell from every run that succeeds."""
    if o.aggregate != "Completed":
        return f"{head}: the finally tasks can tell this from every run that succeeds; guard the reporter on it"
    why = " (no DAG task has a when)" if not _has_dag_skips(words) else ""
    return (
        f"{head}: a graceful stop ends the run Cancelled while $(tasks.status) is Completed, which no run that "
        f"succeeds shows here{why}: post canceled for Completed (a finally reporter guarded by $(tasks.status) "
        "in [Completed], or COMPLETED_STATE canceled when STATE is $(tasks.status))"
    )


def _wrong_success(words: Words, o: Outcome, post: Post, head: str) -> str:
    task = words.model.spec.task(post.reporter)
    failed = [words.name(t) for t in _failing(o, "fails") + _failing(o, "timeout")]
    if not post.is_finally:
        return f"{head}: a DAG reporter posts before the run has ended; move it to finally guarded by $(tasks.status)"
    if o.finally_fails:
        return (
            f"{head}: finally task {o.finally_fails} fails after `{post.reporter}` posted; "
            f"give {o.finally_fails} onError: continue, or report from the run's final condition (finale serve)"
        )
    if task is not None and not task.when and "$(" not in str(task.params.get("STATE", "")):
        return f"{head}: its STATE is success whatever happens; guard it with $(tasks.status) in [Succeeded, Completed]"
    if o.kind in ("stopped-run-finally", "cancelled-run-finally"):
        return _wrong_stop(words, o, head)
    if o.condition.reason == PipelineRunReason.VALIDATION_FAILED:
        return f"{head}: a task failed validation (missing result) and $(tasks.status) does not count it"
    if failed and o.aggregate == "Failed":
        return (
            f"{head}: its when holds although {failed[0]} failed; also require the tasks that can fail to "
            f"have succeeded (e.g. $(tasks.{failed[0].split(' ')[0]}.status) in [Succeeded]) or "
            "$(tasks.status) in [Succeeded, Completed]"
        )
    return f"{head}; guard it so it posts success only when the run succeeds"


def explain_wrong(words: Words, o: Outcome, post: Post, twin: Outcome | None) -> str:
    """Why `post` contradicts the run's end (`twin`: a run the finally tasks cannot tell from
    this one, where the posted state is right)."""
    c = o.condition
    head = f"when {words.describe(o)}, `{post.reporter}` posts {post.state} but the run ends {c.status}/{c.reason}"
    if o.in_finally:
        return f"{head}: the reporters had posted before the interruption came"
    if twin is not None:
        t = twin.condition
        return (
            f"{head}: the finally tasks see the same as when {words.describe(twin)} (which ends "
            f"{t.status}/{t.reason}) and cannot see spec.status"
        )
    if post.state != "success":
        return _wrong_failure(words, o, post, head)
    return _wrong_success(words, o, post, head)
