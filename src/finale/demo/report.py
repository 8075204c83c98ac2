"""Text the demo prints: `format_*` return strings, the caller writes them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from finale.demo.runner import RunResult
from finale.demo.statuses import CommitStatus

COMPLETED_NOTE = (
    "Completed, not Succeeded: a skipped task (here the reporter whose `when` is false) "
    "turns a green run into Completed"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseOutcome:
    """One commit the demo ran the pipeline on, and what GitLab holds for it afterwards."""

    label: str
    sha: str
    expected_state: str
    run: RunResult
    statuses: tuple[CommitStatus, ...]

    @property
    def is_as_expected(self) -> bool:
        return [s.state for s in self.statuses] == [self.expected_state]


def format_case(case: CaseOutcome) -> str:
    lines = [
        f"{case.label} commit {case.sha[:12]}",
        f"  pipeline outcome: {case.run.summary()}",
    ]
    lines += [f"    {task}: {reason}" for task, reason in case.run.task_reasons.items()]
    lines += [f"    {task}: skipped ({reason})" for task, reason in case.run.skipped.items()]
    if case.run.reason == "Completed" and case.run.skipped:
        lines.append(f"  note: {COMPLETED_NOTE}")
    lines.append("  GitLab commit statuses:")
    lines += format_statuses(case.statuses)
    return "\n".join(lines)


def format_statuses(statuses: Sequence[CommitStatus]) -> list[str]:
    if not statuses:
        return ["    (none)"]
    return [f'    {s.state:<8} {s.name}  "{s.description}"  {s.target_url or "-"}' for s in statuses]


def format_verdict(cases: Sequence[CaseOutcome]) -> str:
    wrong = [c for c in cases if not c.is_as_expected]
    if not wrong:
        told = ", ".join(f"{c.label} -> {c.expected_state}" for c in cases)
        return f"OK: GitLab was told how each run ended ({told})."
    lines = ["FAILED: GitLab does not hold what the runs should have reported:"]
    for case in wrong:
        held = ", ".join(s.state for s in case.statuses) or "nothing"
        lines.append(f"  {case.label} commit: expected {case.expected_state}, GitLab holds {held}")
        if case.run.stderr.strip():
            lines.append("  finale run said:")
            lines += [f"    {line}" for line in case.run.stderr.strip().splitlines()[-15:]]
    return "\n".join(lines)
