"""`finale serve --kubernetes` flag and configuration errors: exit 2, one message, no traceback."""

import os
import subprocess
import sys
import time
import urllib.request

import pytest

from finale.cli.main import main
from finale.gitlab_emulator import load_config
from finale.gitlab_emulator import serve as serve_gitlab
from finale.gitlab_emulator.sample import PROJECT_PATH, make_sample_repo, sample_config
from finale.kubernetes_emulator import serve as serve_kubernetes

TOKEN = "glpat-maintainer"


def serve_args(tmp_path, *extra):
    return ["serve", "--gitlab-url", "http://127.0.0.1:9", "--db", str(tmp_path / "o.db"), "--port", "0", *extra]


@pytest.fixture(autouse=True)
def environment(monkeypatch, tmp_path):
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        pytest.param(
            ["--resync", "soon"],
            "error: --resync: 'soon' is not a duration; fix: e.g. --resync 10m (units ms, s, m, h)",
            id="bad-resync",
        ),
        pytest.param(
            ["--lease-duration", "1s"],
            "error: --lease-*: need retry period < renew deadline < lease duration (defaults 2s < 10s < 15s)",
            id="lease-order",
        ),
        pytest.param(
            [],
            "error: --kubernetes: no Kubernetes API configuration; fix: set KUBECONFIG, create ~/.kube/config, "
            "or run in a Pod with a service account",
            id="no-config",
        ),
    ],
)
def test_bad_kubernetes_flags_exit_2_with_one_message(tmp_path, capsys, extra, message):
    code = main(serve_args(tmp_path, "--kubernetes", *extra))
    captured = capsys.readouterr()
    assert (code, captured.err.strip(), captured.out) == (2, message, "")


def test_a_kubeconfig_list_naming_no_file_exits_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", f"{tmp_path}/a:{tmp_path}/b")
    assert main(serve_args(tmp_path, "--kubernetes")) == 2
    assert capsys.readouterr().err.strip() == (
        f"error: KUBECONFIG names no existing file ({tmp_path}/a:{tmp_path}/b); fix: point it at a kubeconfig"
    )


def test_a_refused_token_exits_2_naming_the_401(tmp_path, capsys, monkeypatch):
    with serve_kubernetes(tokens=("right",)) as kube:
        monkeypatch.setenv("KUBECONFIG", str(kube.kubeconfig(tmp_path / "kubeconfig", "wrong")))
        assert main(serve_args(tmp_path, "--kubernetes")) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --kubernetes: Kubernetes API 401 Unauthorized: Unauthorized; fix: check KUBECONFIG")
    assert "wrong" not in err and "Traceback" not in err


def test_without_tekton_the_message_says_so(tmp_path, capsys, monkeypatch):
    with serve_kubernetes(tokens=("t",), tekton_versions=()) as kube:
        monkeypatch.setenv("KUBECONFIG", str(kube.kubeconfig(tmp_path / "kubeconfig", "t")))
        assert main(serve_args(tmp_path, "--kubernetes")) == 2
    assert "tekton.dev serves neither v1 nor v1beta1 PipelineRuns: is Tekton installed?" in capsys.readouterr().err


def test_the_client_library_is_imported_only_with_the_flag():
    code = (
        "import sys; from finale.cli.parser import build_parser; import finale.cli.commands.serve; "
        "build_parser(['serve']); print('lightkube' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.mark.slow
def test_a_real_process_reports_a_listed_run_and_counts_it_by_source(tmp_path):
    repo = make_sample_repo(tmp_path / "app")
    with serve_gitlab(load_config(sample_config(repo.path))) as gitlab, serve_kubernetes(tokens=("t",)) as kube:
        run = {
            "metadata": {"name": "r1"},
            "spec": {
                "params": [
                    {"name": "REPO_PATH_ONLY", "value": PROJECT_PATH},
                    {"name": "SOURCE_REVISION", "value": repo.main},
                ]
            },
        }
        kube.create("pipelineruns", "ci", run)
        kube.set_condition("ci", "r1", "False", "Cancelled")
        (tmp_path / "token").write_text(TOKEN)
        env = {**os.environ, "KUBECONFIG": str(kube.kubeconfig(tmp_path / "kubeconfig", "t")), "HOME": str(tmp_path)}
        argv = [
            sys.executable,
            "-m",
            "finale",
            *serve_args(tmp_path, "--kubernetes", "--token-file", str(tmp_path / "token")),
        ]
        argv[argv.index("http://127.0.0.1:9")] = gitlab.base_url
        process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            url = process.stdout.readline().rsplit(" ", 1)[1].strip()
            deadline = time.monotonic() + 30
            while (kube.get("pipelineruns", "ci", "r1")["metadata"].get("annotations") or {}).get(
                "finale.dev/gitlab-reported"
            ) != "canceled":
                assert time.monotonic() < deadline, "the run was never reported"
                time.sleep(0.05)
            with urllib.request.urlopen(f"{url}/metrics", timeout=10) as response:
                metrics = response.read().decode()
        finally:
            process.terminate()
            process.wait(timeout=30)
            process.stdout.close()
    assert 'finale_events_received_total{result="accepted",source="kubernetes"} 1.0' in metrics
    assert [j["status"] for p in gitlab.pipelines() for j in p["jobs"]] == ["canceled"]
