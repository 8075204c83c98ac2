"""The PipelineRun `Succeeded` condition from the facts of a pass (spec §6)."""

from __future__ import annotations

from collections.abc import Mapping

from finale.core.tekton.durations import format_duration
from finale.core.tekton.facts import TIMEOUT_SKIPS, RunFacts
from finale.core.tekton.model import PipelineTask, SpecStatus
from finale.core.tekton.reasons import ConditionStatus, PipelineRunReason, SkipReason
from finale.record import Record, set_field


# Records, not dataclasses: `finale run` starts faster without them (finale/record.py).
class Condition(Record):
    __slots__ = ("message", "reason", "status")
    status: str  # "Unknown" | "True" | "False"
    reason: str
    message: str

    def __init__(self, status: str, reason: str, message: str) -> None:
        set_field(self, "status", status)
        set_field(self, "reason", reason)
        set_field(self, "message", message)

    @property
    def done(self) -> bool:
        return self.status != "Unknown"


class Counts(Record):
    __slots__ = (
        "cancelled",
        "failed",
        "ignored",
        "incomplete",
        "skipped",
        "skipped_timeout",
        "succeeded",
        "validation_failed",
    )
    succeeded: int
    failed: int
    cancelled: int
    ignored: int
    validation_failed: int
    skipped: int
    skipped_timeout: int
    incomplete: int

    def __init__(
        self,
        *,
        succeeded: int = 0,
        failed: int = 0,
        cancelled: int = 0,
        ignored: int = 0,
        validation_failed: int = 0,
        skipped: int = 0,
        skipped_timeout: int = 0,
        incomplete: int = 0,
    ) -> None:
        set_field(self, "succeeded", succeeded)
        set_field(self, "failed", failed)
        set_field(self, "cancelled", cancelled)
        set_field(self, "ignored", ignored)
        set_field(self, "validation_failed", validation_failed)
        set_field(self, "skipped", skipped)
        set_field(self, "skipped_timeout", skipped_timeout)
        set_field(self, "incomplete", incomplete)

    @property
    def completed(self) -> int:
        return self.succeeded + self.failed + self.cancelled + self.ignored


def bucket(facts: RunFacts, task: PipelineTask) -> str:
    """The one Counts field a PipelineTask falls in, rows tested in Tekton's order (spec §6.2)."""
    name = task.name
    skip = facts.skips.get(name)
    if facts.is_successful(name):
        return "succeeded"
    if facts.is_cancelled_for_timeout(name):
        return "failed"
    if facts.is_cancelled(name):
        return "cancelled"
    if facts.is_failure(name):
        return "ignored" if task.continues_on_error else "failed"
    if name in facts.validation_failed:
        return "validation_failed"
    if skip is not None and (skip in TIMEOUT_SKIPS or skip == SkipReason.FINALLY_TIMEOUT):
        return "skipped_timeout"  # counted as skipped too
    return "incomplete" if skip is None else "skipped"


def tally(totals: Mapping[str, int]) -> Counts:
    """Counts from how many PipelineTasks fell in each `bucket`."""
    c = dict.fromkeys(Counts._fields, 0)
    c.update(totals)
    c["skipped"] += c["skipped_timeout"]
    return Counts(**c)


def count(facts: RunFacts) -> Counts:
    """Every PipelineTask in exactly one bucket."""
    totals: dict[str, int] = {}
    for task in facts.spec.all_tasks():
        name = bucket(facts, task)
        totals[name] = totals.get(name, 0) + 1
    return tally(totals)


def _validation_detail(facts: RunFacts) -> str:
    errors = "; ".join(facts.validation_failed[k] for k in sorted(facts.validation_failed))
    if len(errors) > 1024:
        errors = errors[:1024] + "..."
    return f" ({errors})" if errors else ""


def _finished_message(c: Counts, facts: RunFacts) -> str:
    failed = c.failed + c.ignored
    failed_text = f"{failed} (Ignored: {c.ignored})" if c.ignored else str(failed)
    text = f"Tasks Completed: {c.completed} (Failed: {failed_text}, Cancelled {c.cancelled}), Skipped: {c.skipped}"
    if c.validation_failed:
        text += f", Failed Validation: {c.validation_failed}" + _validation_detail(facts)
    return text


def _finally_done(facts: RunFacts) -> bool:
    """checkFinalTasksDone: every finally task has finished TaskRuns.

    A skipped finally task does not count: Tekton's isDone asks `Skip`, which never skips a
    finally task (that is `IsFinallySkipped`), so guarded-off reporters keep this false.
    """
    return all(facts.is_successful(t.name) or facts.is_failure(t.name) for t in facts.spec.finally_)


def condition(facts: RunFacts, run_name: str, counts: Counts | None = None) -> Condition:
    """GetPipelineConditionStatus: timeouts first, then running or finished (spec §6.3, §6.4).

    `counts` is `count(facts)`, passed in when the caller keeps it up to date as tasks change.
    """
    t = facts.timeouts
    if facts.pipeline_timed_out() and t.pipeline is not None:
        return Condition(
            ConditionStatus.FALSE,
            PipelineRunReason.TIMEOUT,
            f'PipelineRun "{run_name}" failed to finish within "{format_duration(t.pipeline)}"',
        )
    if facts.tasks_timed_out() and t.tasks is not None and _finally_done(facts):
        return Condition(
            ConditionStatus.FALSE,
            PipelineRunReason.TIMEOUT,
            f'PipelineRun "{run_name}" failed due to tasks failed to finish within "{format_duration(t.tasks)}"',
        )
    c = count(facts) if counts is None else counts
    if c.incomplete:
        return _running(facts, c)
    message = _finished_message(c, facts)
    if c.validation_failed:
        return Condition(ConditionStatus.FALSE, PipelineRunReason.VALIDATION_FAILED, message)
    if c.failed or c.skipped_timeout:
        return Condition(ConditionStatus.FALSE, PipelineRunReason.FAILED, message)
    if facts.spec_status in (SpecStatus.CANCELLED_RUN_FINALLY, SpecStatus.STOPPED_RUN_FINALLY):
        return Condition(ConditionStatus.FALSE, PipelineRunReason.CANCELLED, f'PipelineRun "{run_name}" was cancelled')
    if c.cancelled:
        return Condition(ConditionStatus.FALSE, PipelineRunReason.CANCELLED, message)
    return Condition(
        ConditionStatus.TRUE, PipelineRunReason.COMPLETED if c.skipped else PipelineRunReason.SUCCEEDED, message
    )


def _running(facts: RunFacts, c: Counts) -> Condition:
    message = (
        f"Tasks Completed: {c.completed} (Failed: {c.failed}, Cancelled {c.cancelled}), "
        f"Incomplete: {c.incomplete}, Skipped: {c.skipped}"
    )
    if facts.tasks_timed_out() and facts.spec.finally_ and not _finally_done(facts):
        reason = PipelineRunReason.TIMEOUT_RUNNING_FINALLY
    elif facts.spec_status == SpecStatus.CANCELLED_RUN_FINALLY:
        reason = PipelineRunReason.CANCELLED_RUNNING_FINALLY
    elif facts.spec_status == SpecStatus.STOPPED_RUN_FINALLY:
        reason = PipelineRunReason.STOPPED_RUNNING_FINALLY
    elif c.cancelled or (c.failed and _finally_done(facts)):
        reason = PipelineRunReason.STOPPING
    else:
        reason = PipelineRunReason.RUNNING
    return Condition(ConditionStatus.UNKNOWN, reason, message)


def cancelled(run_name: str) -> Condition:
    return Condition(ConditionStatus.FALSE, PipelineRunReason.CANCELLED, f'PipelineRun "{run_name}" was cancelled')
