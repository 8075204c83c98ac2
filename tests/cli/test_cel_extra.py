"""CEL is an extra (`finale[cel]`): without it, a CEL guard or the CEL flag is bad input, said plainly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from finale.cli.main import main

GUARDED = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: p}
spec:
  tasks:
    - name: t
      when: [{cel: "'a' == 'a'"}]
      taskSpec:
        steps: [{name: s, image: alpine, script: "true"}]
"""
MISSING = (
    "CEL guards need the optional CEL evaluator, which is not installed\n"
    "  fix: pip install 'finale[cel]' (or pipx install 'finale[cel]'), or use input/operator/values"
)


@pytest.fixture
def without_cel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cel", None)  # `import cel` now raises ImportError


@pytest.mark.usefixtures("without_cel")
def test_flag_without_the_extra_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(GUARDED)
    with pytest.raises(SystemExit) as info:
        main(["run", "-f", str(path), "--feature", "enable-cel-in-whenexpression"])
    assert info.value.code == 2
    assert MISSING.replace("\n ", ";") in capsys.readouterr().err


@pytest.mark.usefixtures("without_cel")
def test_evaluator_missing_is_an_input_error() -> None:
    from finale.core.tekton.cel import check_syntax
    from finale.errors import InputError

    with pytest.raises(InputError) as info:
        check_syntax("'a' == 'a'")
    assert str(info.value) == MISSING


def test_with_the_extra_the_guard_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(GUARDED)
    assert main(["run", "-f", str(path), "--feature", "enable-cel-in-whenexpression", "-o", "name"]) == 0


def test_real_process_without_cel(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(GUARDED)
    code = (
        "import sys; sys.modules['cel'] = None; from finale.cli.main import main; "
        f"sys.exit(main(['run', '-f', {str(path)!r}, '--feature', 'enable-cel-in-whenexpression']))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "pip install 'finale[cel]'" in done.stderr
    assert "Traceback" not in done.stderr
