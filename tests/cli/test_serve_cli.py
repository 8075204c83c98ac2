"""`finale serve` from the command line: flag errors in-process, a real process for the rest."""

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from finale.adapters.serve.outbox import Outbox
from finale.cli.main import main
from finale.gitlab_emulator import load_config, serve
from finale.gitlab_emulator.sample import PROJECT_PATH, make_sample_repo, sample_config

TOKEN = "glpat-maintainer"


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return make_sample_repo(tmp_path_factory.mktemp("gitlab") / "app")


@pytest.fixture
def gitlab(repo):
    with serve(load_config(sample_config(repo.path))) as emulator:
        yield emulator


@pytest.fixture
def token_file(tmp_path):
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    return str(path)


@pytest.mark.parametrize(
    ("extra", "env_token", "message"),
    [
        pytest.param([], "", "error: no GitLab token; fix: pass --token-file FILE or set GITLAB_TOKEN", id="no-token"),
        pytest.param(
            ["--token-file", "/nonexistent/token"],
            "",
            "error: --token-file: cannot read /nonexistent/token: No such file or directory",
            id="missing-file",
        ),
        pytest.param(
            ["--port", "http"],
            TOKEN,
            "error: --port: 'http' is not a port number; fix: e.g. --port 8080 (0 = any free)",
            id="bad-port",
        ),
        pytest.param(
            ["--max-backoff", "-1"],
            TOKEN,
            "error: --max-backoff: '-1' must be a number of seconds > 0",
            id="bad-backoff",
        ),
        pytest.param(
            ["--gitlab-url", "https://user:pw@gitlab.example"],
            TOKEN,
            "error: the GitLab URL must not hold credentials; give the token apart",
            id="url-credentials",
        ),
        pytest.param(
            ["--name", " "],
            TOKEN,
            "error: --name: empty; fix: give a status name such as tekton-pipeline",
            id="empty-name",
        ),
        pytest.param(
            ["--host", "0.0.0.0"],
            TOKEN,
            "error: refusing unauthenticated events on 0.0.0.0; fix: give --event-token-file FILE (or "
            "FINALE_EVENT_TOKEN), or --tls-cert/--tls-key with --client-ca, or --allow-unauthenticated when a "
            "NetworkPolicy (or a proxy) already limits who reaches the port",
            id="open-without-auth",
        ),
        pytest.param(
            ["--event-token-file", "/nonexistent/event-token"],
            TOKEN,
            "error: --event-token-file: cannot read /nonexistent/event-token: No such file or directory",
            id="missing-event-token",
        ),
        pytest.param(
            ["--tls-cert", "cert.pem"],
            TOKEN,
            "error: --tls-cert and --tls-key go together; fix: give both or neither",
            id="cert-without-key",
        ),
        pytest.param(
            ["--client-ca", "ca.pem"],
            TOKEN,
            "error: --client-ca needs --tls-cert and --tls-key; fix: serve HTTPS to check client certs",
            id="ca-without-tls",
        ),
        pytest.param(
            ["--retention", "7x"],
            TOKEN,
            'error: --retention: time: unknown unit "x" in duration "7x"; fix: e.g. --retention 7d or '
            "--retention 72h (0 keeps rows forever)",
            id="bad-retention",
        ),
        pytest.param(
            ["--senders", "0"], TOKEN, "error: --senders: '0' must be a whole number from 1 to 64", id="no-senders"
        ),
    ],
)
def test_bad_flags_exit_2_with_one_message(tmp_path, monkeypatch, capsys, extra, env_token, message):
    monkeypatch.setenv("GITLAB_TOKEN", env_token)
    monkeypatch.delenv("FINALE_EVENT_TOKEN", raising=False)
    code = main(["serve", "--gitlab-url", "http://127.0.0.1:9", "--db", str(tmp_path / "o.db"), "--port", "0", *extra])
    captured = capsys.readouterr()
    assert (code, captured.err.strip(), captured.out) == (2, message, "")


def test_an_unusable_db_path_exits_2(tmp_path, capsys, token_file):
    code = main(
        [
            "serve",
            "--gitlab-url",
            "http://127.0.0.1:9",
            "--token-file",
            token_file,
            "--db",
            str(tmp_path),
            "--port",
            "0",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.startswith(f"error: --db: cannot use {tmp_path} as the outbox: ")
    assert "Traceback" not in err


def test_a_taken_port_exits_2(tmp_path, capsys, token_file, gitlab):
    code = main(
        [
            "serve",
            "--gitlab-url",
            gitlab.base_url,
            "--token-file",
            token_file,
            "--db",
            str(tmp_path / "o.db"),
            "--port",
            str(gitlab.port),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.startswith(f"error: cannot listen on 127.0.0.1:{gitlab.port}: ")


def _post_event(base_url, sha, headers=None):
    host, port = base_url.removeprefix("http://").split(":")
    run = {
        "metadata": {"name": "build-1", "namespace": "ci", "uid": "u1"},
        "spec": {
            "params": [{"name": "REPO_PATH_ONLY", "value": PROJECT_PATH}, {"name": "SOURCE_REVISION", "value": sha}]
        },
        "status": {"conditions": [{"type": "Succeeded", "status": "False", "reason": "Cancelled"}]},
    }
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request(
            "POST",
            "/",
            body=json.dumps({"pipelineRun": run}),
            headers={
                "Ce-Id": "e1",
                "Ce-Type": "dev.tekton.event.pipelinerun.failed.v1",
                "Ce-Specversion": "1.0",
                "Ce-Source": "/x",
                "Content-Type": "application/json",
                **(headers or {}),
            },
        )
        return connection.getresponse().status
    finally:
        connection.close()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_real_process_reports_and_stops_cleanly(tmp_path, gitlab, repo, signum):
    env = {**os.environ, "GITLAB_TOKEN": TOKEN}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "finale",
            "serve",
            "--gitlab-url",
            gitlab.base_url,
            "--db",
            str(tmp_path / "o.db"),
            "--port",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        ready = process.stdout.readline().strip()
        assert ready.startswith("finale serve listening on http://127.0.0.1:")
        assert _post_event(ready.rsplit(" ", 1)[1], repo.main) == 202
    finally:
        process.send_signal(signum)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert [j["status"] for p in gitlab.pipelines() for j in p["jobs"]] == ["canceled"], err
    assert TOKEN not in out + err and "Traceback" not in err, err
    assert "accepted e1: ci/build-1 -> canceled" in err


def test_real_process_with_an_event_token_refuses_strangers_and_logs_json(tmp_path, gitlab, repo):
    event_token = tmp_path / "event-token"
    event_token.write_text("ev-s3cret\n")
    env = {**os.environ, "GITLAB_TOKEN": TOKEN}
    command = [sys.executable, "-m", "finale", "serve", "--gitlab-url", gitlab.base_url, "--db", str(tmp_path / "o.db")]
    process = subprocess.Popen(
        [*command, "--port", "0", "--event-token-file", str(event_token)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        url = process.stdout.readline().strip().rsplit(" ", 1)[1]
        assert _post_event(url, repo.main) == 401
        assert _post_event(url, repo.main, {"Authorization": "Bearer ev-s3cret"}) == 202
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert [j["status"] for p in gitlab.pipelines() for j in p["jobs"]] == ["canceled"], err
    records = [json.loads(line) for line in err.splitlines()]
    assert [r["msg"] for r in records if r["level"] == "warning"] == ["refused an unauthenticated event from 127.0.0.1"]
    assert "ev-s3cret" not in out + err and TOKEN not in out + err


class _Blackhole:
    """A GitLab that takes the request and never answers: the post stays in flight."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.received = threading.Event()
        self.held = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        with contextlib.suppress(OSError):
            while True:
                connection, _ = self.socket.accept()
                self.held.append(connection)
                if connection.recv(65536):
                    self.received.set()

    def close(self):
        for connection in self.held:
            connection.close()
        self.socket.close()


def test_kill_9_mid_post_then_restart_posts_the_row_once(tmp_path, gitlab, repo):
    blackhole = _Blackhole()
    env = {**os.environ, "GITLAB_TOKEN": TOKEN}
    db = str(tmp_path / "o.db")
    first = subprocess.Popen(
        [sys.executable, "-m", "finale", "serve", "--gitlab-url", f"http://127.0.0.1:{blackhole.port}",
         "--db", db, "--port", "0", "--timeout", "120"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert _post_event(first.stdout.readline().strip().rsplit(" ", 1)[1], repo.main) == 202
        assert blackhole.received.wait(30)  # the post is on the wire, unanswered
        first.kill()  # SIGKILL: no drain, no release
        first.communicate(timeout=20)
    finally:
        blackhole.close()
    assert Outbox(db).in_flight() == 1
    second = subprocess.Popen(
        [sys.executable, "-m", "finale", "serve", "--gitlab-url", gitlab.base_url, "--db", db, "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        second.stdout.readline()
        deadline = time.monotonic() + 30
        while Outbox(db).counts()["done"] != 1:
            assert time.monotonic() < deadline, Outbox(db).counts()
            time.sleep(0.05)
    finally:
        second.send_signal(signal.SIGTERM)
        _, err = second.communicate(timeout=20)
    assert second.returncode == 0, err
    assert [r["json"]["state"] for r in gitlab.requests() if r["method"] == "POST"] == ["canceled"]
    assert Outbox(db).in_flight() == 0
