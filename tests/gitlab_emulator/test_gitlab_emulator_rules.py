"""Pure rules of the GitLab emulator, as tables: coercion, transitions, URLs, composite status."""

from __future__ import annotations

import pytest

from finale.gitlab_emulator.statuses import (
    Job,
    apply_state,
    coerce_post_params,
    composite_status,
    url_problem,
)

NOW = "2025-01-01T00:00:00.000Z"


def job(status: str = "created", allow_failure: bool = False) -> Job:
    return Job(
        id=1,
        pipeline_id=1,
        project_id=1,
        sha="a" * 40,
        ref="main",
        name="ci",
        status=status,
        user_id=1,
        created_at=NOW,
        allow_failure=allow_failure,
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({}, "state is missing, state does not have a valid value", id="no-state"),
        pytest.param(
            {"state": "ok", "coverage": "x", "pipeline_id": "1e3"},
            "state does not have a valid value, coverage is invalid, pipeline_id is invalid",
            id="all-errors-in-declaration-order",
        ),
        pytest.param({"state": "running", "name": ["a"]}, "name is invalid", id="array-name"),
        pytest.param({"state": "running", "coverage": "nan"}, "coverage is invalid", id="nan"),
    ],
)
def test_coercion_errors(params, expected):
    assert coerce_post_params(params) == expected


@pytest.mark.parametrize(
    ("params", "field", "value"),
    [
        pytest.param({"state": "running", "coverage": " 80 "}, "coverage", 80.0, id="coverage-str"),
        pytest.param({"state": "running", "coverage": ""}, "coverage", None, id="coverage-blank"),
        pytest.param({"state": "running", "pipeline_id": "7"}, "pipeline_id", 7, id="pipeline-str"),
        pytest.param({"state": "running", "name": 5}, "name", "5", id="number-name"),
        pytest.param({"state": "running", "name": None, "context": "c"}, "name", "c", id="null-name-falls-back"),
        pytest.param({"state": "running", "name": "", "context": "c"}, "name", "", id="empty-name-wins"),
    ],
)
def test_coercion_values(params, field, value):
    assert getattr(coerce_post_params(params), field) == value


def test_reject_skipped_switch():
    assert coerce_post_params({"state": "skipped"}, reject_skipped=True) == "state does not have a valid value"


@pytest.mark.parametrize(
    ("start", "posted", "end"),
    [
        ("created", "running", "running"),
        ("created", "canceled", "canceled"),
        ("created", "skipped", "skipped"),
        ("pending", "skipped", "skipped"),
        ("running", "failed", "failed"),
    ],
)
def test_transitions(start, posted, end):
    moved = apply_state(job(start), posted, NOW)
    assert isinstance(moved, Job)
    assert moved.status == end


def test_refused_transition_message():
    assert apply_state(job("running"), "skipped", NOW) == (
        'Cannot transition status via :skip from :running (Reason(s): Status cannot transition via "skip")'
    )


# GitLab's URL blocker compares the scheme as written (`HTTP` is refused) and, with DNS-rebinding
# protection off, never looks at the port beyond Addressable's "digits only" rule.
@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://localhost:9097/#/x", None),
        ("https://10.1.2.3/a?b=c", None),
        ("HTTP://EXAMPLE.COM", "Only allowed schemes are http, https"),
        ("ftp://example.com", "Only allowed schemes are http, https"),
        ("invalid url", "Only allowed schemes are http, https"),
        ("http://", "URI is invalid"),
        ("http://exa mple.com", "URI is invalid"),
        ("http://h:99999999/", None),
        ("http://h:8o/", "URI is invalid"),
        ("http://example.com/a b", None),
        ("http://-bad.example/", "Hostname or IP address invalid"),
        ("http://[::1]:80/", None),
        ("http://x/a\nb", "URI is invalid"),
    ],
)
def test_url_problem(url, problem):
    assert url_problem(url) == problem


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        pytest.param([], "created", id="no-jobs"),
        pytest.param(["skipped"], "skipped", id="only-skipped"),
        pytest.param(["success", "skipped"], "success", id="success-and-skipped"),
        pytest.param(["success", "failed"], "failed", id="one-failure"),
        pytest.param(["success", "running"], "running", id="one-running"),
        pytest.param(["success", "canceled"], "canceled", id="canceled"),
        pytest.param(["pending", "skipped"], "pending", id="pending"),
        pytest.param(["failed", "pending"], "running", id="failed-and-pending"),
        pytest.param(["created", "success"], "running", id="created-and-success"),
    ],
)
def test_composite_status(statuses, expected):
    assert composite_status([job(s) for s in statuses]) == expected


def test_allowed_failure_is_ignored():
    assert composite_status([job("success"), job("failed", allow_failure=True)]) == "success"
