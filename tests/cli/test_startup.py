"""Start-up imports: the parser, help and version load no engine, executor, YAML, HTTP, SQLite or CEL.

Each check runs in a fresh interpreter, so what other tests imported cannot hide a heavy import.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from finale.cli.main import main
from finale.cli.parser import COMMANDS, build_parser

HEAVY = (
    "finale.engine",
    "finale.adapters.executor",
    "finale.adapters.serve",
    "finale.gitlab_emulator",
    "ruamel",
    "http.server",
    "http.client",
    "sqlite3",
    "cel",
)


def _loaded_after(*statements: str) -> set[str]:
    """Heavy modules (and their submodules) in sys.modules after `statements` ran in a new interpreter."""
    lines = [
        "import contextlib, io, json, sys",
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):",
        "    try:",
        *(f"        {statement}" for statement in statements),
        "    except SystemExit:",
        "        pass",
        f"heavy = {HEAVY!r}",
        "print(json.dumps(sorted(m for m in sys.modules if any(m == h or m.startswith(h + '.') for h in heavy))))",
    ]
    done = subprocess.run([sys.executable, "-c", "\n".join(lines)], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout))


@pytest.mark.parametrize(
    "code",
    [
        ("from finale.cli.parser import build_parser", "build_parser()"),
        ("from finale.cli.main import main", "main(['--version'])"),
        ("from finale.cli.main import main", "main(['--help'])"),
        ("from finale.cli.main import main", "main([])"),
    ],
    ids=["build-parser", "version", "help", "no-command"],
)
def test_parser_help_and_version_import_nothing_heavy(code: tuple[str, ...]) -> None:
    assert _loaded_after(*code) == set()


def test_version_does_not_even_load_typing_or_dataclasses() -> None:
    script = "\n".join(
        [
            "import sys",
            "from finale.cli.main import main",
            "main(['--version'])",
            "print(*(name in sys.modules for name in ('typing', 'dataclasses', 'argparse')))",
        ]
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == ["finale 0.1.0", "False False False"]


PIPELINE = (
    "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: p\nspec:\n  tasks:\n"
    "    - name: a\n      taskSpec:\n        steps:\n          - image: busybox\n            script: |\n"
    "              echo hi\n"
)


def test_validate_of_an_ordinary_file_loads_no_yaml_library_engine_server_or_database(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(PIPELINE, encoding="utf-8")
    assert _loaded_after("from finale.cli.main import main", f"main(['validate', '-f', {str(path)!r}])") == set()


def test_validate_reads_unusual_yaml_with_ruamel(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(PIPELINE.replace("name: p", "name: !!str p"), encoding="utf-8")
    loaded = _loaded_after("from finale.cli.main import main", f"main(['validate', '-f', {str(path)!r}])")
    assert {m for m in loaded if m == "ruamel" or m.startswith("ruamel.")}
    assert {m for m in loaded if not m.startswith("ruamel")} == set()


@pytest.mark.parametrize(
    "argv", [["--help", "validate"], ["-h", "run", "-f", "x"], ["validat", "-f", "x"]], ids=["help", "h", "typo"]
)
def test_help_before_a_command_and_a_mistyped_command_still_list_every_command(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """A command named first builds only its own sub-parser; these must still see them all."""
    with pytest.raises(SystemExit):
        main(argv)
    shown = capsys.readouterr()
    assert all(name in shown.out + shown.err for name in COMMANDS)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_listed_command_adds_its_flags_and_has_a_main(name: str) -> None:
    parser = build_parser([name])
    command = parser._subparsers._group_actions[0].choices[name]  # type: ignore[union-attr]
    assert callable(command.get_default("handler"))
    assert command.format_help().startswith(f"usage: finale {name} [-h]")


def test_validating_a_valid_file_skips_the_model_and_the_modules_only_errors_need(tmp_path: Path) -> None:
    """difflib is for "did you mean" hints, json for `-o json`; the Tekton model is for running."""
    path = tmp_path / "p.yaml"
    path.write_text(
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n  tasks:\n"
        "    - name: a\n      taskSpec:\n        steps: [{name: s, image: busybox, script: 'true'}]\n"
    )
    script = "\n".join(
        [
            "import sys",
            "from finale.cli.main import main",
            f"code = main(['validate', '-f', {str(path)!r}])",
            "names = ('finale.core.tekton.model', 'difflib', 'json', 'pathlib', 'shutil')",
            "print(code, *(name for name in names if name in sys.modules))",
        ]
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == [f"{path}: Pipeline/p is valid", "0"]


FULL_PIPELINE = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: full}
spec:
  params:
    - {name: target, default: dev}
    - {name: flags, type: array, default: [-v]}
  tasks:
    - name: build
      params: [{name: t, value: $(params.target)}]
      taskSpec:
        params: [{name: t}]
        results: [{name: digest}]
        steps: [{name: s, image: busybox, script: 'echo $(params.t) > $(results.digest.path)'}]
    - name: ship
      when: [{input: $(tasks.build.results.digest), operator: notin, values: [""]}]
      params: [{name: f, value: ['$(params.flags[*])']}]
      taskSpec:
        params: [{name: f, type: array}]
        steps: [{name: s, image: busybox, args: ['$(params.f[*])'], command: [echo, $(params.nope)]}]
"""


def _main_in_new_interpreter(argv: list[str], watched: tuple[str, ...]) -> list[str]:
    """The output lines of `finale ARGV` run in a new interpreter; the last one holds its exit code
    and those of the `watched` modules it loaded."""
    script = "\n".join(
        [
            "import sys",
            "from finale.cli.main import main",
            f"code = main({argv!r})",
            f"print(code, *(name for name in {watched!r} if name in sys.modules))",
        ]
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return done.stdout.splitlines()


def test_validate_needs_no_dataclasses_inspect_or_typing(tmp_path: Path) -> None:
    """`dataclasses` imports `inspect` (and ast, dis, tokenize), and `typing` is 2 ms more: too slow
    for validate's start-up."""
    path = tmp_path / "full.yaml"
    path.write_text(FULL_PIPELINE, encoding="utf-8")
    argv = ["validate", "--tekton-text", "-f", str(path)]
    lines = _main_in_new_interpreter(argv, ("dataclasses", "inspect", "typing"))
    assert lines == [
        f'{path}: spec.tasks[1].taskSpec.steps[0].command[1]: non-existent variable in "$(params.nope)"',
        "  fix: declare the param, or fix the name in the reference (declared: f, flags, target)",
        f'{path}: Tekton would say: validation failed: non-existent variable in "$(params.nope)": '
        "spec.tasks[1].taskSpec.steps[0].command[1]",
        "2",
    ]


def test_validating_a_parsed_document_needs_not_even_typing() -> None:
    """The rules, the unsupported-feature scan and Tekton's wording, on a dict already read."""
    script = "\n".join(
        [
            "import sys",
            "from finale.core.tekton.unsupported import find_unsupported",
            "from finale.core.validation.document import render_errors, validate_document",
            "doc = {'apiVersion': 'tekton.dev/v1', 'kind': 'Pipeline', 'metadata': {'name': 'p'},",
            "       'spec': {'tasks': [{'name': 'a', 'runAfter': ['b'], 'taskRef': {'name': 't'}}]}}",
            "print(render_errors(validate_document(doc)), len(find_unsupported([('p.yaml', doc)], running=True)))",
            "print(*(name in sys.modules for name in ('typing', 'dataclasses', 'inspect')))",
        ]
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == [
        "invalid value: couldn't add link between a and b: task a depends on b but b wasn't present in Pipeline: "
        "spec.tasks 0",
        "False False False",
    ]


ONE_TASK_PIPELINE = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: one}
spec:
  tasks:
    - name: only
      taskSpec:
        steps: [{name: s, image: busybox, command: ["true"]}]
"""


def test_run_needs_no_dataclasses_or_inspect(tmp_path: Path) -> None:
    """Each dataclass generates and compiles code when made: `finale run`'s classes are Records
    (finale/record.py), so a whole run, start-up to exit, never imports `dataclasses`."""
    path = tmp_path / "one.yaml"
    path.write_text(ONE_TASK_PIPELINE, encoding="utf-8")
    lines = _main_in_new_interpreter(["run", "-o", "name", "-f", str(path)], ("dataclasses", "inspect"))
    assert lines[-1] == "0"
    assert "taskrun.tekton.dev/one-run-only" in lines
