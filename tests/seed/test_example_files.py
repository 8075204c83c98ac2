"""The example files: the demo bundles them unchanged; the Pipelines follow the seed."""

from __future__ import annotations

from importlib import resources

import pytest

from finale.adapters.yaml.load import read_files
from finale.cli.main import main

from .harness import EXAMPLE, load_pipeline, pipeline_task

BUNDLED = {
    "pipeline-v1beta1.yaml": "pipeline-v1beta1.yaml",
    "git-clone.yaml": "tasks/git-clone.yaml",
    "buildpacks.yaml": "tasks/buildpacks.yaml",
}


@pytest.mark.parametrize(("bundled", "example"), BUNDLED.items())
def test_demo_bundles_the_example_files_unchanged(bundled: str, example: str) -> None:
    copy = resources.files("finale").joinpath("resources", "demo", bundled).read_text("utf-8")

    assert copy == (EXAMPLE / example).read_text(encoding="utf-8"), (
        f"copy examples/buildpacks-gitlab/{example} to src/finale/resources/demo/{bundled}"
    )


def test_two_reporters_are_guarded_as_in_the_seed_answer() -> None:
    """The seed answer stays as it was written; its holes are explained in the README."""
    pipeline = load_pipeline("pipeline-v1beta1.yaml")

    guards = {t["name"]: t["when"] for t in pipeline["spec"]["finally"]}
    states = {t["name"]: _param(t, "STATE") for t in pipeline["spec"]["finally"]}

    assert guards == {
        "report-pipeline-failed-to-gitlab": [
            {"input": "$(tasks.status)", "operator": "in", "values": ["Failed", "None"]}
        ],
        "report-pipeline-success-to-gitlab": [
            {"input": "$(tasks.status)", "operator": "in", "values": ["Succeeded", "Completed"]}
        ],
    }
    assert states == {
        "report-pipeline-failed-to-gitlab": "failed",
        "report-pipeline-success-to-gitlab": "success",
    }


@pytest.mark.parametrize("name", ["pipeline.yaml", "pipeline-start-status.yaml"])
def test_recommended_pipelines_also_post_canceled_for_a_graceful_stop(name: str) -> None:
    pipeline = load_pipeline(name)

    guards = {t["name"]: t["when"] for t in pipeline["spec"]["finally"]}
    states = {t["name"]: _param(t, "STATE") for t in pipeline["spec"]["finally"]}

    status = "$(tasks.status)"
    assert guards == {
        "report-pipeline-failed-to-gitlab": [{"input": status, "operator": "in", "values": ["Failed", "None"]}],
        "report-pipeline-success-to-gitlab": [
            {"input": status, "operator": "in", "values": ["Succeeded", "Completed"]},
            {"input": status, "operator": "notin", "values": ["Completed"]},
        ],
        "report-pipeline-canceled-to-gitlab": [{"input": status, "operator": "in", "values": ["Completed"]}],
    }
    assert states == {
        "report-pipeline-failed-to-gitlab": "failed",
        "report-pipeline-success-to-gitlab": "success",
        "report-pipeline-canceled-to-gitlab": "canceled",
    }


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("pipeline.yaml", 0),
        ("pipeline-one-reporter.yaml", 0),
        ("pipeline-start-status.yaml", 0),
        ("pipeline-v1beta1.yaml", 1),  # the seed answer: its StoppedRunFinally hole
    ],
)
def test_recommended_pipelines_pass_check(name: str, code: int, capsys) -> None:
    assert main(["check", "-f", str(EXAMPLE / name)]) == code
    capsys.readouterr()


def test_start_status_variant_runs_everything_after_the_running_post() -> None:
    pipeline = load_pipeline("pipeline-start-status.yaml")

    start = pipeline_task(pipeline, "report-pipeline-start-to-gitlab")
    roots = [t["name"] for t in pipeline["spec"]["tasks"] if not t.get("runAfter")]

    assert _param(start, "STATE") == "running"
    assert roots == ["report-pipeline-start-to-gitlab"]


def test_one_reporter_variant_passes_the_aggregate_status() -> None:
    pipeline = load_pipeline("pipeline-one-reporter.yaml")

    [reporter] = pipeline["spec"]["finally"]

    assert "when" not in reporter
    assert _param(reporter, "STATE") == "$(tasks.status)"


def test_every_example_file_is_kubernetes_yaml() -> None:
    files = sorted(EXAMPLE.rglob("*.yaml"))
    kinds = sorted(doc.data["kind"] for doc in read_files([str(f) for f in files]))

    assert kinds == sorted(
        ["Pipeline"] * 4
        + ["PipelineRun"] * 4
        + ["Task"] * 2
        + ["Secret"] * 2
        + ["EventListener", "TriggerTemplate", "ServiceAccount", "RoleBinding", "ClusterRoleBinding"]
        + ["TriggerBinding"] * 3
    )
    for doc in read_files([str(f) for f in files]):
        assert doc.data["metadata"].get("name"), doc.source


def test_secrets_hold_placeholders_only() -> None:
    for path in (EXAMPLE / "secret.yaml", EXAMPLE / "triggers" / "webhook-secret.yaml"):
        [doc] = read_files([str(path)])
        assert all(v.startswith("REPLACE-") for v in doc.data["stringData"].values())


def _param(task: dict, name: str) -> str:
    return next(p["value"] for p in task["params"] if p["name"] == name)


def test_every_example_file_validates(capsys) -> None:
    files = sorted(EXAMPLE.rglob("*.yaml"))
    argv = ["validate"]
    for path in files:
        argv += ["-f", str(path)]

    code = main(argv)

    out = capsys.readouterr()
    assert code == 0, out.out + out.err
    assert out.out.count(" is valid") == 15
    # Secrets and RBAC objects are named as not checked, never called valid.
    assert out.out.count(" not checked: not a kind finale validates") == 5
