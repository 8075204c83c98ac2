"""The words of `finale check`: each run and each counterexample in plain language, with a fix."""

from __future__ import annotations

from finale.core.check import fixes
from finale.core.check.model import CheckModel
from finale.core.check.outcomes import Event, Outcome, Post
from finale.core.check.quotient import Abstract

WHEN = "When Expressions evaluated to false"
SERVE = (
    "only a reporter watching the PipelineRun's final condition from outside the run (finale serve) "
    "can report these: finally tasks run before the run's end, or not at all"
)
_INTERRUPTS = {
    "cancelled": "the run is cancelled (Cancelled)",
    "pipeline-timeout": "timeouts.pipeline expires",
    "tasks-timeout": "timeouts.tasks expires",
    "finally-timeout": "timeouts.finally expires",
    "cancelled-run-finally": "the run is cancelled gracefully (CancelledRunFinally)",
    "stopped-run-finally": "the run is stopped gracefully (StoppedRunFinally)",
}


def names(items: tuple[str, ...] | list[str], *, joiner: str = "or", limit: int = 4) -> str:
    shown = list(items[:limit])
    if len(items) > limit:
        return ", ".join(shown) + f" {joiner} {len(items) - limit} more"
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + f" {joiner} " + shown[-1]


class Words:
    def __init__(self, model: CheckModel, abstract: Abstract) -> None:
        self.model = model
        self.ab = abstract

    # --- naming --------------------------------------------------------------------------

    def name(self, task: str) -> str:
        """A task, a class (`t003 (or any of 40 tasks like it)`), or what a stand-in stands for."""
        members = self.ab.members.get(task, (task,))
        if task in self.ab.delays:
            after = self.ab.delays[task]
            return "other tasks" if after in self.ab.synthetic else f"a task before {after}"
        if task in self.ab.synthetic:
            return "other tasks" if len(members) != 1 else members[0]
        if len(members) > 3:
            return f"{task} (or any of {len(members) - 1} tasks like it)"
        if len(members) > 1:
            return f"{task} (or {names(list(members[1:]))})"
        return task

    def running(self, tasks: tuple[str, ...], *, in_finally: bool) -> str:
        shown = [self.name(t) for t in tasks]
        what = "finally task " if in_finally else ""
        return f"{what}{names(shown, joiner='and')} " + ("runs" if len(shown) == 1 else "run")

    # --- a run in a few words ----------------------------------------------------------------

    def _event(self, e: Event) -> str:
        task = self.name(e.task)
        if e.what == "interrupt":
            text = _INTERRUPTS.get(e.detail, e.detail)
            return f"{text} while {self.running(e.running, in_finally=e.in_finally)}" if e.running else text
        return {
            "fails": f"{task} fails",
            "ignored": f"{task} fails (onError: continue)",
            "timeout": f"{task} times out (reason TaskRunTimeout)",
            "value": f"{task} writes {e.detail}",
            "posts": f"{task} posts {e.detail}",
            "finally-fails": f"finally task {task} fails",
            "waits": "a task fails validation and the run waits for a timeout",
        }.get(e.what, e.what)

    def _skips(self, o: Outcome) -> list[str]:
        skipped = [n for n, why in o.dag_skipped.items() if why == WHEN]
        shown = [m for n in skipped for m in self.ab.members.get(n, (n,))[: 1 if n in self.ab.synthetic else None]]
        if not shown:
            return []
        more = any(len(self.ab.members.get(n, ())) > 1 for n in skipped if n in self.ab.synthetic)
        verb = "is" if len(shown) == 1 and not more else "are"
        return [f"{names(shown, joiner='and')}{' (or another guarded task)' if more else ''} {verb} skipped by a when"]

    def describe(self, o: Outcome) -> str:
        """The run in order, e.g. `lint fails (onError: continue), then build-image fails`."""
        # A running/pending post changes nothing judged: it is left out of the story.
        shown = [e for e in o.events if e.what != "posts" or e.detail in ("success", "failed", "canceled")]
        parts = self._skips(o) + [self._event(e) for e in shown]
        return ", then ".join(parts) or "every task succeeds"

    # --- counterexamples -----------------------------------------------------------------------

    def bad_state(self, post: Post) -> str:
        return (
            f"`{post.reporter}` posts STATE {post.state!r}: not a GitLab state (pending, running, success, "
            "failed, canceled) nor a Tekton aggregate status; fix its STATE param"
        )

    def _why_silent(self, o: Outcome, name: str) -> str:
        reporter = self.model.reporters[name]
        if not reporter.is_finally:
            state = o.reporter_runs.get(name, "not started")
            if state == "cancelled while running":
                return f"the reporter `{name}` is a DAG task and was cancelled while it ran"
            return f"the reporter `{name}` is a DAG task that did not run ({state})"
        if not o.aggregate:
            return f"`{name}` is a finally task and Tekton runs no finally task here"
        if o.in_finally and name in o.finally_ran:
            return f"`{name}` was still running when the run ended"
        skip = o.finally_skipped.get(name, "")
        if skip == WHEN:
            return f"`{name}` is skipped: its when is false for $(tasks.status) = {o.aggregate}"
        return f"`{name}` is skipped: {skip or 'it never ran'}"

    def none(self, o: Outcome, context: str) -> str:
        where = f" to context {context}" if context else ""
        head = f"when {self.describe(o)}, no task reports{where}"
        if not self.model.reporters:
            if o.hard:
                return f"{head}: the Pipeline has no reporter, and no finally task could report here"
            fix = "add finally tasks running gitlab-set-status guarded by $(tasks.status)"
            return f"{head}: the Pipeline has no reporter; {fix}"
        reasons = "; ".join(dict.fromkeys(self._why_silent(o, n) for n in self.model.reporters))
        if not o.aggregate and all(r.is_finally for r in self.model.reporters.values()):
            reasons = "Tekton runs no finally task here"
        if o.hard:
            return f"{head}: {reasons}"
        if all(not r.is_finally for r in self.model.reporters.values()):
            return f"{head}: {reasons}; move the reporting to finally tasks guarded by $(tasks.status)"
        return (
            f"{head}: {reasons}; make one reporter's when admit $(tasks.status) = {o.aggregate or 'None'} "
            "(and the per-task values it reads)"
        )

    def several(self, o: Outcome, finals: list[Post], context: str) -> str:
        posted = ", ".join(f"`{p.reporter}` {p.state}" for p in finals)
        fix = "make their whens exclusive (one value of $(tasks.status) each) or keep one reporter"
        if any(not p.is_finally for p in finals):
            fix = "keep only finally reporters: a DAG reporter posts before the run has ended"
        where = f"context {context}" if context else "the commit"
        return f"when {self.describe(o)}, {len(finals)} final states go to {where}: {posted}; {fix}"

    def cover(self, o: Outcome, twin: Outcome | None) -> str:
        if o.kind in ("cancelled", "pipeline-timeout") and not o.in_finally:
            return "Tekton runs no finally task"
        if o.in_finally:
            return "the reporters had already posted"
        seen = f"`{self.describe(twin)}`" if twin is not None else "another run"
        return f"finally tasks cannot see spec.status and see what {seen} shows"

    def wrong(self, o: Outcome, post: Post, twin: Outcome | None) -> str:
        return fixes.explain_wrong(self, o, post, twin)
