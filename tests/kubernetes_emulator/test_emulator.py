"""The Kubernetes emulator driven by the real client library (lightkube) over loopback HTTP."""

import http.client
import json
import threading

import httpx2
import pytest
from lightkube import Client, KubeConfig
from lightkube.core.exceptions import ApiError
from lightkube.generic_resource import create_namespaced_resource
from lightkube.models.coordination_v1 import LeaseSpec
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.coordination_v1 import Lease
from lightkube.types import PatchType

from finale.kubernetes_emulator import serve

TOKEN = "emulator-token"
PipelineRun = create_namespaced_resource("tekton.dev", "v1", "PipelineRun", "pipelineruns")
PipelineRunBeta = create_namespaced_resource("tekton.dev", "v1beta1", "PipelineRun", "pipelineruns")


@pytest.fixture
def kube():
    with serve(tokens=(TOKEN,)) as running:
        yield running


@pytest.fixture
def client(kube, tmp_path):
    with Client(KubeConfig.from_file(kube.kubeconfig(tmp_path / "kubeconfig", TOKEN))) as opened:
        yield opened


def run(name, **annotations):
    return {"metadata": {"name": name, "annotations": annotations}, "spec": {"pipelineRef": {"name": "p"}}}


def raw(kube, method, path, body=None, token=TOKEN, content_type="application/json"):
    host, port = kube.base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    headers = {"Content-Type": content_type, **({"Authorization": f"Bearer {token}"} if token else {})}
    connection.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
    response = connection.getresponse()
    text = response.read().decode()
    connection.close()
    return response.status, [json.loads(line) for line in text.splitlines() if line.strip()]


def test_discovery_names_both_tekton_versions_and_leases(kube):
    assert raw(kube, "GET", "/apis")[0] == 200
    groups = {g["name"]: [v["version"] for v in g["versions"]] for g in raw(kube, "GET", "/apis")[1][0]["groups"]}
    assert groups == {"coordination.k8s.io": ["v1"], "tekton.dev": ["v1", "v1beta1"]}
    _status, (resources,) = raw(kube, "GET", "/apis/tekton.dev/v1")
    assert [r["name"] for r in resources["resources"]] == ["pipelineruns", "pipelineruns/status"]
    assert raw(kube, "GET", "/apis/tekton.dev")[1][0]["preferredVersion"]["version"] == "v1"
    assert raw(kube, "GET", "/api")[1][0]["versions"] == ["v1"]


def test_a_request_without_the_bearer_token_is_401_with_a_status(kube, tmp_path):
    for token in (None, "wrong"):
        status, (body,) = raw(kube, "GET", "/apis/tekton.dev/v1/pipelineruns", token=token)
        assert (status, body["kind"], body["reason"], body["code"]) == (401, "Status", "Unauthorized", 401)
    config = KubeConfig.from_file(kube.kubeconfig(tmp_path / "other", "wrong"))
    with Client(config) as stranger, pytest.raises(ApiError) as caught:
        list(stranger.list(PipelineRun, namespace="ci"))
    assert caught.value.status.code == 401


def test_list_pages_with_limit_and_continue_at_one_resource_version(kube, client):
    for i in range(7):
        kube.create("pipelineruns", "ci", run(f"r{i}"))
    listed = client.list(PipelineRun, namespace="ci", chunk_size=3)
    names = [o.metadata.name for o in listed]
    assert names == [f"r{i}" for i in range(7)]
    assert listed.resourceVersion == str(kube.store.version)
    status, (page,) = raw(kube, "GET", "/apis/tekton.dev/v1/namespaces/ci/pipelineruns?limit=3")
    assert (len(page["items"]), page["metadata"]["remainingItemCount"]) == (3, 4)
    kube.create("pipelineruns", "ci", run("r7"))
    kube.compact()
    status, (gone,) = raw(
        kube, "GET", f"/apis/tekton.dev/v1/namespaces/ci/pipelineruns?continue={page['metadata']['continue']}"
    )
    assert (status, gone["reason"]) == (410, "Expired")


def test_the_same_run_is_served_as_v1beta1_and_v1beta1_alone_can_be_served(kube, client):
    kube.create("pipelineruns", "ci", run("r1"))
    assert client.get(PipelineRunBeta, "r1", namespace="ci").apiVersion == "tekton.dev/v1beta1"
    with serve(tokens=(TOKEN,), tekton_versions=("v1beta1",)) as old:
        assert raw(old, "GET", "/apis/tekton.dev/v1/namespaces/ci/pipelineruns")[0] == 404


def test_merge_patch_with_a_stale_resource_version_is_409_and_without_one_applies(kube, client):
    created = kube.create("pipelineruns", "ci", run("r1"))
    patch = {"metadata": {"annotations": {"x": "1"}}}
    done = client.patch(PipelineRun, "r1", patch, namespace="ci", patch_type=PatchType.MERGE)
    assert done.metadata.annotations == {"x": "1"}
    assert int(done.metadata.resourceVersion) > int(created["metadata"]["resourceVersion"])
    stale = {"metadata": {"resourceVersion": created["metadata"]["resourceVersion"], "annotations": {"x": "2"}}}
    with pytest.raises(ApiError) as caught:
        client.patch(PipelineRun, "r1", stale, namespace="ci", patch_type=PatchType.MERGE)
    assert (caught.value.status.code, caught.value.status.reason) == (409, "Conflict")
    assert kube.get("pipelineruns", "ci", "r1")["metadata"]["annotations"] == {"x": "1"}


def test_json_patch_applies_and_a_failed_test_op_is_422(kube, client):
    kube.create("pipelineruns", "ci", run("r1", a="1"))
    ops = [
        {"op": "test", "path": "/metadata/annotations/a", "value": "1"},
        {"op": "add", "path": "/metadata/finalizers", "value": ["f/x"]},
    ]
    assert client.patch(PipelineRun, "r1", ops, namespace="ci", patch_type=PatchType.JSON).metadata.finalizers == [
        "f/x"
    ]
    with pytest.raises(ApiError) as caught:
        client.patch(
            PipelineRun,
            "r1",
            [{"op": "test", "path": "/metadata/annotations/a", "value": "2"}],
            namespace="ci",
            patch_type=PatchType.JSON,
        )
    assert caught.value.status.code == 422


def test_status_goes_through_the_subresource_only(kube, client):
    kube.create("pipelineruns", "ci", run("r1"))
    condition = {"type": "Succeeded", "status": "True", "reason": "Succeeded"}
    client.patch(PipelineRun, "r1", {"status": {"conditions": [condition]}}, namespace="ci", patch_type=PatchType.MERGE)
    assert "status" not in kube.get("pipelineruns", "ci", "r1")
    client.patch(
        PipelineRun.Status, "r1", {"status": {"conditions": [condition]}}, namespace="ci", patch_type=PatchType.MERGE
    )
    assert kube.get("pipelineruns", "ci", "r1")["status"]["conditions"] == [condition]


def test_finalizers_hold_a_delete_until_they_are_removed(kube, client):
    kube.create(
        "pipelineruns", "ci", {**run("r1"), "metadata": {"name": "r1", "finalizers": ["finale.dev/gitlab-report"]}}
    )
    client.delete(PipelineRun, "r1", namespace="ci")
    held = kube.get("pipelineruns", "ci", "r1")
    assert held["metadata"]["deletionTimestamp"]
    with pytest.raises(ApiError) as caught:
        client.patch(
            PipelineRun,
            "r1",
            {"metadata": {"finalizers": ["finale.dev/gitlab-report", "other"]}},
            namespace="ci",
            patch_type=PatchType.MERGE,
        )
    assert caught.value.status.code == 422
    client.patch(PipelineRun, "r1", {"metadata": {"finalizers": None}}, namespace="ci", patch_type=PatchType.MERGE)
    with pytest.raises(ApiError) as caught:
        client.get(PipelineRun, "r1", namespace="ci")
    assert (caught.value.status.code, caught.value.status.reason) == (404, "NotFound")


def collect(client, version, into, **kwargs):
    try:
        for kind, obj in client.watch(PipelineRun, namespace="ci", resource_version=version, **kwargs):
            into.append((kind, obj.metadata.name))
    except ApiError as exc:
        into.append(("error", exc.status.code, exc.status.reason))
    except httpx2.HTTPError as exc:
        into.append(("cut", type(exc).__name__))
    except RuntimeError:  # the test is over and closed the client
        pass


def wait_for(condition, timeout=10.0):
    done = threading.Event()
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        done.wait(0.02)
    raise AssertionError("condition not met")


def test_watch_streams_changes_from_the_list_version_and_resumes_after_its_timeout(kube, client):
    kube.create("pipelineruns", "ci", run("r1"))
    version = client.list(PipelineRun, namespace="ci")
    list(version)
    seen = []
    threading.Thread(
        target=collect, args=(client, version.resourceVersion, seen), kwargs={"server_timeout": 1}, daemon=True
    ).start()
    kube.create("pipelineruns", "ci", run("r2"))
    kube.set_condition("ci", "r1", "True", "Succeeded")
    kube.delete("pipelineruns", "ci", "r2")
    wait_for(lambda: len(seen) >= 3)
    assert seen[:3] == [("ADDED", "r2"), ("MODIFIED", "r1"), ("DELETED", "r2")]
    kube.create("pipelineruns", "ci", run("r3"))  # after the first stream's timeout too
    wait_for(lambda: ("ADDED", "r3") in seen)
    assert seen.count(("ADDED", "r2")) == 1


def test_a_watch_resuming_after_compaction_gets_410_in_the_stream_or_as_http(kube, client):
    kube.create("pipelineruns", "ci", run("r1"))
    old = str(kube.store.version)
    kube.create("pipelineruns", "ci", run("r2"))
    kube.compact()
    status, events = raw(kube, "GET", f"/apis/tekton.dev/v1/namespaces/ci/pipelineruns?watch=1&resourceVersion={old}")
    assert status == 200
    assert [(e["type"], e["object"]["reason"], e["object"]["code"]) for e in events] == [("ERROR", "Expired", 410)]
    seen = []
    collect(client, old, seen)
    assert seen == [("error", 410, "Expired")]
    kube.compact(gone_as_http=True)
    status, (body,) = raw(
        kube, "GET", f"/apis/tekton.dev/v1/namespaces/ci/pipelineruns?watch=true&resourceVersion={old}"
    )
    assert (status, body["kind"], body["reason"]) == (410, "Status", "Expired")


def test_bookmarks_only_when_asked_and_timeout_seconds_ends_the_stream(kube):
    kube.set_bookmark_interval(0.1)
    kube.create("pipelineruns", "ci", run("r1"))
    now = kube.store.version
    path = f"/apis/tekton.dev/v1/namespaces/ci/pipelineruns?watch=1&resourceVersion={now}&timeoutSeconds=1"
    status, events = raw(kube, "GET", path + "&allowWatchBookmarks=true")
    assert status == 200 and events and {e["type"] for e in events} == {"BOOKMARK"}
    assert events[0]["object"]["metadata"] == {"resourceVersion": str(now), "creationTimestamp": None}
    assert raw(kube, "GET", path)[1] == []


def test_a_watch_without_a_version_starts_with_the_current_objects(kube):
    kube.create("pipelineruns", "ci", run("r1"))
    _status, events = raw(kube, "GET", "/apis/tekton.dev/v1/namespaces/ci/pipelineruns?watch=1&timeoutSeconds=1")
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "r1")]


def test_injected_faults_and_dropped_watches(kube, client):
    kube.faults.fail(500, count=2)
    for _ in range(2):
        with pytest.raises(ApiError) as caught:
            client.get(PipelineRun, "r1", namespace="ci")
        assert caught.value.status.code == 500
    kube.create("pipelineruns", "ci", run("r1"))
    assert client.get(PipelineRun, "r1", namespace="ci").metadata.name == "r1"
    seen = []
    watcher = threading.Thread(target=collect, args=(client, str(kube.store.version), seen), daemon=True)
    watcher.start()
    wait_for(lambda: any(method == "GET" and "watch" not in path for method, path in kube.requests()))
    kube.create("pipelineruns", "ci", run("r2"))
    wait_for(lambda: seen)
    kube.faults.drop_watches()
    watcher.join(timeout=10)
    assert seen == [("ADDED", "r2"), ("cut", "RemoteProtocolError")]


def test_leases_take_turns_by_resource_version(kube, client):
    lease = Lease(
        metadata=ObjectMeta(name="finale", namespace="ci"), spec=LeaseSpec(holderIdentity="a", leaseDurationSeconds=15)
    )
    first = client.create(lease)
    with pytest.raises(ApiError) as caught:
        client.create(lease)
    assert (caught.value.status.code, caught.value.status.reason) == (409, "AlreadyExists")
    first.spec.holderIdentity = "b"
    second = client.replace(first)
    assert second.spec.holderIdentity == "b"
    first.spec.holderIdentity = "c"
    with pytest.raises(ApiError) as caught:
        client.replace(first)  # carries the version "b" already replaced
    assert caught.value.status.code == 409
    assert client.get(Lease, "finale", namespace="ci").spec.holderIdentity == "b"
