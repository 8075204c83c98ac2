"""The words of `finale check`: each class and each counterexample in plain language, with a fix."""

from __future__ import annotations

from finale.core.check.model import CheckModel
from finale.core.check.outcomes import Outcome, Post, Scenario

_EXTERNAL = "an external reporter watching the PipelineRun's final condition (finale serve)"


def names(items: tuple[str, ...] | list[str], *, joiner: str = "or", limit: int = 4) -> str:
    shown = list(items[:limit])
    if len(items) > limit:
        return ", ".join(shown) + f" {joiner} {len(items) - limit} more"
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + f" {joiner} " + shown[-1]


def _running(model: CheckModel, wave: int) -> str:
    """`a runs` or `a and b run`: the tasks of one wave."""
    tasks = [t.name for t in model.spec.tasks if model.waves.get(t.name) == wave]
    return names(tasks, joiner="and") + (" runs" if len(tasks) == 1 else " run")


def describe(model: CheckModel, sc: Scenario) -> str:
    """The class in a few words, e.g. `buildpacks fails` or `graceful stop while build runs`."""
    members = names(sc.members)
    running = _running(model, sc.wave) if sc.wave else ""
    text = {
        "green": "every task succeeds",
        "when": f"{members} skipped " + _skip_cause(model, sc),
        "fail": f"{members} fails",
        "fail-ignored": f"{members} fails (onError: continue)",
        "tasks-timeout": f"timeouts.tasks expires while {running}",
        "pipeline-timeout": f"timeouts.pipeline expires while {running}",
        "cancelled": f"Cancelled while {running}",
        "cancelled-run-finally": f"CancelledRunFinally while {running}",
        "stopped-run-finally": f"StoppedRunFinally while {running}",
    }[sc.kind]
    if sc.finally_fails:
        text += f", finally task {sc.finally_fails} fails"
    return text


def _skip_cause(model: CheckModel, sc: Scenario) -> str:
    guarded = [n for n in sc.members if (t := model.spec.task(n)) is not None and t.when]
    if len(guarded) == len(sc.members):
        return "by its when"
    return "(empty matrix array)" if not guarded else "(its when or an empty matrix array)"


def limit_cover(model: CheckModel, sc: Scenario, twin: Outcome | None = None) -> str:
    if sc.kind in ("cancelled", "pipeline-timeout"):
        return f"Tekton runs no finally task; {_EXTERNAL}"
    seen = f"`{describe(model, twin.scenario)}`" if twin is not None else "another class"
    return f"finally tasks cannot see spec.status and see what {seen} shows; {_EXTERNAL}"


def _why_silent(model: CheckModel, o: Outcome, name: str) -> str:
    reporter = model.reporters[name]
    if not reporter.is_finally:
        skip = o.dag_skipped.get(name)
        ended_at_once = o.scenario.kind in ("cancelled", "pipeline-timeout")
        why = f"skipped: {skip}" if skip and not ended_at_once else "it never ran"
        return f"the reporter `{name}` is a DAG task after it ({why})"
    if not o.aggregate:
        return f"`{name}` is a finally task and Tekton runs no finally task here"
    skip = o.finally_skipped.get(name, "")
    if skip == "When Expressions evaluated to false":
        return f"`{name}` is skipped: its when is false for $(tasks.status) = {o.aggregate}"
    return f"`{name}` is skipped: {skip or 'it never ran'}"


def explain_none(model: CheckModel, o: Outcome, context: str, limit: bool) -> str:
    where = f" to context {context}" if context else ""
    head = f"when {describe(model, o.scenario)}, no task reports{where}"
    if not model.reporters:
        return (
            f"{head}: the Pipeline has no reporter; "
            "add finally tasks running gitlab-set-status guarded by $(tasks.status)"
        )
    reasons = "; ".join(_why_silent(model, o, n) for n in model.reporters)
    if limit:
        return f"{head}: {reasons}; only {_EXTERNAL} covers this"
    if all(not r.is_finally for r in model.reporters.values()):
        return f"{head}: {reasons}; move it to finally guarded by $(tasks.status)"
    return (
        f"{head}: {reasons}; make one reporter's when admit $(tasks.status) = {o.aggregate or 'None'} "
        "(and the per-task values it reads)"
    )


def explain_several(model: CheckModel, o: Outcome, finals: list[Post], context: str) -> str:
    posted = ", ".join(f"`{p.reporter}` {p.state}" for p in finals)
    fix = "make their whens exclusive (one value of $(tasks.status) each) or keep one reporter"
    if any(not p.is_finally for p in finals):
        fix = "keep only finally reporters: a DAG reporter posts before the run has ended"
    where = f"context {context}" if context else "the commit"
    return f"when {describe(model, o.scenario)}, {len(finals)} final states go to {where}: {posted}; {fix}"


def _ignored(model: CheckModel, o: Outcome) -> list[str]:
    return [t.name for t in model.spec.tasks if t.continues_on_error and t.name in o.scenario.members]


def _has_dag_skips(model: CheckModel) -> bool:
    return any(t.when or t.matrix for t in model.spec.tasks)


def _wrong_failure(model: CheckModel, o: Outcome, post: Post, head: str) -> str:
    ignored = _ignored(model, o)
    if ignored:
        return (
            f"{head}: {ignored[0]} has onError: continue, so $(tasks.status) is Failed while the run "
            f"succeeds; also guard the failure reporter on $(tasks.{ignored[0]}.reason) notin [FailureIgnored]"
        )
    if post.state == "canceled" and o.aggregate == "Completed":
        return (
            f"{head}: a run that succeeds gives $(tasks.status) Completed when a DAG task is skipped (a when "
            "or an empty matrix array), not only after a graceful stop; post success for Completed "
            f"(COMPLETED_STATE success) and leave graceful stops to {_EXTERNAL}"
        )
    return f"{head}; guard it so it runs only when the run fails"


def _wrong_stop(model: CheckModel, o: Outcome, head: str) -> str:
    """A graceful stop the finally tasks can tell from every run that succeeds."""
    if o.aggregate != "Completed":
        return f"{head}: the finally tasks can tell this from every run that succeeds; guard the reporter on it"
    why = " (no DAG task has a when or a matrix)" if not _has_dag_skips(model) else ""
    return (
        f"{head}: a graceful stop ends the run Cancelled while $(tasks.status) is Completed, which no run that "
        f"succeeds shows here{why}: post canceled for Completed (a finally reporter guarded by $(tasks.status) "
        "in [Completed], or COMPLETED_STATE canceled when STATE is $(tasks.status))"
    )


def explain_wrong(model: CheckModel, o: Outcome, post: Post, twin: Outcome | None = None) -> str:
    """Why `post` contradicts the run's end, and what to change (`twin`: a class the finally
    tasks cannot tell from this one, where the posted state is right)."""
    c = o.condition
    head = f"when {describe(model, o.scenario)}, `{post.reporter}` posts {post.state}"
    head += f" but the run ends {c.status}/{c.reason}"
    task = model.spec.task(post.reporter)
    if twin is not None and post.is_finally:
        t = twin.condition
        return (
            f"{head}: the finally tasks see the same as when {describe(model, twin.scenario)} (which ends "
            f"{t.status}/{t.reason}) and cannot see spec.status; only {_EXTERNAL} covers this"
        )
    if post.state != "success":
        return _wrong_failure(model, o, post, head)
    if not post.is_finally:
        return f"{head}: a DAG reporter posts before the end; move it to finally guarded by $(tasks.status)"
    if o.scenario.finally_fails:
        return (
            f"{head}: finally task {o.scenario.finally_fails} fails after `{post.reporter}` posted; "
            f"give {o.scenario.finally_fails} onError: continue, or report from the run's final condition"
        )
    if task is not None and not task.when and "$(" not in str(task.params.get("STATE", "")):
        return f"{head}: its STATE is success whatever happens; guard it with $(tasks.status) in [Succeeded, Completed]"
    if o.scenario.kind in ("stopped-run-finally", "cancelled-run-finally"):
        return _wrong_stop(model, o, head)
    if c.reason == "PipelineValidationFailed":
        return f"{head}: a task failed validation (missing result) and $(tasks.status) does not count it"
    return f"{head}; guard it so it posts success only when the run succeeds"
