"""The words of `finale check`: each class and each counterexample in plain language, with a fix."""

from __future__ import annotations

from finale.core.check_model import CheckModel
from finale.core.check_outcomes import Outcome, Post, Scenario

_EXTERNAL = "an external reporter watching the PipelineRun's final condition"


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
        "when": f"{members} skipped by its when",
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


def limit_cover(sc: Scenario) -> str:
    if sc.kind in ("cancelled", "pipeline-timeout"):
        return f"Tekton runs no finally task; {_EXTERNAL}"
    return f"finally tasks cannot see spec.status and see what a green run shows; {_EXTERNAL}"


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


def explain_wrong(model: CheckModel, o: Outcome, post: Post) -> str:
    """Why `post` contradicts the run's end, and what to change."""
    c = o.condition
    head = f"when {describe(model, o.scenario)}, `{post.reporter}` posts {post.state}"
    head += f" but the run ends {c.status}/{c.reason}"
    task = model.spec.task(post.reporter)
    if post.state != "success":
        ignored = _ignored(model, o)
        if ignored:
            return (
                f"{head}: {ignored[0]} has onError: continue, so $(tasks.status) is Failed while the run "
                f"succeeds; also guard the failure reporter on $(tasks.{ignored[0]}.reason) notin [FailureIgnored]"
            )
        return f"{head}; guard it so it runs only when the run fails"
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
        return (
            f"{head}: a graceful stop ends the run Cancelled while $(tasks.status) is {o.aggregate}; "
            "a finally task cannot see spec.status: post canceled for Completed (only sound when no DAG task "
            f"has a when) or use {_EXTERNAL}"
        )
    if c.reason == "PipelineValidationFailed":
        return f"{head}: a task failed validation (missing result) and $(tasks.status) does not count it"
    return f"{head}; guard it so it posts success only when the run succeeds"
