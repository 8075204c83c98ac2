"""Every outcome class of the seed pipeline, run locally: what GitLab holds afterwards.

The expected statuses are what real Tekton and GitLab would hold: exactly what the seed's
`when` guards select from the real `$(tasks.status)` (tekton-semantics §2.8, §2.9, §4, §5.2,
§10.2). A cancelled or timed-out TaskRun counts as Failed; a graceful stop leaves Succeeded
or Completed; a hard cancel or a pipeline timeout runs no finally task, so nothing is posted.
"""

from __future__ import annotations

import pytest

from .harness import EXAMPLE, SeedRunner, load_pipeline, pipeline_task

SUCCESS_TEXT = "Finished building your commit in Tekton"
FAILED_TEXT = "An error occurred building your commit in Tekton"
WHEN_FALSE = "When Expressions evaluated to false"
STOPPING = "PipelineRun was stopping"
DASHBOARD = "http://127.0.0.1:9097"


def cancel(mode: str, after: str = "1s") -> list[str]:
    return ["--cancel-after", after, "--cancel-mode", mode]


def test_build_succeeds_posts_success_and_the_run_ends_completed(run_seed: SeedRunner) -> None:
    outcome = run_seed(commit="good")

    assert outcome.run.exit_code == 0, outcome.run.stderr
    # The skipped failure reporter turns a green run into Completed (spec §10.1 S3).
    assert (outcome.run.status, outcome.run.reason) == ("True", "Completed")
    assert outcome.run.skipped == {"report-pipeline-failed-to-gitlab": WHEN_FALSE}
    [status] = outcome.statuses
    assert status.state == "success"
    assert status.name == "tekton-pipeline"
    assert status.description == SUCCESS_TEXT
    assert status.target_url == (f"{DASHBOARD}/#/namespaces/default/pipelineruns/{outcome.run_name}")


def test_build_fails_posts_failed(run_seed: SeedRunner) -> None:
    outcome = run_seed(commit="broken")

    assert outcome.run.exit_code == 1
    assert (outcome.run.status, outcome.run.reason) == ("False", "Failed")
    assert outcome.run.skipped == {"report-pipeline-success-to-gitlab": WHEN_FALSE}
    assert [(s.state, s.description) for s in outcome.statuses] == [("failed", FAILED_TEXT)]


def test_clone_fails_posts_failed_and_the_build_never_runs(run_seed: SeedRunner, tmp_path) -> None:
    outcome = run_seed(commit="good", source_url=str(tmp_path / "no-such-repository"))

    assert outcome.run.reason == "Failed"
    assert outcome.run.skipped == {
        "buildpacks": STOPPING,
        "report-pipeline-success-to-gitlab": WHEN_FALSE,
    }
    assert outcome.states == ["failed"]


def test_build_skipped_by_when_counts_as_completed_and_posts_success(
    run_seed: SeedRunner,
) -> None:
    pipeline = load_pipeline("pipeline-v1beta1.yaml")
    pipeline_task(pipeline, "buildpacks")["when"] = [
        {"input": "$(params.SOURCE_REVISION)", "operator": "in", "values": ["build-me"]}
    ]

    outcome = run_seed(pipeline=pipeline, commit="broken")

    # The broken commit is never built, so $(tasks.status) is Completed: success is posted.
    assert (outcome.run.status, outcome.run.reason) == ("True", "Completed")
    assert outcome.run.skipped == {
        "buildpacks": WHEN_FALSE,
        "report-pipeline-failed-to-gitlab": WHEN_FALSE,
    }
    assert [(s.state, s.description) for s in outcome.statuses] == [("success", SUCCESS_TEXT)]


@pytest.mark.slow
def test_tasks_timeout_with_finally_budget_posts_failed(run_seed: SeedRunner) -> None:
    outcome = run_seed(app="slow", timeouts={"pipeline": "1m0s", "tasks": "1s", "finally": "59s"})

    # The build is cancelled for the timeout, which counts as Failed (spec §2.8, §5.2). The run
    # does not end PipelineRunTimeout: Tekton's checkFinalTasksDone never counts the skipped
    # success reporter as done, so the counts decide (pipelinerunstate.go at v1.15).
    assert (outcome.run.status, outcome.run.reason) == ("False", "Failed")
    assert outcome.run.message == "Tasks Completed: 3 (Failed: 1, Cancelled 0), Skipped: 1"
    assert [(s.state, s.description) for s in outcome.statuses] == [("failed", FAILED_TEXT)]


@pytest.mark.slow
def test_pipeline_timeout_runs_no_finally_and_posts_nothing(run_seed: SeedRunner) -> None:
    outcome = run_seed(app="slow", timeouts={"pipeline": "1s"})

    assert (outcome.run.status, outcome.run.reason) == ("False", "PipelineRunTimeout")
    assert outcome.run.message == f'PipelineRun "{outcome.run_name}" failed to finish within "1s"'
    assert "report-pipeline-failed-to-gitlab" not in outcome.run.task_reasons
    assert outcome.statuses == ()


@pytest.mark.slow
def test_cancelled_run_finally_posts_failed_not_canceled(run_seed: SeedRunner) -> None:
    outcome = run_seed(app="slow", args=cancel("CancelledRunFinally"))

    assert (outcome.run.status, outcome.run.reason) == ("False", "Cancelled")
    assert outcome.run.task_reasons["buildpacks"] == "TaskRunCancelled"
    assert [(s.state, s.description) for s in outcome.statuses] == [("failed", FAILED_TEXT)]


@pytest.mark.slow
def test_stopped_run_finally_posts_success_for_a_cancelled_run(run_seed: SeedRunner) -> None:
    outcome = run_seed(app="slow", args=cancel("StoppedRunFinally"))

    # The running build finishes and succeeds; the run still ends Cancelled (spec §2.9).
    assert (outcome.run.status, outcome.run.reason) == ("False", "Cancelled")
    assert outcome.run.task_reasons["buildpacks"] == "Succeeded"
    assert [(s.state, s.description) for s in outcome.statuses] == [("success", SUCCESS_TEXT)]


@pytest.mark.slow
def test_hard_cancel_runs_no_finally_and_posts_nothing(run_seed: SeedRunner) -> None:
    outcome = run_seed(app="slow", args=cancel("Cancelled"))

    assert (outcome.run.status, outcome.run.reason) == ("False", "Cancelled")
    assert not {"report-pipeline-failed-to-gitlab", "report-pipeline-success-to-gitlab"} & set(outcome.run.task_reasons)
    assert outcome.statuses == ()


def test_ignored_build_failure_posts_failed_for_a_green_run(run_seed: SeedRunner) -> None:
    pipeline = load_pipeline("pipeline.yaml")
    pipeline_task(pipeline, "buildpacks")["onError"] = "continue"

    outcome = run_seed(pipeline=pipeline, commit="broken")

    # FailureIgnored still makes $(tasks.status) Failed (spec §5.2, §10.2).
    assert outcome.run.exit_code == 0
    assert (outcome.run.status, outcome.run.reason) == ("True", "Completed")
    assert outcome.run.task_reasons["buildpacks"] == "FailureIgnored"
    assert outcome.states == ["failed"]


def test_reporter_refused_by_gitlab_fails_the_run_and_posts_nothing(
    run_seed: SeedRunner,
) -> None:
    outcome = run_seed(secret_token="glpat-revoked-or-mistyped")

    # A 401 is not retried; the failed finally task makes the whole run Failed (spec §4.4).
    assert (outcome.run.status, outcome.run.reason) == ("False", "Failed")
    assert outcome.run.message == "Tasks Completed: 3 (Failed: 1, Cancelled 0), Skipped: 1"
    assert outcome.run.task_reasons["buildpacks"] == "Succeeded"
    assert outcome.statuses == ()
    assert "glpat-revoked-or-mistyped" not in outcome.run.stdout + outcome.run.stderr


def test_run_refused_before_start_posts_nothing(run_seed: SeedRunner) -> None:
    outcome = run_seed(tasks=[EXAMPLE / "tasks" / "git-clone.yaml"])

    assert outcome.run.exit_code == 2
    assert "buildpacks" in outcome.run.stderr
    assert outcome.statuses == ()


def test_v1_pipeline_posts_success_with_the_run_namespace_in_the_link(
    run_seed: SeedRunner,
) -> None:
    outcome = run_seed(pipeline="pipeline.yaml")

    assert outcome.run.reason == "Completed"
    [status] = outcome.statuses
    assert (status.state, status.description) == ("success", SUCCESS_TEXT)
    assert status.target_url == f"{DASHBOARD}/#/namespaces/default/pipelineruns/{outcome.run_name}"


@pytest.mark.parametrize(
    ("commit", "state", "aggregate", "reason"),
    [
        pytest.param("good", "success", "Succeeded", "Succeeded", id="good"),
        pytest.param("broken", "failed", "Failed", "Failed", id="broken"),
    ],
)
def test_one_reporter_variant_posts_the_aggregate_and_a_green_run_succeeds(
    run_seed: SeedRunner, commit: str, state: str, aggregate: str, reason: str
) -> None:
    outcome = run_seed(pipeline="pipeline-one-reporter.yaml", commit=commit)

    assert outcome.run.reason == reason
    assert outcome.run.skipped == {}
    assert [(s.state, s.description) for s in outcome.statuses] == [
        (state, f"Tekton finished building your commit: {aggregate}")
    ]


def test_start_status_variant_moves_running_to_success(run_seed: SeedRunner) -> None:
    outcome = run_seed(pipeline="pipeline-start-status.yaml")

    assert outcome.run.task_reasons["report-pipeline-start-to-gitlab"] == "Succeeded"
    # One status: the finally reporter updated the `running` one (same name, same commit).
    assert [(s.state, s.description) for s in outcome.statuses] == [("success", SUCCESS_TEXT)]


@pytest.mark.slow
def test_start_status_variant_stays_running_after_a_hard_cancel(run_seed: SeedRunner) -> None:
    # The start reporter must have posted before the cancel: it runs first, and the build outlasts 2.5 s.
    outcome = run_seed(pipeline="pipeline-start-status.yaml", app="slow", args=cancel("Cancelled", after="2.5s"))

    assert outcome.run.reason == "Cancelled"
    assert [(s.state, s.description) for s in outcome.statuses] == [("running", "Building your commit in Tekton")]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("mode", "state", "aggregate"),
    [
        # The running build finishes; nothing was left unstarted, so nothing is skipped.
        pytest.param("StoppedRunFinally", "success", "Succeeded", id="stopped"),
        pytest.param("CancelledRunFinally", "failed", "Failed", id="cancelled"),
    ],
)
def test_graceful_stops_as_the_aggregate_status_sees_them(
    run_seed: SeedRunner, mode: str, state: str, aggregate: str
) -> None:
    outcome = run_seed(pipeline="pipeline-one-reporter.yaml", app="slow", args=cancel(mode))

    assert (outcome.run.status, outcome.run.reason) == ("False", "Cancelled")
    assert [(s.state, s.description) for s in outcome.statuses] == [
        (state, f"Tekton finished building your commit: {aggregate}")
    ]
