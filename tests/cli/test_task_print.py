"""`finale task print`: the shipped Task, byte for byte, ready for `kubectl apply -f -`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from finale.cli.main import main

SHIPPED = Path(__file__).parents[2] / "tekton" / "task" / "gitlab-set-status" / "0.1" / "gitlab-set-status.yaml"


def test_prints_the_shipped_task(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["task", "print"]) == 0
    out = capsys.readouterr().out
    assert out == SHIPPED.read_text()


def test_output_validates_as_a_task(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    done = subprocess.run([sys.executable, "-m", "finale", "task", "print"], capture_output=True, text=True, check=True)
    path = tmp_path / "task.yaml"
    path.write_text(done.stdout)
    assert main(["validate", "-f", str(path)]) == 0
    assert capsys.readouterr().out == f"{path}: Task/gitlab-set-status is valid\n"


def test_unknown_action_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["task", "show"])
    assert info.value.code == 2
    assert "invalid choice: 'show'" in capsys.readouterr().err
