"""`finale check` in-process: exit codes, the table, counterexamples, JSON; one real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from finale.cli.main import main

TESTS = Path(__file__).parent.parent
FIXTURES = TESTS / "fixtures" / "check"
INSTRUMENTED = TESTS / "fixtures" / "instrument"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _cells(out: str, label: str) -> list[str]:
    line = next(line for line in out.splitlines() if line.startswith(label + " "))
    return [c.strip() for c in line.split("  ") if c.strip()]


def test_clean_pipeline_exits_0(capsys):
    code, out, _ = run(capsys, "-f", str(FIXTURES / "clean-three-reporters.yaml"))
    assert code == 0
    assert out.splitlines()[-1].startswith("result: every one of ")
    assert out.endswith("distinct runs reports exactly one final status\n")
    assert _cells(out, "the run is stopped gracefully (StoppedRunFinally) while build runs") == [
        "the run is stopped gracefully (StoppedRunFinally) while build runs",
        "Completed",
        "report-canceled",
        "canceled (report-canceled)",
        "False/Cancelled",
        "ok",
    ]


def test_seed_original_exits_1_with_counterexample(capsys):
    code, out, _ = run(capsys, "-f", str(FIXTURES / "seed-original.yaml"))
    assert code == 1
    assert (
        "  1. when fetch-repository fails, no task reports to context tekton-pipeline: the reporter "
        "`report-pipeline-end-to-gitlab` is a DAG task that did not run (PipelineRun was stopping); "
        "move the reporting to finally tasks guarded by $(tasks.status)\n"
    ) in out
    assert out.splitlines()[1] == "reporters: report-pipeline-end-to-gitlab (DAG task)"
    assert out.splitlines()[3].split("  ")[0] == "run (smallest of its kind)"


def test_limits_fail_only_with_strict(capsys):
    path = str(FIXTURES / "clean-one-wave.yaml")
    code, out, _ = run(capsys, "-f", path)
    assert code == 0
    assert "limits of the in-pipeline pattern (they fail the check only with --strict):" in out
    assert "limits (reported, not failing without --strict): only a reporter watching" in out
    # The advice about what finally cannot cover is given once, not on every line.
    assert out.count("finale serve") == 1
    code, out, _ = run(capsys, "-f", path, "--strict")
    assert code == 1
    assert "result: " in out and " problem(s), in " in out


def test_json_and_yaml_output(capsys):
    code, out, _ = run(capsys, "-f", str(FIXTURES / "seed-fixed.yaml"), "-o", "json")
    assert code == 1
    data = json.loads(out)
    assert data["passed"] is False
    assert [r["name"] for r in data["reporters"]] == [
        "report-pipeline-failed-to-gitlab",
        "report-pipeline-success-to-gitlab",
    ]
    label = "the run is stopped gracefully (StoppedRunFinally) while fetch-repository runs"
    stopped = next(c for c in data["classes"] if c["class"] == label)
    assert stopped["tasksStatus"] == "Completed"
    assert stopped["interruption"] == "stopped-run-finally"
    assert stopped["runEndsAs"]["reason"] == "Cancelled"
    assert stopped["posted"] == [
        {
            "reporter": "report-pipeline-success-to-gitlab",
            "finally": True,
            "context": "tekton-pipeline",
            "state": "success",
        }
    ]
    assert stopped["verdict"] == "CONTRADICTION"
    assert len(data["problems"]) == 1
    code, text, _ = run(capsys, "-f", str(FIXTURES / "seed-fixed.yaml"), "-o", "yaml")
    assert code == 1
    assert YAML(typ="safe").load(text) == data


def test_reporter_flag(tmp_path, capsys):
    path = tmp_path / "p.yaml"
    path.write_text(
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n"
        "  tasks:\n    - {name: a, taskRef: {name: x}}\n"
        "  finally:\n    - name: tell\n      taskRef: {name: my-notifier}\n"
        "      params: [{name: STATE, value: $(tasks.status)}]\n"
    )
    code, out, _ = run(capsys, "-f", str(path), "--reporter", "tell")
    assert code == 0, out
    code, out, _ = run(capsys, "-f", str(path))
    assert code == 1
    assert "reporters: none" in out


def test_invalid_pipeline_exits_2(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: bad}\nspec:\n"
        "  tasks:\n    - {name: a, runAfter: [nope], taskRef: {name: x}}\n"
    )
    code, out, err = run(capsys, "-f", str(path))
    assert code == 2
    assert out == ""
    assert err.startswith(f"error: {path}")
    assert "Traceback" not in err


def test_missing_file_and_unknown_reporter_exit_2(tmp_path, capsys):
    code, _, err = run(capsys, "-f", str(tmp_path / "absent.yaml"))
    assert code == 2 and "absent.yaml" in err
    code, _, err = run(capsys, "-f", str(FIXTURES / "clean-one-wave.yaml"), "--reporter", "ghost")
    assert code == 2
    assert err == (
        f"error: --reporter ghost: no PipelineTask of that name in {FIXTURES / 'clean-one-wave.yaml'} "
        "(tasks: lint, report-failed, report-success, unit)\n"
    )


def test_instrumented_single_task_run_passes(capsys):
    code, out, _ = run(capsys, "-f", str(INSTRUMENTED / "pipelinerun-after.yaml"))
    assert code == 0, out


def test_instrumented_seed_passes_and_reports_a_graceful_stop_as_canceled(capsys):
    # No DAG guard in the seed: Completed only follows a graceful stop, so instrument posts
    # canceled for it; a stop during the last task still looks like a green run (a limit).
    code, out, _ = run(capsys, "-f", str(INSTRUMENTED / "seed-after.yaml"), "-o", "json")
    data = json.loads(out)
    assert code == 0, data["problems"]
    label = "the run is stopped gracefully (StoppedRunFinally) while fetch-repository runs"
    stopped = next(c for c in data["classes"] if c["class"] == label)
    assert [p["state"] for p in stopped["posted"]] == ["canceled"]
    assert stopped["verdict"] == "ok"
    label = "the run is stopped gracefully (StoppedRunFinally) while buildpacks runs"
    last = next(c for c in data["classes"] if c["class"] == label)
    assert (last["verdict"], last["limit"]) == ("CONTRADICTION", True)


def test_real_process():
    proc = subprocess.run(
        [sys.executable, "-m", "finale", "check", "-f", str(FIXTURES / "defect-finally-fails.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "when finally task cleanup fails, `report-success` posts success" in proc.stdout
    assert proc.stderr == ""
