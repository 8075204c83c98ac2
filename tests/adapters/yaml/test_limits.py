"""Hostile YAML is refused with exit 2, in bounded time and memory, naming how to raise the limit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from finale.adapters.yaml.load import Limits, limits_from_env, parse_text
from finale.cli.main import main
from finale.errors import InputError

DEEP = "[" * 5000 + "]" * 5000
# Nine levels of nine aliases: 9**9 (387 million) strings once expanded.
BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(97 + i)}: &{chr(97 + i)} [{', '.join(['*' + chr(96 + i)] * 9)}]\n" for i in range(1, 9)
)


def _error(text: str, limits: Limits | None = None) -> str:
    with pytest.raises(InputError) as info:
        parse_text(text, "f.yaml", limits or Limits())
    return str(info.value)


def test_deep_nesting_is_refused_not_a_recursion_error() -> None:
    assert _error(DEEP) == (
        "f.yaml:1:101: nested deeper than 100 levels; finale refuses it\n"
        "  fix: if the file is right, raise the limit: FINALE_MAX_YAML_DEPTH=1000 finale ..."
    )


def test_deep_block_nesting_is_refused() -> None:
    assert _error("- " * 5000 + "x\n").startswith("f.yaml:1:201: nested deeper than 100 levels")


def test_alias_bomb_is_refused() -> None:
    assert _error(BOMB) == (
        "f.yaml:5:4: aliases expand to more than 100000 nodes (a YAML alias bomb?); finale refuses it\n"
        "  fix: if the file is right, raise the limit: FINALE_MAX_YAML_ALIAS_NODES=1000000 finale ..."
    )


def test_ordinary_anchors_still_load() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: &d {a: '1'}\nother: *d\n"
    assert parse_text(text, "f.yaml", Limits())[0].data["other"] == {"a": "1"}


def test_size_limit() -> None:
    assert _error("a: " + "x" * 100 + "\n", Limits(max_bytes=50)) == (
        "f.yaml: 104 bytes, over the limit of 50 bytes for one file; finale refuses it\n"
        "  fix: split the file, or raise the limit: FINALE_MAX_YAML_BYTES=104 finale ..."
    )


def test_limits_from_env() -> None:
    assert limits_from_env({"FINALE_MAX_YAML_DEPTH": "300"}) == Limits(max_depth=300)
    with pytest.raises(InputError, match="FINALE_MAX_YAML_BYTES=lots: not a positive whole number"):
        limits_from_env({"FINALE_MAX_YAML_BYTES": "lots"})


def test_nul_bytes_and_binary_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    binary = tmp_path / "logo.yaml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert main(["check", "-f", str(binary)]) == 2
    assert capsys.readouterr().err == (
        f"error: {binary}: not YAML text: byte 0 is not UTF-8 (a binary file?)\n"
        "  fix: give the YAML or JSON file (UTF-8 text)\n"
    )
    nul = tmp_path / "nul.yaml"
    nul.write_bytes(b"a: b\x00\n")
    assert main(["run", "-f", str(nul)]) == 2
    assert capsys.readouterr().err == (
        f"error: {nul}: not YAML text: it holds NUL bytes (a binary file?)\n"
        "  fix: give the YAML or JSON file (UTF-8 text)\n"
    )


def test_duplicate_key_shows_both_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("apiVersion: tekton.dev/v1\nkind: Pipeline\nkind: Task\n")
    assert main(["validate", "-f", str(path)]) == 2
    assert capsys.readouterr().out == (
        f'{path}:3:1: not valid YAML: found duplicate key "kind" with value "Task" (original value: "Pipeline")\n'
    )


@pytest.mark.parametrize("command", ["validate", "check", "run", "graph", "instrument"])
def test_every_command_refuses_a_bomb(command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB)
    assert main([command, "-f", str(path)]) == 2
    captured = capsys.readouterr()
    assert "aliases expand to more than 100000 nodes" in captured.out + captured.err


def test_real_process_deep_and_raised_limit(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text(DEEP)
    done = subprocess.run(
        [sys.executable, "-m", "finale", "validate", "-f", str(path)], capture_output=True, text=True, check=False
    )
    assert (done.returncode, "Traceback" in done.stderr) == (2, False)
    assert done.stdout.startswith(f"{path}:1:101: nested deeper than 100 levels")
