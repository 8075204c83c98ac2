"""Reading `finale run -o json` output: the PipelineRun condition, TaskRun reasons, skips."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from finale.demo.inputs import RunSpec, pipeline_run_document, seed_params
from finale.demo.runner import parse_run_output, run_command, start_run, stop_process
from finale.demo.sample_app import make_sample_repo

from .harness import EXAMPLE, REPORTER_TASK, STAND_INS, write_json


def test_parse_run_output_picks_condition_taskruns_and_skips() -> None:
    listing = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            {
                "kind": "PipelineRun",
                "status": {
                    "conditions": [
                        {
                            "type": "Succeeded",
                            "status": "True",
                            "reason": "Completed",
                            "message": "Tasks Completed: 3 (Failed: 0, Cancelled 0), Skipped: 1",
                        }
                    ],
                    "skippedTasks": [{"name": "report-failed", "reason": "When Expressions evaluated to false"}],
                },
            },
            {
                "kind": "TaskRun",
                "metadata": {"labels": {"tekton.dev/pipelineTask": "build"}},
                "status": {"conditions": [{"type": "Succeeded", "reason": "Succeeded"}]},
            },
        ],
    }

    result = parse_run_output(0, json.dumps(listing), "")

    assert (result.status, result.reason) == ("True", "Completed")
    assert result.summary() == "Completed (Tasks Completed: 3 (Failed: 0, Cancelled 0), Skipped: 1)"
    assert result.task_reasons == {"build": "Succeeded"}
    assert result.skipped == {"report-failed": "When Expressions evaluated to false"}


def test_unreadable_output_keeps_the_exit_code() -> None:
    result = parse_run_output(2, "", "error: pipeline.yaml: no Task named buildpacks")

    assert result.reason == ""
    assert result.summary() == "finale run exited 2"


def test_run_command_carries_file_names_only() -> None:
    argv = run_command([Path("p.yaml"), Path("secret.yaml")], ["--cancel-after", "1s"])

    assert argv[1:] == [
        "-m",
        "finale",
        "run",
        "-f",
        "p.yaml",
        "-f",
        "secret.yaml",
        "-o",
        "json",
        "--cancel-after",
        "1s",
    ]


def test_finish_run_reports_taskrun_events_while_the_child_runs() -> None:
    import sys

    from finale.demo.runner import finish_run

    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; print('--- build: started TaskRun r-build', file=sys.stderr); "
            "print('[build : compile] ok', file=sys.stderr); print('{}'); sys.exit(1)",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    events: list[str] = []

    result = finish_run(child, timeout=30, on_event=events.append)

    assert events == ["build: started TaskRun r-build"]
    assert result.exit_code == 1
    assert result.stdout == "{}\n"
    assert "[build : compile] ok" in result.stderr


@pytest.mark.slow
def test_stopping_a_run_ends_its_steps_too(tmp_path) -> None:
    repo = make_sample_repo(tmp_path / "app", build_seconds=37)
    run_file = write_json(
        tmp_path / "run.yaml",
        pipeline_run_document(
            RunSpec(
                name="stopped-run",
                params=seed_params(
                    gitlab_url="http://127.0.0.1:9",
                    source_url=str(repo.path),
                    project_path="demo/greeter",
                    sha=repo.good_sha,
                ),
            )
        ),
    )
    files = [EXAMPLE / "pipeline-v1beta1.yaml", *STAND_INS, REPORTER_TASK, run_file]
    process = start_run(files, cwd=tmp_path)
    _wait_for(lambda: _processes_running("sleep 37"))

    stop_process(process)

    assert process.returncode is not None
    _wait_for(lambda: not _processes_running("sleep 37"))


def _processes_running(command: str) -> bool:
    listing = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True)
    return any(line.strip() == command for line in listing.stdout.splitlines())


def _wait_for(condition, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)
