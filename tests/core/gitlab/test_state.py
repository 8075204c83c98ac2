"""Tekton outcome -> GitLab commit state."""

from __future__ import annotations

import pytest

from finale.core.gitlab.state import (
    GitLabState,
    parse_completed_state,
    parse_state,
    resolve_state,
    state_for_aggregate,
    state_for_condition,
)


@pytest.mark.parametrize(
    ("aggregate", "state", "words"),
    [
        pytest.param("Succeeded", GitLabState.SUCCESS, "all tasks succeeded", id="succeeded"),
        pytest.param("Completed", GitLabState.SUCCESS, "skipped", id="completed-is-green"),
        pytest.param("Failed", GitLabState.FAILED, "failed", id="failed"),
        pytest.param("None", GitLabState.FAILED, "no aggregate", id="none-is-failed"),
    ],
)
def test_aggregate_maps_to_state_with_reasoned_description(aggregate, state, words):
    decision = state_for_aggregate(aggregate)
    assert decision.state is state
    assert words in decision.description


@pytest.mark.parametrize("bad", ["succeeded", "FAILED", "", "Cancelled", "success"])
def test_unknown_aggregate_names_the_accepted_values(bad):
    with pytest.raises(ValueError, match="expected one of Succeeded, Completed, Failed, None"):
        state_for_aggregate(bad)


@pytest.mark.parametrize(
    ("status", "reason", "state"),
    [
        pytest.param("True", "Succeeded", GitLabState.SUCCESS, id="succeeded"),
        pytest.param("True", "Completed", GitLabState.SUCCESS, id="completed"),
        pytest.param("False", "Cancelled", GitLabState.CANCELED, id="cancelled"),
        pytest.param("False", "Failed", GitLabState.FAILED, id="failed"),
        pytest.param("False", "PipelineRunTimeout", GitLabState.FAILED, id="timeout-is-failed"),
        pytest.param("False", "PipelineValidationFailed", GitLabState.FAILED, id="validation"),
        pytest.param("Unknown", "Running", GitLabState.RUNNING, id="running"),
        pytest.param("Unknown", "CancelledRunningFinally", GitLabState.RUNNING, id="stopping"),
        pytest.param("Unknown", "PipelineRunPending", GitLabState.PENDING, id="pending"),
    ],
)
def test_final_condition_maps_to_state(status, reason, state):
    assert state_for_condition(status, reason).state is state


def test_failed_condition_description_keeps_the_reason():
    assert "PipelineRunTimeout" in state_for_condition("False", "PipelineRunTimeout").description


def test_states_are_the_wire_strings():
    assert [s.value for s in GitLabState] == [
        "pending",
        "running",
        "success",
        "failed",
        "canceled",
        "skipped",
    ]
    assert parse_state("canceled") is GitLabState.CANCELED
    assert parse_state("cancelled") is None  # GitLab's spelling has one l
    assert parse_state("Success") is None  # case-sensitive like GitLab


@pytest.mark.parametrize(
    ("text", "state", "has_default_words"),
    [
        pytest.param("running", GitLabState.RUNNING, False, id="gitlab-state"),
        pytest.param("skipped", GitLabState.SKIPPED, False, id="skipped"),
        pytest.param("Completed", GitLabState.SUCCESS, True, id="aggregate"),
        pytest.param(" Failed\n", GitLabState.FAILED, True, id="aggregate-with-whitespace"),
    ],
)
def test_resolve_state_accepts_both_vocabularies(text, state, has_default_words):
    decision = resolve_state(text)
    assert decision.state is state
    assert bool(decision.description) is has_default_words


def test_resolve_state_rejects_github_words():
    with pytest.raises(ValueError, match="unknown state 'failure'; expected a GitLab state"):
        resolve_state("failure")


@pytest.mark.parametrize(
    ("text", "completed", "state"),
    [
        pytest.param("Completed", "", GitLabState.SUCCESS, id="default-is-success"),
        pytest.param("Completed", "canceled", GitLabState.CANCELED, id="completed-canceled"),
        pytest.param(" Completed ", " failed\n", GitLabState.FAILED, id="whitespace"),
        pytest.param("Succeeded", "canceled", GitLabState.SUCCESS, id="only-completed-changes"),
        pytest.param("Failed", "canceled", GitLabState.FAILED, id="failed-stays-failed"),
        pytest.param("success", "canceled", GitLabState.SUCCESS, id="plain-state-unchanged"),
    ],
)
def test_completed_state_applies_to_the_completed_aggregate_only(text, completed, state):
    assert resolve_state(text, completed).state is state


def test_completed_canceled_says_why():
    decision = state_for_aggregate("Completed", GitLabState.CANCELED)
    assert decision.description == "Tekton: the run stopped before every task ran"


@pytest.mark.parametrize("bad", ["cancelled", "Succeeded", "running", "pending", "skipped"])
def test_completed_state_must_be_a_final_gitlab_state(bad):
    with pytest.raises(ValueError, match=f"^expected success, failed or canceled, got {bad!r}$"):
        parse_completed_state(bad)
