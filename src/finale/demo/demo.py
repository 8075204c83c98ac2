"""`finale demo`: the seed pipeline, run locally on a good and a broken commit.

It makes a sample app repository, serves it from the bundled GitLab emulator, runs the
seed Pipeline with `finale run` once per commit, and reads the commit statuses back.
Everything it starts lives inside one `with` block, so it all stops on Ctrl-C too.
"""

from __future__ import annotations

import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from finale.demo.inputs import (
    RunSpec,
    pipeline_run_document,
    seed_params,
    write_documents,
    write_shared_files,
)
from finale.demo.progress import Progress
from finale.demo.report import CaseOutcome, format_case, format_verdict
from finale.demo.runner import run_pipeline
from finale.demo.sample_app import MAIN_BRANCH, SampleRepo, make_sample_repo
from finale.demo.statuses import read_statuses

PROJECT_ID = 1
PROJECT_PATH = "demo/greeter"
BOT_USER = "tekton-bot"


@dataclass(frozen=True, slots=True, kw_only=True)
class Commit:
    label: str
    sha: str
    expected_state: str


def emulator_config(repo: Path, token: str) -> dict[str, Any]:
    """One project backed by the sample repository; one bot user allowed to report on main."""
    return {
        "projects": [
            {
                "id": PROJECT_ID,
                "path": PROJECT_PATH,
                "repository": str(repo),
                "protected_branches": [MAIN_BRANCH],
            }
        ],
        "users": [
            {
                "username": BOT_USER,
                "roles": {PROJECT_PATH: "maintainer"},
                "tokens": [{"value": token, "scopes": ["api"]}],
            }
        ],
    }


def demo_commits(repo: SampleRepo) -> tuple[Commit, ...]:
    return (
        Commit(label="good", sha=repo.good_sha, expected_state="success"),
        Commit(label="broken", sha=repo.broken_sha, expected_state="failed"),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class _Setup:
    """What every run of the demo shares: folders, files, GitLab address and token."""

    work: Path
    repo: SampleRepo
    files: tuple[Path, ...]
    gitlab_url: str
    token: str


def run_demo(out: TextIO, *, live: bool | None = None) -> int:
    """Run the whole demo, printing as it goes; 0 when GitLab holds what each run should report."""
    # Imported here: the emulator is a test utility and only the demo needs it at run time.
    from finale.gitlab_emulator import load_config, serve

    progress = Progress(out, live=live)
    progress.line("finale demo: buildpacks-test-pipeline with its finally reporters, run locally")
    with tempfile.TemporaryDirectory(prefix="finale-demo-", ignore_cleanup_errors=True) as tmp:
        work = Path(tmp)
        repo = make_sample_repo(work / "greeter")
        progress.line(f"sample app: a git repository with a good and a broken commit ({repo.path})")
        token = f"glpat-{secrets.token_urlsafe(20)}"
        with serve(load_config(emulator_config(repo.path, token))) as gitlab:
            progress.line(f"GitLab emulator: project {PROJECT_PATH} at {gitlab.base_url}")
            files = tuple(write_shared_files(work / "run", token=token))
            setup = _Setup(work=work, repo=repo, files=files, gitlab_url=gitlab.base_url, token=token)
            cases = [_run_case(setup, commit, progress) for commit in demo_commits(repo)]
        progress.line(format_verdict(cases))
        return 0 if all(c.is_as_expected for c in cases) else 1


def _run_case(setup: _Setup, commit: Commit, progress: Progress) -> CaseOutcome:
    """Run the seed pipeline on one commit, then read back what GitLab holds for it."""
    spec = RunSpec(
        name=f"buildpacks-test-pipeline-run-{commit.label}",
        params=seed_params(
            gitlab_url=setup.gitlab_url,
            source_url=str(setup.repo.path),
            project_path=PROJECT_PATH,
            sha=commit.sha,
        ),
    )
    run_file = write_documents(setup.work / "run" / f"pipelinerun-{commit.label}.yaml", [pipeline_run_document(spec)])
    with progress.waiting(f"running the pipeline on the {commit.label} commit"):
        result = run_pipeline([*setup.files, run_file], cwd=setup.work, on_event=progress.detail)
    case = CaseOutcome(
        label=commit.label,
        sha=commit.sha,
        expected_state=commit.expected_state,
        run=result,
        statuses=read_statuses(setup.gitlab_url, PROJECT_PATH, commit.sha, setup.token),
    )
    progress.line(format_case(case))
    return case
