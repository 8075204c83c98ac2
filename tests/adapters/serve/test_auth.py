"""Event authentication over real HTTP(S) on 127.0.0.1: bearer token and mTLS refuse strangers."""

import http.client
import json
import shutil
import ssl
import subprocess
import uuid
from pathlib import Path

import pytest

from finale.adapters.gitlab.delivery import GitLabDelivery
from finale.adapters.serve.auth import EventAuth, is_loopback, server_tls
from finale.adapters.serve.outbox import Outbox
from finale.adapters.serve.sender import Backoff
from finale.adapters.serve.server import ServiceConfig, start_service
from finale.gitlab_emulator.sample import PROJECT_PATH

GITLAB_TOKEN = "glpat-maintainer"
EVENT_TOKEN = "s3cret-event-token"
FAST = ServiceConfig(backoff=Backoff(base=0.05, cap=0.2), drain_seconds=1.0)


def event(sha, event_id=None):
    run = {
        "metadata": {"name": "build-1", "namespace": "ci", "uid": "uid-1"},
        "spec": {
            "params": [{"name": "REPO_PATH_ONLY", "value": PROJECT_PATH}, {"name": "SOURCE_REVISION", "value": sha}]
        },
        "status": {"conditions": [{"type": "Succeeded", "status": "False", "reason": "Failed"}]},
    }
    headers = {
        "Ce-Id": event_id or str(uuid.uuid4()),
        "Ce-Type": "dev.tekton.event.pipelinerun.failed.v1",
        "Ce-Source": "/x",
        "Ce-Specversion": "1.0",
        "Content-Type": "application/json",
    }
    return json.dumps({"pipelineRun": run}).encode(), headers


def post(connection, body, headers):
    try:
        connection.request("POST", "/", body=body, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read()), response.getheader("WWW-Authenticate")
    finally:
        connection.close()


@pytest.fixture
def guarded(gitlab, tmp_path):
    config = ServiceConfig(backoff=FAST.backoff, drain_seconds=1.0, auth=EventAuth(token=EVENT_TOKEN))
    with start_service(Outbox(tmp_path / "o.db"), GitLabDelivery(gitlab.base_url, GITLAB_TOKEN), config) as running:
        yield running


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(None, id="no-header"),
        pytest.param("Bearer wrong", id="wrong-token"),
        pytest.param(f"Basic {EVENT_TOKEN}", id="not-bearer"),
        pytest.param(f"Bearer {EVENT_TOKEN}x", id="longer-token"),
    ],
)
def test_an_unauthenticated_event_gets_401_and_posts_nothing(guarded, gitlab, repo, authorization):
    body, headers = event(repo.main)
    if authorization is not None:
        headers["Authorization"] = authorization
    status, answer, challenge = post(http.client.HTTPConnection(guarded.host, guarded.port, timeout=10), body, headers)
    assert (status, challenge) == (401, 'Bearer realm="finale-serve"')
    assert EVENT_TOKEN not in json.dumps(answer)
    assert guarded.outbox.counts()["pending"] == 0 and sum(guarded.outbox.counts().values()) == 0
    guarded.stop()
    assert gitlab.requests() == []


def test_the_right_token_is_accepted_and_posted(guarded, gitlab, repo):
    body, headers = event(repo.main)
    headers["Authorization"] = f"Bearer {EVENT_TOKEN}"
    status, answer, _ = post(http.client.HTTPConnection(guarded.host, guarded.port, timeout=10), body, headers)
    assert (status, answer["result"]) == (202, "accepted")
    guarded.stop()
    assert [r["json"]["state"] for r in gitlab.requests() if r["method"] == "POST"] == ["failed"]


def test_auth_token_never_shows_in_repr():
    assert EVENT_TOKEN not in repr(EventAuth(token=EVENT_TOKEN))


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("::1", True), ("localhost", True), ("0.0.0.0", False), ("10.0.0.5", False), ("x", False)],
)
def test_loopback_hosts(host, loopback):
    assert is_loopback(host) is loopback


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A CA, a server certificate for 127.0.0.1 and a client certificate, made by openssl."""
    if shutil.which("openssl") is None:
        pytest.fail("openssl is needed to make test certificates")
    d = tmp_path_factory.mktemp("pki")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
             "-days", "2", "-subj", "/CN=finale test CA", cwd=d)  # fmt: skip
    for name, extra in (("server", "subjectAltName=IP:127.0.0.1"), ("client", "extendedKeyUsage=clientAuth")):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
                 "-subj", f"/CN={name}", cwd=d)  # fmt: skip
        (d / f"{name}.ext").write_text(extra + "\n")
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                 "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext", cwd=d)  # fmt: skip
    return d


@pytest.fixture
def mtls(gitlab, tmp_path, pki):
    config = ServiceConfig(
        backoff=FAST.backoff,
        drain_seconds=1.0,
        auth=EventAuth(mtls=True),
        tls=server_tls(pki / "server.pem", pki / "server.key", pki / "ca.pem"),
        ops_port=0,
    )
    with start_service(Outbox(tmp_path / "o.db"), GitLabDelivery(gitlab.base_url, GITLAB_TOKEN), config) as running:
        yield running


def _client_context(pki: Path, with_cert: bool) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    if with_cert:
        context.load_cert_chain(pki / "client.pem", pki / "client.key")
    return context


def test_mtls_accepts_a_client_certificate_signed_by_the_ca(mtls, gitlab, repo, pki):
    assert mtls.base_url.startswith("https://")
    connection = http.client.HTTPSConnection(mtls.host, mtls.port, timeout=10, context=_client_context(pki, True))
    status, answer, _ = post(connection, *event(repo.main))
    assert (status, answer["result"]) == (202, "accepted")
    mtls.stop()
    assert [r["json"]["state"] for r in gitlab.requests() if r["method"] == "POST"] == ["failed"]


def test_mtls_refuses_a_client_without_a_certificate(mtls, gitlab, repo, pki):
    connection = http.client.HTTPSConnection(mtls.host, mtls.port, timeout=10, context=_client_context(pki, False))
    # TLS 1.3 reports the refusal on the first read; 1.2 during the handshake.
    with pytest.raises((ssl.SSLError, ConnectionError)):
        post(connection, *event(repo.main))
    assert sum(mtls.outbox.counts().values()) == 0
    mtls.stop()
    assert gitlab.requests() == []


def test_the_ops_port_serves_probes_in_plain_http_and_takes_no_events(mtls, repo):
    host, port = mtls.ops_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", "/readyz")
        response = connection.getresponse()
        assert (response.status, json.loads(response.read())) == (200, {"status": "ready"})
    finally:
        connection.close()
    status, answer, _ = post(http.client.HTTPConnection(host, int(port), timeout=10), *event(repo.main))
    assert (status, answer["error"]) == (404, "this port serves /healthz, /readyz, /metrics and /outbox only")
    assert sum(mtls.outbox.counts().values()) == 0
