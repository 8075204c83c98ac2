"""Tekton CloudEvents -> GitLab status updates: parsing, state, where to report, ordering."""

import base64
import json

import pytest

from finale.core.gitlab.events import (
    CloudEvent,
    EventError,
    Ignored,
    StatusUpdate,
    parse_cloudevent,
    status_update,
)
from finale.core.gitlab.state import GitLabState

SHA = "0123456789abcdef0123456789abcdef01234567"


def pipelinerun(condition=None, *, annotations=None, params=None, uid="uid-1", name="build-1"):
    run = {
        "metadata": {"name": name, "namespace": "ci", "uid": uid, "annotations": annotations or {}},
        "spec": {
            "params": params
            if params is not None
            else [
                {"name": "REPO_PATH_ONLY", "value": "team/sub/app"},
                {"name": "SOURCE_REVISION", "value": SHA},
            ]
        },
        "status": {},
    }
    if condition is not None:
        status, reason, message, *when = condition
        run["status"]["conditions"] = [
            {
                "type": "Succeeded",
                "status": status,
                "reason": reason,
                "message": message,
                "lastTransitionTime": when[0] if when else "2026-01-01T10:00:00Z",
            }
        ]
    return run


def event(kind="successful", run=None, *, id="ev-1", time=""):
    return CloudEvent(
        id=id,
        type=f"dev.tekton.event.pipelinerun.{kind}.v1",
        source="/x",
        subject="build-1",
        time=time,
        data={"pipelineRun": run if run is not None else pipelinerun()},
    )


def binary(body, **extra):
    headers = {
        "Ce-Id": "ev-1",
        "Ce-Type": "dev.tekton.event.pipelinerun.failed.v1",
        "Ce-Source": "/apis///namespaces/ci/pipelineruns/build-1",
        "Ce-Specversion": "1.0",
        "Content-Type": "application/json",
        **extra,
    }
    return parse_cloudevent(headers, json.dumps(body).encode())


@pytest.mark.parametrize(
    ("kind", "condition", "state", "description"),
    [
        pytest.param("started", ("Unknown", "Started", ""), "running", "Tekton: PipelineRun is running", id="started"),
        pytest.param(
            "unknown", ("Unknown", "PipelineRunPending", ""), "pending", "Tekton: PipelineRun is pending", id="pending"
        ),
        pytest.param(
            "successful",
            ("True", "Succeeded", "Tasks Completed: 2 (Failed: 0, Cancelled 0)"),
            "success",
            "Tekton: PipelineRun succeeded: Tasks Completed: 2 (Failed: 0, Cancelled 0)",
            id="succeeded",
        ),
        pytest.param(
            "failed",
            ("False", "Cancelled", 'PipelineRun "build-1" was cancelled'),
            "canceled",
            'Tekton: PipelineRun was cancelled: PipelineRun "build-1" was cancelled',
            id="hard-cancel",
        ),
        pytest.param(
            "failed",
            ("False", "PipelineRunTimeout", 'PipelineRun "build-1" failed to finish within "1h0m0s"'),
            "failed",
            'Tekton: PipelineRun failed (PipelineRunTimeout): PipelineRun "build-1" failed to finish within "1h0m0s"',
            id="pipeline-timeout",
        ),
        pytest.param("failed", None, "failed", "Tekton: PipelineRun failed (Failed)", id="no-condition-uses-type"),
        pytest.param("successful", None, "success", "Tekton: PipelineRun succeeded", id="no-condition-success"),
    ],
)
def test_state_comes_from_the_final_condition(kind, condition, state, description):
    update = status_update(event(kind, pipelinerun(condition)))
    assert isinstance(update, StatusUpdate)
    assert (update.state, update.description) == (GitLabState(state), description)
    assert update.final == (state in ("success", "failed", "canceled"))


def test_where_to_report_from_params_of_the_seed_pipeline():
    update = status_update(
        event(
            run=pipelinerun(
                ("True", "Succeeded", ""),
                params=[
                    {"name": "REPO_PATH_ONLY", "value": "team/sub/app"},
                    {"name": "SOURCE_REVISION", "value": SHA},
                    {"name": "TEKTON_DASHBOARD_HOST", "value": "dash.example"},
                ],
            )
        )
    )
    assert (update.project, update.sha, update.ref, update.name, update.target_url, update.run) == (
        "team/sub/app",
        SHA,
        "",
        "tekton-pipeline",
        "https://dash.example/#/namespaces/ci/pipelineruns/build-1",
        "uid-1",
    )


def test_annotations_win_over_params():
    run = pipelinerun(
        ("True", "Succeeded", ""),
        annotations={
            "finale.dev/gitlab-project": "42",
            "finale.dev/gitlab-sha": "abc1234",
            "finale.dev/gitlab-ref": "main",
            "finale.dev/gitlab-name": "tekton/build",
            "finale.dev/gitlab-target-url": "https://ci.example/runs/1",
        },
    )
    update = status_update(event(run=run), default_name="other")
    assert (update.project, update.sha, update.ref, update.name, update.target_url) == (
        "42",
        "abc1234",
        "main",
        "tekton/build",
        "https://ci.example/runs/1",
    )


def test_a_branch_revision_is_also_the_ref():
    run = pipelinerun(
        ("True", "Succeeded", ""),
        params=[{"name": "REPO_PATH_ONLY", "value": "team/sub/app"}, {"name": "SOURCE_REVISION", "value": "feature/x"}],
    )
    update = status_update(event(run=run))
    assert (update.sha, update.ref) == ("feature/x", "feature/x")


@pytest.mark.parametrize(
    ("params", "missing"),
    [
        pytest.param([{"name": "SOURCE_REVISION", "value": SHA}], "project", id="no-project"),
        pytest.param(
            [{"name": "REPO_PATH_ONLY", "value": "a/b"}, {"name": "SOURCE_REVISION", "value": " "}],
            "commit SHA",
            id="blank-sha",
        ),
        pytest.param(
            [{"name": "REPO_PATH_ONLY", "value": ["a"]}, {"name": "SOURCE_REVISION", "value": SHA}],
            "project",
            id="array-param-is-not-a-project",
        ),
    ],
)
def test_a_run_without_project_or_sha_is_ignored_with_a_reason(params, missing):
    result = status_update(event(run=pipelinerun(params=params)))
    assert isinstance(result, Ignored)
    assert result.reason.startswith(f"PipelineRun ci/build-1 names no GitLab {missing}; set annotation")


def test_taskrun_events_are_ignored():
    result = status_update(
        CloudEvent(
            id="t", type="dev.tekton.event.taskrun.failed.v1", source="", subject="", time="", data={"taskRun": {}}
        )
    )
    assert result == Ignored(event_id="t", reason="dev.tekton.event.taskrun.failed.v1 is not a PipelineRun event")


def test_pipelinerun_event_without_pipelinerun_is_an_error():
    bad = CloudEvent(
        id="x", type="dev.tekton.event.pipelinerun.failed.v1", source="", subject="", time="", data={"taskRun": {}}
    )
    with pytest.raises(EventError, match="data has no pipelineRun object"):
        status_update(bad)


@pytest.mark.parametrize(
    ("older", "newer"),
    [
        pytest.param(
            ("running", ("Unknown", "Running", "", "2026-01-01T10:00:09Z")),
            ("failed", ("False", "Failed", "", "2026-01-01T10:00:01Z")),
            id="final-beats-later-running",
        ),
        pytest.param(
            ("running", ("Unknown", "Running", "", "2026-01-01T10:00:00Z")),
            ("running", ("Unknown", "Running", "", "2026-01-01T10:00:00.5Z")),
            id="fraction-sorts-after",
        ),
        pytest.param(
            ("unknown", ("Unknown", "PipelineRunPending", "", "2026-01-01T10:00:00Z")),
            ("running", ("Unknown", "Running", "", "2026-01-01T10:00:00Z")),
            id="same-second-running",
        ),
        pytest.param(
            ("running", ("Unknown", "Running", "", "2026-01-01T11:00:00+01:00")),
            ("running", ("Unknown", "Running", "", "2026-01-01T10:00:01Z")),
            id="time-zones",
        ),
    ],
)
def test_rank_orders_updates_of_one_run(older, newer):
    first = status_update(event(older[0], pipelinerun(older[1])))
    second = status_update(event(newer[0], pipelinerun(newer[1])))
    assert first.rank < second.rank


def test_binary_mode_headers_in_any_case_are_percent_decoded():
    extra = {"ce-subject": "caf%C3%A9 run", "CE-TIME": "2026-01-01T10:00:00Z"}
    parsed = binary({"pipelineRun": pipelinerun()}, **extra)
    assert (parsed.id, parsed.type, parsed.subject, parsed.time) == (
        "ev-1",
        "dev.tekton.event.pipelinerun.failed.v1",
        "café run",
        "2026-01-01T10:00:00Z",
    )
    assert parsed.data["pipelineRun"]["metadata"]["name"] == "build-1"


def test_structured_mode_with_data_or_data_base64():
    envelope = {
        "specversion": "1.0",
        "id": "s-1",
        "type": "dev.tekton.event.pipelinerun.successful.v1",
        "source": "/x",
        "data": {"pipelineRun": pipelinerun()},
    }
    headers = {"content-type": "application/cloudevents+json; charset=utf-8"}
    assert parse_cloudevent(headers, json.dumps(envelope).encode()).id == "s-1"
    data = envelope.pop("data")
    envelope["data_base64"] = base64.b64encode(json.dumps(data).encode()).decode()
    assert parse_cloudevent(headers, json.dumps(envelope).encode()).data == data


@pytest.mark.parametrize(
    ("headers", "body", "message"),
    [
        pytest.param(
            {"Content-Type": "application/json"}, b"{}", "not a CloudEvent: no ce-id/ce-type headers", id="plain-json"
        ),
        pytest.param({"ce-type": "t", "ce-id": " "}, b"{}", "missing or empty header ce-id", id="blank-id"),
        pytest.param({"ce-id": "1"}, b"{}", "missing or empty header ce-type", id="no-type"),
        pytest.param({"ce-id": "1", "ce-type": "t"}, b"{not json", "body is not valid JSON", id="bad-json"),
        pytest.param({"ce-id": "1", "ce-type": "t"}, b"", "body is not valid JSON", id="empty-body"),
        pytest.param({"ce-id": "1", "ce-type": "t"}, b"[1]", "body must be a JSON object", id="array-body"),
        pytest.param(
            {"ce-id": "1", "ce-type": "t", "content-type": "text/plain"},
            b"{}",
            "Content-Type 'text/plain': data must be JSON",
            id="text-body",
        ),
        pytest.param(
            {"ce-id": "1", "ce-type": "t", "ce-specversion": "0.3"},
            b"{}",
            "header ce-specversion '0.3' is not supported",
            id="old-spec",
        ),
        pytest.param(
            {"content-type": "application/cloudevents+json"},
            b'{"id": "1", "data": {}}',
            "missing or empty attribute type",
            id="structured-no-type",
        ),
        pytest.param(
            {"content-type": "application/cloudevents+json"},
            b'{"id": "1", "type": "t", "data": 3}',
            "data must be a JSON object",
            id="structured-scalar-data",
        ),
        pytest.param(
            {"content-type": "application/cloudevents+json"},
            b'{"id": "1", "type": "t", "data_base64": "!!"}',
            "data_base64 is not valid base64",
            id="bad-base64",
        ),
        pytest.param(
            {"content-type": "application/cloudevents-batch+json"},
            b"[]",
            "batched CloudEvents are not supported",
            id="batch",
        ),
    ],
)
def test_malformed_events_are_refused_with_a_reason(headers, body, message):
    with pytest.raises(EventError) as caught:
        parse_cloudevent(headers, body)
    assert str(caught.value).startswith(message)
