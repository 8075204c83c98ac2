"""finale.core.check.verdict: every outcome class of a Pipeline, judged against how the run ends."""

from __future__ import annotations

from pathlib import Path

import pytest

from finale.adapters.yaml.load import parse_text, read_files
from finale.core.check.verdict import CheckReport, check_documents
from finale.errors import InputError

FIXTURES = Path(__file__).parents[2] / "fixtures" / "check"


def check(name: str, reporters: tuple[str, ...] = ()) -> CheckReport:
    docs = read_files([str(FIXTURES / name)])
    return check_documents([(d.source, d.data) for d in docs], reporters)


def check_text(text: str, reporters: tuple[str, ...] = ()) -> CheckReport:
    return check_documents([(d.source, d.data) for d in parse_text(text, "p.yaml")], reporters)


def by_label(report: CheckReport) -> dict[str, object]:
    return {c.label: c for c in report.classes}


def problem_texts(report: CheckReport, *, strict: bool = False) -> list[str]:
    return [i.text for c in report.problems(strict=strict) for i in c.issues]


def test_seed_original_reports_nothing_when_buildpacks_fails():
    report = check("seed-original.yaml")
    fails = by_label(report)["buildpacks fails"]
    assert fails.verdict == "NO STATUS"
    assert fails.outcome.condition.reason == "Failed"
    assert report.counterexamples(limits=False)[0].text == (
        "when fetch-repository fails, no task reports to context tekton-pipeline: the reporter "
        "`report-pipeline-end-to-gitlab` is a DAG task that did not run (PipelineRun was stopping); "
        "move the reporting to finally tasks guarded by $(tasks.status)"
    )
    assert by_label(report)["report-pipeline-end-to-gitlab posts success"].verdict == "ok"
    assert not report.passed()


def test_seed_fixed_passes_but_for_limits_and_the_graceful_stop():
    report = check("seed-fixed.yaml")
    rows = {c.label: (c.outcome.aggregate, c.outcome.condition.reason, c.verdict, c.limit) for c in report.classes}
    assert {
        "every task succeeds": ("Succeeded", "Completed", "ok", False),
        "fetch-repository fails": ("Failed", "Failed", "ok", False),
        "buildpacks fails": ("Failed", "Failed", "ok", False),
        # Failed, not PipelineRunTimeout: a skipped finally task never counts as done in Tekton.
        "timeouts.tasks expires while fetch-repository runs": ("Failed", "Failed", "ok", False),
        "timeouts.pipeline expires while fetch-repository runs": ("", "PipelineRunTimeout", "NO STATUS", True),
        "the run is cancelled (Cancelled) while fetch-repository runs": ("", "Cancelled", "NO STATUS", True),
        "the run is cancelled gracefully (CancelledRunFinally) while fetch-repository runs": (
            "Failed",
            "Cancelled",
            "ok",
            False,
        ),
        # As real Tekton: a graceful stop gives Completed, the seed posts success, the run ends Cancelled.
        "the run is stopped gracefully (StoppedRunFinally) while fetch-repository runs": (
            "Completed",
            "Cancelled",
            "CONTRADICTION",
            False,
        ),
        "the run is stopped gracefully (StoppedRunFinally) while buildpacks runs": (
            "Succeeded",
            "Cancelled",
            "CONTRADICTION",
            True,
        ),
    }.items() <= rows.items()
    assert [c.label for c in report.problems()] == [
        "the run is stopped gracefully (StoppedRunFinally) while fetch-repository runs"
    ]


def test_seed_fixed_notes_completed_green_run_and_none():
    notes = check("seed-fixed.yaml").notes
    assert any(n.startswith("a green run ends Completed, not Succeeded") for n in notes)
    assert any("does not list None; that is fine" in n for n in notes)


def test_when_listing_succeeded_but_not_completed_is_flagged():
    report = check("defect-when-without-completed.yaml")
    skipped = by_label(report)["deploy is skipped by a when"]
    assert skipped.outcome.aggregate == "Completed"
    assert skipped.verdict == "NO STATUS"
    assert "`report-success` is skipped: its when is false for $(tasks.status) = Completed" in skipped.issues[0].text


def test_finally_task_failing_after_success_is_flagged():
    report = check("defect-finally-fails.yaml")
    row = by_label(report)["finally task cleanup fails"]
    assert row.outcome.condition.reason == "Failed"
    assert row.verdict == "CONTRADICTION"
    assert "give cleanup onError: continue" in row.issues[0].text


def test_two_reporters_both_matching_is_flagged():
    row = by_label(check("defect-two-reporters.yaml"))["every task succeeds"]
    assert [i.kind for i in row.issues] == ["several", "contradiction"]
    assert "2 final states go to context tekton-pipeline: `report-failed` failed, `report-success` success" in (
        row.issues[0].text
    )


def test_dag_reporter_next_to_finally_ones_posts_twice():
    row = by_label(check("defect-dag-and-finally-reporter.yaml"))["report-success-early posts success"]
    assert row.verdict == "SEVERAL"
    assert row.issues[0].text.endswith("keep only finally reporters: a DAG reporter posts before the run has ended")


def test_hard_coded_success_in_finally_is_flagged():
    report = check("defect-hardcoded-success.yaml")
    row = by_label(report)["build fails"]
    assert row.verdict == "CONTRADICTION"
    assert "its STATE is success whatever happens" in row.issues[0].text


def test_ignored_failure_makes_failed_contradict_a_green_run():
    row = by_label(check("defect-onerror-continue.yaml"))["lint fails (onError: continue)"]
    assert (row.outcome.aggregate, row.outcome.condition.status) == ("Failed", "True")
    assert "$(tasks.lint.reason) notin [FailureIgnored]" in row.issues[0].text


@pytest.mark.parametrize("name", ["clean-one-wave.yaml", "clean-three-reporters.yaml"])
def test_clean_pipelines_pass(name):
    report = check(name)
    assert report.passed(), problem_texts(report)


def test_graceful_stop_of_a_one_wave_dag_is_a_limit():
    stops = [c for c in check("clean-one-wave.yaml").classes if c.outcome.kind == "stopped-run-finally"]
    assert any(c.limit and c.verdict == "CONTRADICTION" and not c.outcome.in_finally for c in stops)


def test_failures_are_explored_in_combination():
    report = check_text(
        """
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: p}
spec:
  tasks:
    - {name: a, taskRef: {name: x}}
    - {name: b, runAfter: [a], taskRef: {name: x}}
    - {name: c, runAfter: [b], taskRef: {name: x}}
  finally:
    - name: report
      taskRef: {name: gitlab-set-status}
      params:
        - {name: STATE, value: "$(tasks.status)"}
        - {name: DESCRIPTION, value: "b: $(tasks.b.status)"}
"""
    )
    labels = [c.label for c in report.classes if not c.outcome.kind]
    assert {"a fails", "b fails", "c fails", "every task succeeds"} <= set(labels)
    states = {c.label: [p.state for p in c.outcome.posts] for c in report.classes}
    assert states["a fails"] == ["failed"] and states["every task succeeds"] == ["success"]


def test_reporter_named_on_the_command_line_and_result_guarded_finally():
    report = check_text(
        """
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: p}
spec:
  tasks:
    - {name: build, taskRef: {name: x}}
  finally:
    - name: notify
      when: [{input: "$(tasks.build.results.digest)", operator: notin, values: [""]}]
      taskRef: {name: my-notifier}
      params: [{name: STATE, value: "$(tasks.status)"}]
""",
        reporters=("notify",),
    )
    rows = by_label(report)
    # The result is a free variable: any other value than "" lets notify post, "" skips it.
    assert [p.state for p in rows["build writes digest = <any other value>"].outcome.posts] == ["success"]
    assert rows["build writes digest = "].verdict == "NO STATUS"
    failed = rows["build fails"]
    assert failed.outcome.finally_skipped == {"notify": "Results were missing"}
    assert failed.verdict == "NO STATUS"


def test_no_reporter_at_all_says_so():
    report = check_text(
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\n"
        "spec:\n  tasks:\n    - {name: a, taskRef: {name: x}}\n"
    )
    assert not report.passed()
    assert "the Pipeline has no reporter" in report.problems()[0].issues[0].text


def test_unknown_reporter_name_is_an_input_error():
    with pytest.raises(InputError, match=r"--reporter nope: no PipelineTask of that name in p.yaml \(tasks: a\)"):
        check_text(
            "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\n"
            "spec:\n  tasks:\n    - {name: a, taskRef: {name: x}}\n",
            reporters=("nope",),
        )


def test_missing_pipeline_for_a_run_is_an_input_error():
    with pytest.raises(InputError, match=r'spec\.pipelineRef\.name: no Pipeline "gone"'):
        check_text(
            "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata: {name: r}\nspec:\n  pipelineRef: {name: gone}\n"
        )


def test_state_and_context_defaults_come_from_the_task_when_given():
    report = check_text(
        """
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: p}
spec:
  tasks:
    - {name: a, taskRef: {name: x}}
  finally:
    - name: report
      taskRef: {name: gitlab-set-status}
---
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: gitlab-set-status}
spec:
  params:
    - {name: STATE, default: "$(tasks.status)"}
    - {name: CONTEXT, default: ci/tekton}
  steps: [{name: s, image: alpine, script: "true"}]
"""
    )
    # A Task param default is not a Pipeline variable: Tekton leaves it as text.
    green = by_label(report)["every task succeeds"]
    assert [(p.state, p.context) for p in green.outcome.posts] == [("$(tasks.status)", "ci/tekton")]
    assert green.verdict == "BAD STATE, NO STATUS"


GUARDED_DEPLOY = """
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: p}
spec:
  tasks:
    - {name: build, taskRef: {name: x}}
    - name: deploy
      runAfter: [build]
      %s
      taskRef: {name: x}
  finally:
    - name: report-failed
      when: [{input: $(tasks.status), operator: in, values: [Failed]}]
      taskRef: {name: gitlab-set-status}
      params: [{name: STATE, value: failed}]
    - name: report-success
      when: [{input: $(tasks.status), operator: in, values: [%s]}]
      taskRef: {name: gitlab-set-status}
      params: [{name: STATE, value: success}]
%s"""
CANCELED_FOR_COMPLETED = """    - name: report-canceled
      when: [{input: $(tasks.status), operator: in, values: [Completed]}]
      taskRef: {name: gitlab-set-status}
      params: [{name: STATE, value: canceled}]
"""
DEPLOY_WHEN = 'when: [{input: "$(params.env)", operator: in, values: [prod]}]'


@pytest.mark.parametrize(
    ("guard", "twin"),
    [
        pytest.param(DEPLOY_WHEN, "deploy is skipped by a when", id="when"),
    ],
)
def test_graceful_stop_a_green_run_with_a_skip_also_shows_is_a_limit(guard, twin):
    report = check_text(GUARDED_DEPLOY % (guard, "Succeeded, Completed", ""))
    rows = by_label(report)
    assert rows[twin].outcome.aggregate == "Completed"
    assert rows[twin].outcome.condition.status == "True"
    stopped = rows["the run is stopped gracefully (StoppedRunFinally) while build runs"]
    assert (stopped.outcome.aggregate, stopped.verdict, stopped.limit) == ("Completed", "CONTRADICTION", True)
    assert stopped.covered_by.startswith(f"finally tasks cannot see spec.status and see what `{twin}` shows")
    assert report.passed(), problem_texts(report)
    assert not report.passed(strict=True)


def test_graceful_stop_no_green_run_shows_is_a_problem():
    # No DAG guard: Completed can only mean a graceful stop, so a reporter can post canceled.
    report = check_text(GUARDED_DEPLOY % ("", "Succeeded, Completed", ""))
    stopped = by_label(report)["the run is stopped gracefully (StoppedRunFinally) while build runs"]
    assert (stopped.verdict, stopped.limit) == ("CONTRADICTION", False)
    assert [i.text for i in report.counterexamples(limits=False)] == [
        "when the run is stopped gracefully (StoppedRunFinally) while build runs, `report-success` posts success but "
        "the run ends False/Cancelled: a graceful stop ends the run Cancelled while $(tasks.status) is Completed, "
        "which no run that succeeds shows here (no DAG task has a when): post canceled for Completed (a finally "
        "reporter guarded by $(tasks.status) in [Completed], or COMPLETED_STATE canceled when STATE is "
        "$(tasks.status))"
    ]


def test_canceled_for_completed_is_right_without_dag_guards():
    report = check_text(GUARDED_DEPLOY % ("", "Succeeded", CANCELED_FOR_COMPLETED))
    assert report.passed(), problem_texts(report)
    assert [
        p.state
        for p in by_label(report)["the run is stopped gracefully (StoppedRunFinally) while build runs"].outcome.posts
    ] == ["canceled"]


def test_canceled_for_completed_contradicting_a_green_run_is_a_problem_not_a_limit():
    # The shared view is resolved for the run nobody interrupted: success is right there.
    report = check_text(GUARDED_DEPLOY % (DEPLOY_WHEN, "Succeeded", CANCELED_FOR_COMPLETED))
    skipped = by_label(report)["deploy is skipped by a when"]
    assert (skipped.verdict, skipped.limit) == ("CONTRADICTION", False)
    assert [c.label for c in report.problems()] == ["deploy is skipped by a when"]


def test_ignored_failure_is_a_problem_although_failed_runs_show_the_same_status():
    # The FailureIgnored reason tells it apart: a reporter can read $(tasks.lint.reason).
    report = check("defect-onerror-continue.yaml")
    row = by_label(report)["lint fails (onError: continue)"]
    assert not row.limit and row in report.problems()


def test_failing_finally_task_stays_a_problem():
    report = check("defect-finally-fails.yaml")
    row = by_label(report)["finally task cleanup fails"]
    assert not row.limit and row in report.problems()


ONE_TASK = """
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: p}
spec:
  tasks:
    - {name: build, taskRef: {name: x}}
    - {name: test, runAfter: [build], taskRef: {name: x}}
  finally:
    - name: report
      taskRef: {name: gitlab-set-status}
      params:
        - {name: STATE, value: $(tasks.status)}
%s"""


@pytest.mark.parametrize(
    ("extra", "posted", "passed"),
    [
        pytest.param("", "success", False, id="default-success"),
        pytest.param("        - {name: COMPLETED_STATE, value: canceled}\n", "canceled", True, id="canceled"),
        pytest.param(
            "---\napiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: gitlab-set-status}\nspec:\n"
            "  params: [{name: STATE}, {name: COMPLETED_STATE, default: canceled}]\n"
            "  steps: [{name: s, image: alpine, script: 'true'}]\n",
            "canceled",
            True,
            id="task-default",
        ),
        # Not a state our Task accepts: it exits 2 and posts nothing; the check shows the text.
        pytest.param("        - {name: COMPLETED_STATE, value: cancelled}\n", "Completed", False, id="bad"),
    ],
)
def test_one_task_style_reads_completed_state(extra, posted, passed):
    report = check_text(ONE_TASK % extra)
    stopped = by_label(report)["the run is stopped gracefully (StoppedRunFinally) while build runs"]
    assert [p.state for p in stopped.outcome.posts] == [posted]
    assert report.passed() is passed
