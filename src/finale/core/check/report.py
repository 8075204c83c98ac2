"""`finale check` output: the table of runs, the counterexamples, and the same as data."""

from __future__ import annotations

import textwrap
from typing import Any

from finale.core.check.verdict import CheckReport, ClassResult
from finale.core.check.words import SERVE

HEADERS = (
    "run (smallest of its kind)",
    "$(tasks.status)",
    "finally reporters run",
    "states posted",
    "run ends as",
    "verdict",
)


def _row(c: ClassResult) -> tuple[str, ...]:
    o = c.outcome
    reporters = [p.reporter for p in o.posts if p.is_finally]
    posted = ", ".join(f"{p.state} ({p.reporter})" for p in o.posts) or "-"
    ends = f"{o.condition.status}/{o.condition.reason}"
    return (c.label, o.aggregate or "-", ", ".join(reporters) or "-", posted, ends, c.verdict)


def _grouped(classes: list[ClassResult]) -> list[tuple[str, ...]]:
    """One row per distinct (status seen, posts, ending, verdict): the smallest run, and how many more."""
    rows: dict[tuple[str, ...], tuple[tuple[str, ...], int]] = {}
    for c in classes:
        row = _row(c)
        first, n = rows.get(row[1:], (row, 0))
        rows[row[1:]] = (first, n + 1)
    return [(f"{r[0]} (+{n - 1} like it)" if n > 1 else r[0], *r[1:]) for r, n in rows.values()]


def _table(rows: list[tuple[str, ...]], headers: tuple[str, ...]) -> list[str]:
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(), line]
    out += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return out


def _items(texts: list[str], width: int | None, bullet: str) -> list[str]:
    lead = f"  {bullet} " if bullet else "  "
    if width is None:
        return [lead + t for t in texts]
    out: list[str] = []
    for t in texts:
        out += textwrap.wrap(
            t, width=max(width, 40), initial_indent=lead, subsequent_indent="     ", break_on_hyphens=False
        )
    return out


def format_text(report: CheckReport, *, strict: bool = False, width: int | None = None) -> str:
    """The report for a terminal; prose wraps to `width` when given (a TTY), tables never do."""
    lines = [f"finale check: {report.source}"]
    who = ", ".join(f"{r.name} ({'finally' if r.is_finally else 'DAG task'})" for r in report.reporters)
    lines += [f"reporters: {who or 'none'}", ""]
    lines += _table(_grouped([c for c in report.classes if not c.limit]), HEADERS)
    limits = [c for c in report.classes if c.limit]
    if limits:
        lines += ["", "limits of the in-pipeline pattern (they fail the check only with --strict):"]
        lines += _table(_grouped(limits), HEADERS)
    failing = report.counterexamples(limits=False) + (report.counterexamples(limits=True) if strict else [])
    if failing:
        lines += ["", "problems (each shown by the smallest run that has it):"]
        lines += _items([f"{n}. {i.text}" for n, i in enumerate(failing, 1)], width, "")
    unflagged = [] if strict else report.counterexamples(limits=True)
    if unflagged:
        header = f"limits (reported, not failing without --strict): {SERVE}:"
        lines += ["", *(textwrap.wrap(header, width=max(width, 40)) if width else [header])]
        lines += _items([i.text for i in unflagged], width, "-")
    if report.notes:
        lines += ["", "notes:", *_items(list(report.notes), width, "-")]
    problems = report.problems(strict=strict)
    lines.append("")
    if problems:
        lines.append(f"result: {len(failing)} problem(s), in {len(problems)} of {len(report.classes)} distinct runs")
    else:
        lines.append(f"result: every one of {len(report.classes)} distinct runs reports exactly one final status")
    return "\n".join(lines) + "\n"


def _class_data(c: ClassResult) -> dict[str, Any]:
    o = c.outcome
    return {
        "class": c.label,
        "interruption": o.kind or None,
        "duringFinally": o.in_finally,
        "events": [
            {"what": e.what, "task": e.task or None, "detail": e.detail or None, "running": list(e.running)}
            for e in o.events
        ],
        "guardValues": dict(o.valuation),
        "finallyFails": o.finally_fails or None,
        "tasksStatus": str(o.aggregate) or None,
        "finallyRun": list(o.finally_ran),
        "finallySkipped": dict(o.finally_skipped),
        "posted": [
            {"reporter": p.reporter, "finally": p.is_finally, "context": p.context, "state": p.state} for p in o.posts
        ],
        "runEndsAs": {
            "status": str(o.condition.status),
            "reason": str(o.condition.reason),
            "message": o.condition.message,
        },
        "verdict": c.verdict,
        "limit": c.limit,
        "coveredBy": c.covered_by or None,
        "issues": [{"kind": i.kind, "context": i.context, "text": i.text, "limit": i.limit} for i in c.issues],
    }


def to_data(report: CheckReport, *, strict: bool = False) -> dict[str, Any]:
    problems = report.counterexamples(limits=False) + (report.counterexamples(limits=True) if strict else [])
    return {
        "source": report.source,
        "reporters": [{"name": r.name, "finally": r.is_finally} for r in report.reporters],
        "classes": [_class_data(c) for c in report.classes],
        "problems": [i.text for i in problems],
        "limits": [i.text for i in report.counterexamples(limits=True)],
        "notes": list(report.notes),
        "strict": strict,
        "passed": report.passed(strict=strict),
    }
