"""A real `finale serve --kubernetes` process: /readyz waits for the first list, /metrics shows it."""

import http.client
import json
import os
import signal
import subprocess
import sys
import time

from prometheus_client.parser import text_string_to_metric_families

from finale.kubernetes_emulator import serve as serve_kubernetes

TOKEN = "glpat-maintainer"


def get(base_url, path):
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def resync_time(text):
    for family in text_string_to_metric_families(text):
        if family.name == "finale_last_resync_timestamp_seconds":
            return family.samples[0].value
    raise AssertionError("no finale_last_resync_timestamp_seconds")


def test_readyz_and_the_resync_gauge_follow_the_kubernetes_list(tmp_path, gitlab):
    with serve_kubernetes(tokens=("t",)) as kube:
        env = {**os.environ, "GITLAB_TOKEN": TOKEN, "KUBECONFIG": str(kube.kubeconfig(tmp_path / "kubeconfig", "t"))}
        env.pop("POD_NAMESPACE", None)
        command = [sys.executable, "-m", "finale", "serve", "--gitlab-url", gitlab.base_url]
        process = subprocess.Popen(
            [*command, "--db", str(tmp_path / "o.db"), "--port", "0", "--kubernetes"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            url = process.stdout.readline().strip().rsplit(" ", 1)[1]
            deadline = time.monotonic() + 30
            while (answer := get(url, "/readyz"))[0] != 200:
                assert answer[0] == 503 and "kubernetes: " in answer[1]
                assert time.monotonic() < deadline, answer
                time.sleep(0.05)
            assert json.loads(answer[1]) == {"status": "ready"}
            assert resync_time(get(url, "/metrics")[1]) > 1_700_000_000
        finally:
            process.send_signal(signal.SIGTERM)
            _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
