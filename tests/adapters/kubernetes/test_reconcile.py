"""`finale serve --kubernetes`: PipelineRuns read from the API reach GitLab through the outbox."""

import json
import uuid

from kube_stack import KUBE_TOKEN, TOKEN, annotation, eventually, jobs, pipelinerun, posts, send, stack

from finale.adapters.gitlab.delivery import GitLabDelivery
from finale.adapters.gitlab.wire import StatusRequest
from finale.kubernetes_emulator import serve as serve_kubernetes


def finish(kube, name, status="True", reason="Succeeded"):
    kube.set_condition("ci", name, status, reason, f"run {name} ended")


def test_runs_that_ended_before_start_are_listed_reported_and_annotated(kube, gitlab, repo, tmp_path):
    for name, status, reason in (
        ("a", "True", "Succeeded"),
        ("b", "False", "Cancelled"),
        ("c", "False", "PipelineRunTimeout"),
    ):
        kube.create("pipelineruns", "ci", pipelinerun(repo.main, name))
        finish(kube, name, status, reason)
    with stack(kube, gitlab, tmp_path / "o.db", tmp_path):
        eventually(lambda: all(annotation(kube, n) for n in "abc"))
    assert jobs(gitlab) == [("a", "success"), ("b", "canceled"), ("c", "failed")]
    assert [annotation(kube, n) for n in "abc"] == ["success", "canceled", "failed"]
    assert all("finalizers" not in kube.get("pipelineruns", "ci", n)["metadata"] for n in "abc")


def test_a_watched_run_is_held_by_the_finalizer_then_reported_and_released(kube, gitlab, repo, tmp_path):
    with stack(kube, gitlab, tmp_path / "o.db", tmp_path) as (_service, side):
        eventually(side.is_ready)
        kube.create("pipelineruns", "ci", pipelinerun(repo.main, "w"))
        kube.set_condition("ci", "w", "Unknown", "Running")
        eventually(
            lambda: kube.get("pipelineruns", "ci", "w")["metadata"].get("finalizers") == ["finale.dev/gitlab-report"]
        )
        kube.delete("pipelineruns", "ci", "w")  # a pruner: held by the finalizer
        assert kube.get("pipelineruns", "ci", "w")["metadata"]["deletionTimestamp"]
        finish(kube, "w", "False", "Failed")
        eventually(lambda: not kube.objects("pipelineruns"))  # reported, finalizer removed, deleted
    assert jobs(gitlab) == [("w", "failed")]
    # `running` may be overtaken in the outbox before it is sent; `failed` is posted once, last.
    assert posts(gitlab)[-1] == ("w", "failed") and posts(gitlab).count(("w", "failed")) == 1


def test_a_410_gone_watch_relists_and_reports_what_changed_meanwhile(kube, gitlab, repo, tmp_path):
    kube.create("pipelineruns", "ci", pipelinerun(repo.main, "g"))
    with stack(kube, gitlab, tmp_path / "o.db", tmp_path) as (_service, side):
        eventually(side.is_ready)
        before = side.reconciler.relists
        kube.expire_watches(lambda: finish(kube, "g"))
        eventually(lambda: annotation(kube, "g") == "success")
        assert side.reconciler.relists > before
    assert posts(gitlab) == [("g", "success")]


def test_an_empty_outbox_does_not_post_again_what_the_run_records(kube, gitlab, repo, tmp_path):
    kube.create("pipelineruns", "ci", pipelinerun(repo.main, "r"))
    finish(kube, "r")
    with stack(kube, gitlab, tmp_path / "first.db", tmp_path):
        eventually(lambda: annotation(kube, "r") == "success")
    with stack(kube, gitlab, tmp_path / "lost-volume.db", tmp_path) as (_service, side):
        eventually(side.is_ready)
    assert posts(gitlab) == [("r", "success")]


def test_a_reconciled_final_state_gitlab_already_holds_is_not_posted_again(kube, gitlab, repo, tmp_path):
    """Posted by a replica that died before annotating: the new one reads GitLab first."""
    kube.create("pipelineruns", "ci", pipelinerun(repo.main, "d"))
    finish(kube, "d")
    GitLabDelivery(gitlab.base_url, TOKEN).post(
        StatusRequest(project="team/sub/app", sha=repo.main, state="success", name="d")
    )
    with stack(kube, gitlab, tmp_path / "o.db", tmp_path):
        eventually(lambda: annotation(kube, "d") == "success")
    assert posts(gitlab) == [("d", "success")]


def test_tekton_serving_only_v1beta1_is_read_through_v1beta1(gitlab, repo, tmp_path):
    with serve_kubernetes(tokens=(KUBE_TOKEN,), tekton_versions=("v1beta1",)) as old:
        old.create("pipelineruns", "ci", pipelinerun(repo.main, "b1"))
        finish(old, "b1")
        with stack(old, gitlab, tmp_path / "o.db", tmp_path) as (_service, side):
            assert side.reconciler._api.version == "v1beta1"
            eventually(lambda: annotation(old, "b1") == "success")


def test_a_cloudevent_for_a_run_the_api_does_not_hold_is_not_posted(kube, gitlab, repo, tmp_path):
    forged = {
        **pipelinerun(repo.main, "ghost"),
        "status": {"conditions": [{"type": "Succeeded", "status": "True", "reason": "Succeeded"}]},
    }
    forged["metadata"].update(namespace="ci", uid=str(uuid.uuid4()))
    with stack(kube, gitlab, tmp_path / "o.db", tmp_path) as (service, side):
        eventually(side.is_ready)
        status, answer = send(service.base_url, "successful", forged)
        assert (status, answer["result"]) == (200, "ignored")
        assert "does not exist" in answer["reason"]
    assert posts(gitlab) == []


def test_a_cloudevent_whose_condition_the_api_contradicts_is_not_posted(kube, gitlab, repo, tmp_path):
    real = kube.create("pipelineruns", "ci", pipelinerun(repo.main, "x"))
    kube.set_condition("ci", "x", "Unknown", "Running")
    claimed = json.loads(json.dumps(kube.get("pipelineruns", "ci", "x")))
    claimed["status"]["conditions"][0].update(status="True", reason="Succeeded")
    with stack(kube, gitlab, tmp_path / "o.db", tmp_path) as (service, side):
        eventually(side.is_ready)
        eventually(lambda: posts(gitlab) == [("x", "running")])
        _status, answer = send(service.base_url, "successful", claimed)
        assert answer["result"] == "ignored" and "condition Unknown/Running" in answer["reason"]
        claimed["metadata"]["uid"] = "another"
        assert "another uid" in send(service.base_url, "successful", claimed)[1]["reason"]
        finish(kube, "x", "False", "Failed")
        eventually(lambda: annotation(kube, "x") == "failed")
        answer = send(service.base_url, "failed", kube.get("pipelineruns", "ci", "x"))[1]
        assert answer["result"] == "ignored" and "already reported" in answer["reason"]
    assert real["metadata"]["uid"] == kube.get("pipelineruns", "ci", "x")["metadata"]["uid"]
    assert posts(gitlab) == [("x", "running"), ("x", "failed")]


def test_a_confirmed_cloudevent_is_posted_without_waiting_for_the_watch(kube, gitlab, repo, tmp_path):
    kube.create("pipelineruns", "ci", pipelinerun(repo.main, "ok"))
    with stack(kube, gitlab, tmp_path / "o.db", tmp_path) as (service, side):
        eventually(side.is_ready)
        finish(kube, "ok", "False", "Cancelled")
        _status, answer = send(service.base_url, "failed", kube.get("pipelineruns", "ci", "ok"))
        assert answer["result"] in ("accepted", "stale")  # the watch may have stored it first
        eventually(lambda: annotation(kube, "ok") == "canceled")
    assert posts(gitlab) == [("ok", "canceled")]
