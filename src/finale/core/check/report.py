"""`finale check` output: the table of classes, the counterexamples, and the same as JSON data."""

from __future__ import annotations

from typing import Any

from finale.core.check.verdict import CheckReport, ClassResult

HEADERS = ("class", "$(tasks.status)", "finally reporters run", "states posted", "run ends as", "verdict")


def _row(c: ClassResult) -> tuple[str, ...]:
    o = c.outcome
    reporters = [p.reporter for p in o.posts if p.is_finally]
    posted = ", ".join(f"{p.state} ({p.reporter})" for p in o.posts) or "-"
    ends = f"{o.condition.status}/{o.condition.reason}"
    return (c.label, o.aggregate or "-", ", ".join(reporters) or "-", posted, ends, c.verdict)


def _table(rows: list[tuple[str, ...]], headers: tuple[str, ...]) -> list[str]:
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(), line]
    out += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return out


def _texts(report: CheckReport, *, failing: bool, strict: bool) -> list[str]:
    """The counterexamples that fail the check (`failing`), or the limits that do not."""
    issues = (i for c in report.classes for i in c.issues)
    return list(dict.fromkeys(i.text for i in issues if (strict or not i.limit) == failing))


def format_text(report: CheckReport, *, strict: bool = False) -> str:
    lines = [f"finale check: {report.source}"]
    who = ", ".join(f"{r.name} ({'finally' if r.is_finally else 'DAG task'})" for r in report.reporters)
    lines.append(f"reporters: {who or 'none'}")
    lines.append("")
    lines += _table([_row(c) for c in report.classes if not c.limit], HEADERS)
    limits = [c for c in report.classes if c.limit]
    if limits:
        lines += ["", "limits of the in-pipeline pattern (they fail the check only with --strict):"]
        lines += _table([(*_row(c), c.covered_by) for c in limits], (*HEADERS, "covered by"))
    problems = report.problems(strict=strict)
    if problems:
        lines += ["", "problems:"]
        texts = _texts(report, failing=True, strict=strict)
        lines += [f"  {n}. {text}" for n, text in enumerate(texts, 1)]
    unflagged = _texts(report, failing=False, strict=strict)
    if unflagged:
        lines += ["", "limits (reported, not failing without --strict):"]
        lines += [f"  - {t}" for t in unflagged]
    if report.notes:
        lines += ["", "notes:"] + [f"  - {n}" for n in report.notes]
    lines.append("")
    if problems:
        lines.append(f"result: {len(problems)} outcome class(es) without exactly one right final status")
    else:
        lines.append("result: every outcome class reports exactly one final status")
    return "\n".join(lines) + "\n"


def _class_data(c: ClassResult) -> dict[str, Any]:
    o = c.outcome
    return {
        "class": c.label,
        "kind": o.scenario.kind,
        "tasks": list(o.scenario.members),
        "finallyFails": o.scenario.finally_fails,
        "tasksStatus": o.aggregate or None,
        "finallyRun": list(o.finally_ran),
        "finallySkipped": dict(o.finally_skipped),
        "posted": [
            {"reporter": p.reporter, "finally": p.is_finally, "context": p.context, "state": p.state} for p in o.posts
        ],
        "runEndsAs": {"status": o.condition.status, "reason": o.condition.reason, "message": o.condition.message},
        "verdict": c.verdict,
        "limit": c.limit,
        "coveredBy": c.covered_by or None,
        "issues": [{"kind": i.kind, "context": i.context, "text": i.text, "limit": i.limit} for i in c.issues],
    }


def to_data(report: CheckReport, *, strict: bool = False) -> dict[str, Any]:
    problems = report.problems(strict=strict)
    return {
        "source": report.source,
        "reporters": [{"name": r.name, "finally": r.is_finally} for r in report.reporters],
        "classes": [_class_data(c) for c in report.classes],
        "problems": _texts(report, failing=True, strict=strict),
        "limits": list(dict.fromkeys(i.text for c in report.classes for i in c.issues if i.limit)),
        "notes": list(report.notes),
        "strict": strict,
        "passed": not problems,
    }
