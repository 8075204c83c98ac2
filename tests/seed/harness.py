"""Shared helpers for the seed tests: where the example lives, and how a run is described."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from finale.adapters.yaml.load import read_files
from finale.demo.runner import RunResult
from finale.demo.statuses import CommitStatus

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "buildpacks-gitlab"
REPORTER_TASK = ROOT / "tekton" / "task" / "gitlab-set-status" / "0.1" / "gitlab-set-status.yaml"
STAND_INS = (EXAMPLE / "tasks" / "git-clone.yaml", EXAMPLE / "tasks" / "buildpacks.yaml")
SLOW_BUILD_SECONDS = 4
PROJECTS = {"fast": "demo/greeter", "slow": "demo/greeter-slow"}


@dataclass(frozen=True)
class Outcome:
    """How one run ended, and every status GitLab holds for the commit afterwards."""

    run: RunResult
    statuses: tuple[CommitStatus, ...]
    run_name: str

    @property
    def states(self) -> list[str]:
        return [s.state for s in self.statuses]


SeedRunner = Callable[..., Outcome]


def load_pipeline(name: str) -> dict[str, Any]:
    """An example Pipeline as a plain dict, ready to be changed for a variant."""
    return copy.deepcopy(json.loads(json.dumps(read_files([str(EXAMPLE / name)])[0].data)))


def pipeline_task(pipeline: Mapping[str, Any], name: str) -> dict[str, Any]:
    spec = pipeline["spec"]
    tasks = [*spec.get("tasks", []), *spec.get("finally", [])]
    return next(t for t in tasks if t["name"] == name)


def write_json(path: Path, document: Mapping[str, Any]) -> Path:
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path
