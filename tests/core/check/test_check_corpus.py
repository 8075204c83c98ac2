"""A corpus of planted-defect and clean pipelines: each defect is found, shown by a counterexample
naming the tasks involved, and no clean pipeline is flagged. The first line of each file says
which (`# expect: clean` or `# expect: defect <task> ...`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from finale.adapters.yaml.load import read_files
from finale.core.check.report import format_text
from finale.core.check.verdict import CheckReport, check_documents

CORPUS = Path(__file__).parents[2] / "fixtures" / "check" / "corpus"


def _check(path: Path) -> CheckReport:
    return check_documents([(d.source, d.data) for d in read_files([str(path)])])


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.yaml")), ids=lambda p: p.stem)
def test_corpus(path: Path) -> None:
    expect = path.read_text(encoding="utf-8").splitlines()[0].removeprefix("# expect: ").split()
    report = _check(path)
    texts = [i.text for i in report.counterexamples(limits=False)]
    if expect == ["clean"]:
        assert report.passed(), texts
        return
    assert expect[0] == "defect" and not report.passed()
    assert any(all(f"{name}" in text for name in expect[1:]) for text in texts), texts


def test_the_issue_example_is_shown_by_its_smallest_run() -> None:
    report = _check(CORPUS / "defect-ignored-then-failure.yaml")
    found = [i.text for i in report.counterexamples(limits=False) if "status-success-lint-warnings" in i.text]
    assert found[0].startswith(
        "when lint fails (onError: continue), then build-image fails, `status-success-lint-warnings` posts "
        "success but the run ends False/Failed: its when holds although build-image failed"
    )


def test_mutually_exclusive_guards_never_play_both_tasks_running() -> None:
    report = _check(CORPUS / "clean-exclusive-guards.yaml")
    aggregates = {c.outcome.aggregate for c in report.classes if not c.outcome.kind}
    assert aggregates == {"Completed", "Failed"}  # never Succeeded: one deploy is always skipped


def test_a_result_guard_is_a_free_variable() -> None:
    report = _check(CORPUS / "defect-result-guard-other-value.yaml")
    values = {e.detail for c in report.classes for e in c.outcome.events if e.what == "value"}
    assert values == {"failures = 0", "failures = <any other value>"}


def test_stops_and_cancels_during_finally_are_runs_of_their_own() -> None:
    report = _check(CORPUS / "defect-finally-cleanup-during-finally.yaml")
    during = {(c.outcome.kind, c.limit) for c in report.classes if c.outcome.in_finally}
    assert {k for k, _ in during} == {"cancelled", "cancelled-run-finally", "stopped-run-finally", "pipeline-timeout"}
    assert all(limit for _, limit in during)


def test_a_dag_reporter_posting_before_a_sibling_fails() -> None:
    report = _check(CORPUS / "defect-dag-reporter-sibling-fails.yaml")
    row = next(c for c in report.classes if c.label == "report-build posts success, then unit-tests fails")
    assert [(p.reporter, p.state) for p in row.outcome.posts] == [
        ("report-build", "success"),
        ("report-failed", "failed"),
    ]
    assert row.outcome.condition.reason == "Failed"


def test_wording_without_reporters_and_with_a_running_start_reporter() -> None:
    none = check_documents(
        [
            (
                "p.yaml",
                {
                    "apiVersion": "tekton.dev/v1",
                    "kind": "Pipeline",
                    "metadata": {"name": "p"},
                    "spec": {"tasks": [{"name": "a", "taskRef": {"name": "x"}}]},
                },
            )
        ]
    )
    assert not any("GitLab still gets success" in n for n in none.notes)
    limits = [i.text for i in none.counterexamples(limits=True)]
    assert limits and not any("add finally tasks" in t for t in limits)
    start = _check(CORPUS / "defect-start-status-reason-guard.yaml")
    texts = [i.text for c in start.classes for i in c.issues if c.outcome.kind == "cancelled"]
    assert any("`report-start` is a DAG task and was cancelled while it ran" in t for t in texts)
    assert not any("it never ran" in t for c in start.classes for i in c.issues for t in [i.text])


def test_prose_wraps_to_the_width_given_and_tables_do_not() -> None:
    report = _check(CORPUS / "defect-ignored-then-failure.yaml")
    wide = format_text(report)
    narrow = format_text(report, width=80)
    prose = narrow[narrow.index("problems") :].splitlines()
    assert all(len(line) <= 80 for line in prose)
    assert any(len(line) > 80 for line in wide.splitlines())
