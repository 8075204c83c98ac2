"""Run every scenario under tests/scenarios/ through `finale run` and compare with real Tekton.

Each scenario folder holds `pipelinerun.yaml` (the PipelineRun and anything it references) and
`expected.yaml` (what Tekton itself reports for it). See tests/scenarios/README.md for the format.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from finale.cli.main import main

SCENARIOS = Path(__file__).parent / "scenarios"
EXPECTED_KEYS = frozenset(
    {
        "source",
        "note",
        "args",
        "exitCode",
        "condition",
        "taskRuns",
        "skippedTasks",
        "stderrContains",
        "slow",
        "pipelineResults",
    }
)
MIN_SCENARIOS = 70


@dataclass(frozen=True, slots=True, kw_only=True)
class Expected:
    source: str
    args: tuple[str, ...]
    exit_code: int
    condition: dict[str, str] | None
    task_runs: dict[str, Any]
    skipped_tasks: dict[str, str]
    stderr_contains: tuple[str, ...]
    slow: bool = False
    pipeline_results: dict[str, Any] | None = None  # compared only when the scenario gives them
    unknown_keys: frozenset[str] = field(default_factory=frozenset)


def _load_expected(folder: Path) -> Expected:
    data = YAML(typ="safe").load((folder / "expected.yaml").read_text(encoding="utf-8")) or {}
    condition = data.get("condition")
    return Expected(
        source=str(data.get("source", "")),
        args=tuple(str(a) for a in data.get("args") or ()),
        exit_code=int(data.get("exitCode", -1)),
        condition={k: str(v) for k, v in condition.items()} if condition else None,
        task_runs=dict(data.get("taskRuns") or {}),
        skipped_tasks={str(k): str(v) for k, v in (data.get("skippedTasks") or {}).items()},
        stderr_contains=tuple(str(s) for s in data.get("stderrContains") or ()),
        slow=bool(data.get("slow", False)),
        pipeline_results=dict(data["pipelineResults"] or {}) if "pipelineResults" in data else None,
        unknown_keys=frozenset(data) - EXPECTED_KEYS,
    )


def _scenario_dirs() -> list[Path]:
    return sorted(p for p in SCENARIOS.iterdir() if (p / "pipelinerun.yaml").is_file())


def _params() -> list[Any]:
    params = []
    for folder in _scenario_dirs():
        marks = [pytest.mark.slow] if _load_expected(folder).slow else []
        params.append(pytest.param(folder, id=folder.name, marks=marks))
    return params


def _run(argv: list[str]) -> int:
    # argparse reports bad usage with SystemExit(2); treat it as the exit code it is.
    try:
        return int(main(argv))
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1


def _items(stdout: str) -> list[dict[str, Any]]:
    doc = json.loads(stdout)
    if doc.get("kind") == "List":
        return list(doc.get("items") or [])
    return [doc]


def _pipelinerun(items: list[dict[str, Any]]) -> dict[str, Any]:
    runs = [i for i in items if i.get("kind") == "PipelineRun"]
    assert len(runs) == 1, f"expected exactly one PipelineRun in the output, got {len(runs)}"
    return runs[0]


def _taskrun_reasons(items: list[dict[str, Any]]) -> dict[str, Any]:
    by_task: dict[str, list[str]] = {}
    for item in items:
        if item.get("kind") != "TaskRun":
            continue
        labels = item.get("metadata", {}).get("labels") or {}
        task = labels.get("tekton.dev/pipelineTask")
        assert task, f"TaskRun {item.get('metadata', {}).get('name')} has no pipelineTask label"
        conditions = item.get("status", {}).get("conditions") or [{}]
        by_task.setdefault(task, []).append(conditions[0].get("reason"))
    # A matrixed task fans out into several TaskRuns; compare their reasons as a sorted list.
    return {task: r[0] if len(r) == 1 else sorted(r, key=str) for task, r in by_task.items()}


def _normalise_expected_taskruns(expected: dict[str, Any]) -> dict[str, Any]:
    return {k: sorted(v) if isinstance(v, list) else v for k, v in expected.items()}


def test_corpus_is_well_formed() -> None:
    dirs = _scenario_dirs()
    assert len(dirs) >= MIN_SCENARIOS
    for folder in SCENARIOS.iterdir():
        if folder.is_dir():
            assert (folder / "pipelinerun.yaml").is_file(), folder.name
            assert (folder / "expected.yaml").is_file(), folder.name
    for folder in dirs:
        exp = _load_expected(folder)
        assert not exp.unknown_keys, f"{folder.name}: unknown keys {sorted(exp.unknown_keys)}"
        assert exp.source, f"{folder.name}: every scenario cites its upstream source"
        assert exp.exit_code in (0, 1, 2), f"{folder.name}: exitCode must be 0, 1 or 2"
        if exp.exit_code == 2:
            assert exp.stderr_contains, f"{folder.name}: invalid input names its field path"
        else:
            assert exp.condition is not None, f"{folder.name}: condition is required"


@pytest.mark.parametrize("folder", _params())
def test_scenario(
    folder: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    expected = _load_expected(folder)
    # Steps run as real processes; keep anything they write relative to cwd out of the tree.
    monkeypatch.chdir(tmp_path)
    argv = ["run", "-f", str(folder / "pipelinerun.yaml"), "-o", "json", *expected.args]
    code = _run(argv)
    out, err = capsys.readouterr()
    if expected.exit_code == 2:
        assert code == 2, f"exit code {code}, expected 2 (invalid input)\nstderr:\n{err}"
        for text in expected.stderr_contains:
            assert text in err, f"{text!r} not in stderr:\n{err}"
        assert "Traceback" not in err
        return
    assert code in (0, 1), f"exit code {code}\nstderr:\n{err}"
    got = {"exitCode": code, **_observed(out)}
    if expected.pipeline_results is None:
        got.pop("pipelineResults")
    want = {
        "exitCode": expected.exit_code,
        "condition": expected.condition,
        "taskRuns": _normalise_expected_taskruns(expected.task_runs),
        "skippedTasks": expected.skipped_tasks,
    }
    if expected.pipeline_results is not None:
        want["pipelineResults"] = expected.pipeline_results
    # One comparison, so a failure shows every difference at once.
    assert got == want, f"stderr:\n{err[-2000:]}"


def _observed(stdout: str) -> dict[str, Any]:
    try:
        items = _items(stdout)
    except json.JSONDecodeError as exc:
        raise AssertionError(f"stdout is not JSON ({exc}):\n{stdout[:2000]}") from exc
    status = _pipelinerun(items).get("status", {})
    cond = (status.get("conditions") or [{}])[0]
    return {
        "condition": {k: cond.get(k) for k in ("status", "reason", "message")},
        "taskRuns": _taskrun_reasons(items),
        "skippedTasks": {s["name"]: s["reason"] for s in status.get("skippedTasks") or []},
        "pipelineResults": {r["name"]: r["value"] for r in status.get("results") or []},
    }
