"""Reading a PipelineRun from the Kubernetes API into a commit status (pure)."""

import pytest

from finale.core.gitlab.pipelinerun import Ignored, StatusUpdate, mismatch, names_commit, run_update

SHA = "9f85a4abd9861031d972391c2d0587d7ce30e4ae"


def run(status=None, reason="", when="2026-01-01T10:00:00Z", uid="u1", **annotations):
    obj = {
        "metadata": {"name": "r", "namespace": "ci", "uid": uid, "annotations": annotations},
        "spec": {
            "params": [{"name": "REPO_PATH_ONLY", "value": "team/app"}, {"name": "SOURCE_REVISION", "value": SHA}]
        },
    }
    if status is not None:
        obj["status"] = {
            "conditions": [{"type": "Succeeded", "status": status, "reason": reason, "lastTransitionTime": when}]
        }
    return obj


@pytest.mark.parametrize(
    ("status", "reason", "state", "final", "event_type"),
    [
        pytest.param("True", "Succeeded", "success", True, "successful", id="succeeded"),
        pytest.param("False", "Cancelled", "canceled", True, "failed", id="cancelled"),
        pytest.param("False", "PipelineRunTimeout", "failed", True, "failed", id="timeout"),
        pytest.param("Unknown", "Running", "running", False, "running", id="running"),
        pytest.param("Unknown", "Started", "running", False, "started", id="started"),
    ],
)
def test_the_condition_decides_state_and_synthetic_event(status, reason, state, final, event_type):
    update = run_update(run(status, reason))
    assert isinstance(update, StatusUpdate)
    assert (update.state.value, update.final, update.run, update.run_name) == (state, final, "u1", "ci/r")
    assert update.event_id == f"k8s:u1/{status}/{reason}/2026-01-01T10:00:00Z"
    assert update.event_type == f"dev.tekton.event.pipelinerun.{event_type}.v1"


def test_a_new_transition_is_a_new_event_and_a_reread_the_same_one():
    first, again = run_update(run("False", "Failed")), run_update(run("False", "Failed"))
    later = run_update(run("False", "Failed", when="2026-01-01T11:00:00Z"))
    assert first.event_id == again.event_id != later.event_id
    assert later.rank > first.rank


def test_a_run_without_a_condition_or_already_reported_needs_nothing():
    assert isinstance(run_update(run()), Ignored)
    reported = run_update(run("True", "Succeeded", **{"finale.dev/gitlab-reported": "success"}))
    assert isinstance(reported, Ignored) and "success already reported" in reported.reason
    # A run reported as running that has since ended still needs its final state.
    assert isinstance(run_update(run("True", "Succeeded", **{"finale.dev/gitlab-reported": "running"})), StatusUpdate)


@pytest.mark.parametrize(
    ("live", "reason"),
    [
        pytest.param(None, "PipelineRun ci/r does not exist", id="missing"),
        pytest.param(run("True", "Succeeded", uid="u2"), "PipelineRun ci/r has another uid", id="other-uid"),
        pytest.param(run("Unknown", "Running"), "PipelineRun ci/r has condition Unknown/Running", id="other-condition"),
        pytest.param(run(), "PipelineRun ci/r has condition none", id="no-condition"),
        pytest.param(run("True", "Succeeded", when="2026-01-01T10:00:01Z"), None, id="same"),
    ],
)
def test_an_event_is_checked_against_the_live_run(live, reason):
    assert mismatch(run("True", "Succeeded"), live) == reason


def test_names_commit_needs_project_and_sha():
    assert names_commit(run())
    assert not names_commit({"metadata": {"name": "r"}, "spec": {"params": []}})
