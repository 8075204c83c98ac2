"""`finale serve` with its Kubernetes side, in-process over loopback, and what the tests read back."""

from __future__ import annotations

import contextlib
import http.client
import json
import threading
import time
import uuid
from dataclasses import replace

from lightkube import KubeConfig

from finale.adapters.gitlab.delivery import GitLabDelivery
from finale.adapters.kubernetes.api import KubeApi
from finale.adapters.kubernetes.lease import LeaseTiming
from finale.adapters.kubernetes.side import KubernetesOptions, KubernetesSide
from finale.adapters.serve.outbox import Outbox
from finale.adapters.serve.recheck import GitLabStatusCheck
from finale.adapters.serve.server import Backoff, ServiceConfig, start_service
from finale.gitlab_emulator.sample import PROJECT_PATH

TOKEN = "glpat-maintainer"
KUBE_TOKEN = "kube-token"
FAST = ServiceConfig(backoff=Backoff(base=0.05, cap=0.2), drain_seconds=1.0)
OPTIONS = KubernetesOptions(resync=600, finalizer=True, watch_timeout=5)


def pipelinerun(sha, name="run-1", **annotations):
    return {
        "metadata": {"name": name, "annotations": {"finale.dev/gitlab-name": name, **annotations}},
        "spec": {
            "params": [{"name": "REPO_PATH_ONLY", "value": PROJECT_PATH}, {"name": "SOURCE_REVISION", "value": sha}]
        },
    }


@contextlib.contextmanager
def stack(kube, gitlab, db, tmp_path, options=OPTIONS, identity=""):
    """finale serve with --kubernetes, as `finale serve` wires it, until the block ends."""
    api = KubeApi(KubeConfig.from_file(kube.kubeconfig(tmp_path / "kubeconfig", KUBE_TOKEN)))
    api.discover()
    outbox, wake = Outbox(db), threading.Event()
    side = KubernetesSide(
        api, outbox, wake, replace(options, identity=identity or "replica-a"), status_name="x", log=print
    )
    check = GitLabStatusCheck(gitlab.base_url, TOKEN)
    delivery = GitLabDelivery(gitlab.base_url, TOKEN)
    service = start_service(outbox, delivery, FAST, check=check, wake=wake, active=side.can_send, verify=side.verify)
    side.start()
    try:
        yield service, side
    finally:
        service.stop()
        side.stop()
        api.close()


def eventually(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def jobs(gitlab):
    return sorted((j["name"], j["status"]) for p in gitlab.pipelines() for j in p["jobs"])


def posts(gitlab):
    return [(r["json"]["name"], r["json"]["state"]) for r in gitlab.requests() if r["method"] == "POST"]


def annotation(kube, name):
    return (kube.get("pipelineruns", "ci", name)["metadata"].get("annotations") or {}).get("finale.dev/gitlab-reported")


FAST_LEASE = LeaseTiming(duration=1.5, renew_deadline=1.0, retry_period=0.2)


def send(base_url, kind, run):
    """POST one binary-mode CloudEvent the way Tekton's controller does."""
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    headers = {
        "Ce-Id": str(uuid.uuid4()),
        "Ce-Type": f"dev.tekton.event.pipelinerun.{kind}.v1",
        "Ce-Source": "/apis///namespaces/ci/pipelineruns/x",
        "Ce-Specversion": "1.0",
        "Content-Type": "application/json",
    }
    try:
        connection.request("POST", "/", body=json.dumps({"pipelineRun": run}).encode(), headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()
