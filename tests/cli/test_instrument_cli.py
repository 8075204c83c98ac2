"""`finale instrument` in-process and once as a real process."""

from __future__ import annotations

import importlib.resources
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from finale.cli.main import main
from finale.testing.fault_http import FaultServer

FIXTURES = Path(__file__).parent.parent / "fixtures" / "instrument"


def test_prints_the_instrumented_seed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["instrument", "-f", str(FIXTURES / "seed-before.yaml")]) == 0
    out, err = capsys.readouterr()
    assert out == (FIXTURES / "seed-after.yaml").read_text()
    assert err == ""


def test_in_place_rewrites_the_file_and_a_second_run_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "odd.yaml"
    shutil.copy(FIXTURES / "odd-before.yaml", target)
    assert main(["instrument", "-f", str(target), "--in-place", "--start-status"]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"note: {target}: spec: added params REPO_FULL_NAME, SHA, "
        "TEKTON_DASHBOARD_URL; pass them from the PipelineRun (or TriggerTemplate)\n"
    )
    assert target.read_text() == (FIXTURES / "odd-after.yaml").read_text()
    assert main(["instrument", "-f", str(target), "--in-place", "--start-status"]) == 0
    assert capsys.readouterr().err == ("note: already reports to GitLab in finally; nothing to change\n")
    assert target.read_text() == (FIXTURES / "odd-after.yaml").read_text()


# Inputs with a finally task (not a reporter) that can fail: check flags exactly that class.
FAILING_FINALLY = {"moved-after.yaml": "finally task cleanup fails"}
AFTER_FIXTURES = sorted(p.name for p in FIXTURES.glob("*-after.*"))


@pytest.mark.parametrize("name", AFTER_FIXTURES)
def test_every_instrumented_fixture_passes_check(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "-f", str(FIXTURES / name), "-o", "json"])
    data = json.loads(capsys.readouterr().out)
    flagged = [c["class"] for c in data["classes"] if any(not i["limit"] for i in c["issues"])]
    expected = [FAILING_FINALLY[name]] if name in FAILING_FINALLY else []
    assert (code, flagged[:1]) == (1 if expected else 0, expected), data["problems"]


def test_warns_about_finally_tasks_that_can_fail(capsys: pytest.CaptureFixture[str]) -> None:
    source = FIXTURES / "moved-before.yaml"
    assert main(["instrument", "-f", str(source), "--start-status"]) == 0
    out, err = capsys.readouterr()
    assert out == (FIXTURES / "moved-after.yaml").read_text()  # cleanup itself is left alone
    assert err.splitlines()[-2:] == [
        f"warning: {source}: spec: finally task cleanup can fail after GitLab was told success, "
        "and the run then ends Failed; give it onError: continue (left unchanged)",
        # The same count `finale check` prints for the output.
        f"warning: {source}: the result still fails finale check: 1 problem(s), first when finally task "
        "cleanup fails; run finale check on it for the details and fixes",
    ]


def test_completed_is_reported_as_canceled_only_without_dag_guards(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["instrument", "-f", str(FIXTURES / "guarded-before.yaml")]) == 0
    guarded = capsys.readouterr().out
    assert "report-pipeline-canceled-to-gitlab" not in guarded
    assert 'values: ["Succeeded", "Completed"]' in guarded
    assert main(["instrument", "-f", str(FIXTURES / "guarded-before.yaml"), "--style", "one-task"]) == 0
    assert "COMPLETED_STATE" not in capsys.readouterr().out


def test_existing_answer_reporters_are_brought_up_to_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "answer.yaml"
    shutil.copy(FIXTURES / "answer-before.yaml", target)
    assert main(["instrument", "-f", str(target), "--in-place"]) == 0
    assert capsys.readouterr().err == (
        f"note: {target}: spec: the finally reporters now post canceled for $(tasks.status) = "
        "Completed: no DAG task has a when or a matrix, so only a graceful stop gives Completed, "
        "and that run ends Cancelled\n"
    )
    assert target.read_text() == (FIXTURES / "answer-after.yaml").read_text()
    assert main(["instrument", "-f", str(target), "--in-place"]) == 0
    assert capsys.readouterr().err == ("note: already reports to GitLab in finally; nothing to change\n")


def test_options_reach_the_output(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "instrument",
        "-f",
        str(FIXTURES / "pipelinerun-before.yaml"),
        "--style",
        "one-task",
        "--context",
        "ci/tekton",
    ]
    assert main(argv) == 0
    assert capsys.readouterr().out == (FIXTURES / "pipelinerun-after.yaml").read_text()


def test_task_ref_flag(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "instrument",
        "-f",
        str(FIXTURES / "pipelinerun-before.yaml"),
        "--style",
        "one-task",
        "--task-ref",
        "gitlab-status-v2",
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "      taskRef:\n        name: gitlab-status-v2\n" in out


def test_reads_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO((FIXTURES / "seed-before.yaml").read_text()))
    assert main(["instrument", "-f", "-"]) == 0
    assert capsys.readouterr().out == (FIXTURES / "seed-after.yaml").read_text()


def test_clash_exits_2_with_one_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "clash.yaml"
    shutil.copy(FIXTURES / "clash.yaml", target)
    before = target.read_text()
    assert main(["instrument", "-f", str(target), "--in-place"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f'error: {target}: a task named "report-pipeline-success-to-gitlab" already exists '
        "and is not one of the gitlab-set-status reporters finale adds: spec.finally[0].name\n"
        '  fix: rename that task; finale needs the name "report-pipeline-success-to-gitlab" '
        "for its reporter\n"
    )
    assert target.read_text() == before


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(
            ["-f", "missing.yaml"], "error: missing.yaml: no such file (check the -f argument)\n", id="missing"
        ),
        pytest.param(
            ["-f", "-", "--in-place"],
            "error: --in-place needs a file, not '-' (stdin)\n  fix: drop --in-place\n",
            id="in-place-stdin",
        ),
        pytest.param(
            ["-f", str(FIXTURES / "seed-before.yaml"), "--task-ref", " "],
            "error: --task-ref: empty name\n  fix: give the status Task's name\n",
            id="empty-task-ref",
        ),
    ],
)
def test_bad_input(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["instrument", *argv]) == 2
    assert capsys.readouterr().err == message


def test_file_without_a_pipeline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "run.yaml"
    target.write_text(
        "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata: {name: r}\nspec: {pipelineRef: {name: p}}\n"
    )
    assert main(["instrument", "-f", str(target)]) == 2
    assert capsys.readouterr().err == (
        f"error: {target}: no Pipeline and no PipelineRun with spec.pipelineSpec to instrument\n"
        "  fix: pass the file that defines the Pipeline (a pipelineRef is not followed)\n"
    )


def test_not_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "bad.yaml"
    target.write_text("kind: Pipeline\nspec: {tasks: [\n")
    assert main(["instrument", "-f", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {target}:3:1: not valid YAML")
    assert "Traceback" not in err


@pytest.mark.slow
def test_real_process(tmp_path: Path) -> None:
    target = tmp_path / "p.yaml"
    shutil.copy(FIXTURES / "moved-before.yaml", target)
    done = subprocess.run(
        [sys.executable, "-m", "finale", "instrument", "-f", str(target), "--start-status"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == (FIXTURES / "moved-after.yaml").read_text()


TASK = importlib.resources.files("finale") / "resources" / "gitlab-set-status.yaml"
SHA = "0123456789abcdef0123456789abcdef01234567"
TOKEN = "glpat-instrument-e2e"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("style", "build_exit", "final"),
    [
        pytest.param("two-tasks", "0", ("success", "Finished building your commit in Tekton"), id="two-tasks-green"),
        pytest.param(
            "two-tasks", "3", ("failed", "An error occurred building your commit in Tekton"), id="two-tasks-red"
        ),
        pytest.param("one-task", "3", ("failed", "Tekton pipeline ended: Failed"), id="one-task-red"),
    ],
)
def test_instrumented_pipeline_reports_through_finale_run(
    tmp_path: Path, style: str, build_exit: str, final: tuple[str, str]
) -> None:
    """Instrument, then run for real: GitLab hears `running`, then exactly one final state."""
    instrumented = tmp_path / "ci.yaml"
    shutil.copy(FIXTURES / "run-before.yaml", instrumented)
    assert main(["instrument", "-f", str(instrumented), "--in-place", "--start-status", "--style", style]) == 0
    secret = tmp_path / "secret.json"
    secret.write_text(
        '{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": '
        f'"gitlab-api-secret"}}, "stringData": {{"token": "{TOKEN}"}}}}'
    )
    with FaultServer() as gitlab:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "finale",
                "run",
                "-f",
                str(instrumented),
                "-f",
                str(secret),
                "-f",
                str(TASK),
                "-o",
                "json",
                "-p",
                f"GITLAB_HOST_URL={gitlab.base_url}",
                "-p",
                "REPO_FULL_NAME=group/app",
                "-p",
                f"SHA={SHA}",
                "-p",
                "TEKTON_DASHBOARD_URL=http://dash.example",
                "-p",
                f"build-exit={build_exit}",
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
    conditions = {
        item["metadata"]["name"]: item["status"].get("conditions")
        for item in json.loads(done.stdout or '{"items": []}')["items"]
    }
    assert done.returncode == (0 if build_exit == "0" else 1), (done.stderr, conditions)
    link = "http://dash.example/#/namespaces/default/pipelineruns/ci-run"
    assert [r.json for r in gitlab.requests] == [
        {
            "state": "running",
            "name": "tekton-pipeline",
            "target_url": link,
            "description": "Tekton pipeline is running",
        },
        {"state": final[0], "name": "tekton-pipeline", "target_url": link, "description": final[1]},
    ]
    assert {r.path_segments[-1] for r in gitlab.requests} == {SHA}
    assert TOKEN not in done.stdout + done.stderr


def test_warns_when_existing_reporters_still_fail_check(capsys: pytest.CaptureFixture[str]) -> None:
    source = FIXTURES.parent / "check" / "defect-two-reporters.yaml"
    assert main(["instrument", "-f", str(source)]) == 0
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == (
        f"warning: {source}: the result still fails finale check: 2 problem(s), first when every task "
        "succeeds; run finale check on it for the details and fixes"
    )


RUN_WITH_SPEC = """\
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  name: embedded-run
spec:
  pipelineSpec:
    tasks:
      - name: build
        taskSpec:
          steps:
            - name: s
              image: alpine
              script: "true"
"""


def test_pipeline_run_gets_values_for_the_params_added(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "run.yaml"
    target.write_text(RUN_WITH_SPEC)
    assert main(["instrument", "-f", str(target), "--in-place"]) == 0
    assert capsys.readouterr().err == (
        f"note: {target}: spec.params: gave the new params GITLAB_HOST_URL, REPO_FULL_NAME, SHA, "
        "TEKTON_DASHBOARD_URL the value CHANGE-ME; set their real values there (or with finale run -p NAME=VALUE)\n"
    )
    assert target.read_text().startswith(
        RUN_WITH_SPEC.split("  pipelineSpec:")[0]
        + "  params:\n"
        + "".join(
            f'    - name: {n}\n      value: "CHANGE-ME"\n'
            for n in ("GITLAB_HOST_URL", "REPO_FULL_NAME", "SHA", "TEKTON_DASHBOARD_URL")
        )
        + "  pipelineSpec:\n"
    )
    assert main(["check", "-f", str(target)]) == 0
    capsys.readouterr()


@pytest.mark.slow
def test_instrumented_pipeline_run_runs(tmp_path: Path) -> None:
    target = tmp_path / "run.yaml"
    target.write_text(RUN_WITH_SPEC)
    assert main(["instrument", "-f", str(target), "--in-place"]) == 0
    secret = tmp_path / "secret.json"
    secret.write_text(
        '{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": '
        f'"gitlab-api-secret"}}, "stringData": {{"token": "{TOKEN}"}}}}'
    )
    with FaultServer() as gitlab:
        done = subprocess.run(
            [
                *[sys.executable, "-m", "finale", "run", "-f", str(target), str(secret), str(TASK)],
                *["-p", f"GITLAB_HOST_URL={gitlab.base_url}", "-p", "REPO_FULL_NAME=group/app", "-p", f"SHA={SHA}"],
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
    assert done.returncode == 0, done.stdout + done.stderr
    assert [r.json["state"] for r in gitlab.requests] == ["success"]


def test_crlf_is_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "p.yaml"
    target.write_bytes((FIXTURES / "seed-before.yaml").read_bytes().replace(b"\n", b"\r\n"))
    assert main(["instrument", "-f", str(target), "--in-place"]) == 0
    capsys.readouterr()
    assert target.read_bytes() == (FIXTURES / "seed-after.yaml").read_bytes().replace(b"\n", b"\r\n")


INVALID = {
    "typo": ("  tasks:\n    - name: a\n      runafter: [b]\n      taskRef: {name: t}\n", "spec.tasks[0].runafter"),
    "cycle": (
        "  tasks:\n    - {name: a, runAfter: [b], taskRef: {name: t}}\n"
        "    - {name: b, runAfter: [a], taskRef: {name: t}}\n",
        "spec.tasks: invalid value: cycle detected",
    ),
    "missing-task": (
        "  tasks:\n    - {name: a, runAfter: [nope], taskRef: {name: t}}\n",
        "spec.tasks: invalid value: couldn't add link between a and nope",
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_input_exits_2_and_writes_nothing(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.yaml"
    shutil.copy(FIXTURES / "seed-before.yaml", good)
    bad = tmp_path / "bad.yaml"
    body, message = INVALID[case]
    bad.write_text("apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n" + body)
    before = bad.read_text()
    assert main(["instrument", "-f", str(good), str(bad), "--in-place"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"error: {bad}: {message}")
    assert bad.read_text() == before
    assert good.read_text() == (FIXTURES / "seed-before.yaml").read_text()  # nothing written at all


def test_several_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    second = tmp_path / "again.yaml"
    shutil.copy(FIXTURES / "seed-before.yaml", second)
    assert main(["instrument", "-f", str(FIXTURES / "seed-before.yaml"), "-f", str(second)]) == 0
    after = (FIXTURES / "seed-after.yaml").read_text()
    assert capsys.readouterr().out == after + "---\n" + after  # one YAML stream


def test_moved_reporter_keeps_its_quoting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "p.yaml"
    target.write_text(
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: p\nspec:\n  params:\n"
        "    - name: SHA\n    - name: REPO_FULL_NAME\n    - name: GITLAB_HOST_URL\n    - name: TEKTON_DASHBOARD_URL\n"
        "  tasks:\n    - name: build\n      taskRef:\n        name: build\n"
        "    - name: report\n      runAfter: [build]\n      taskRef:\n        name: 'gitlab-set-status'\n"
        '      params:\n        - name: "STATE"\n          value: success\n'
    )
    assert main(["instrument", "-f", str(target)]) == 0
    out = capsys.readouterr().out
    finally_part = out.split("  finally:\n", 1)[1]
    assert "        name: 'gitlab-set-status'\n" in finally_part
    assert '        - name: "STATE"\n' in finally_part
    assert "        - name: SHA\n" in finally_part  # written plain before: stays plain
