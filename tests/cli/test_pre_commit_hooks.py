"""`.pre-commit-hooks.yaml`: the hooks other repositories install."""

from __future__ import annotations

import re
from pathlib import Path

from ruamel.yaml import YAML

HOOKS = Path(__file__).parent.parent.parent / ".pre-commit-hooks.yaml"


def test_hooks_run_validate_and_check_on_yaml_files() -> None:
    hooks = YAML(typ="safe", pure=True).load(HOOKS.read_text())
    assert [(h["id"], h["entry"], h["language"]) for h in hooks] == [
        ("finale-validate", "finale validate -f", "python"),
        ("finale-check", "finale check -f", "python"),
    ]
    for hook in hooks:
        pattern = re.compile(hook["files"])
        # pre-commit matches `files` with re.search against the repository-relative path.
        assert pattern.search("deploy/pipeline.yaml")
        assert pattern.search("tekton/run.yml")
        assert not pattern.search("package.json")
        assert not pattern.search("notes.yaml.txt")


def test_entries_take_several_files_after_one_flag(capsys: object) -> None:
    """pre-commit appends every changed file after the entry: `finale validate -f a.yaml b.yaml`."""
    from finale.cli.main import main

    examples = Path(__file__).parent.parent.parent / "examples" / "buildpacks-gitlab"
    files = [str(examples / "pipeline.yaml"), str(examples / "secret.yaml")]
    hooks = YAML(typ="safe", pure=True).load(HOOKS.read_text())
    for hook in hooks:
        argv = hook["entry"].split()[1:] + files
        assert main(argv) in (0, 1), hook["id"]  # 1: check found a problem; never a usage error
