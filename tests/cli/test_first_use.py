"""What a first-time user runs into: a guessed `--token` flag, folders and files mixed up,
error texts that read the same in every command, and help texts that agree."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from finale.cli.main import main
from finale.cli.parser import build_parser
from finale.gitlab_emulator import load_config

SECRET = "glpat-first-use-SECRET"
SHA = "0123456789abcdef0123456789abcdef01234567"

TYPO_RUN = """\
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  name: typo
spec:
  pipelineSpec:
    tasks:
      - name: a
        taskSpec:
          steps:
            - name: s
              image: alpine
              script: "true"
      - name: b
        runafter: [a]
        taskSpec:
          steps:
            - name: s
              image: alpine
              script: "true"
"""


def _exit_code(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:  # argparse refuses bad usage with SystemExit(2)
        return int(exc.code or 0)


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(
            ["report", "--gitlab-url", "127.0.0.1:1", "--project", "g/a", "--sha", SHA, "--state", "success"],
            id="report",
        ),
        pytest.param(["serve", "--gitlab-url", "127.0.0.1:1", "--db", "unused.db"], id="serve"),
    ],
)
@pytest.mark.parametrize("form", ["separate", "equals", "abbreviated-token-file"])
def test_a_token_given_as_a_flag_is_refused_without_echoing_it(argv, form, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITLAB_TOKEN", raising=False)
    extra = {
        "separate": ["--token", SECRET],
        "equals": [f"--token={SECRET}"],
        # `--token-f` used to be taken as `--token-file` and the "cannot read" error echoed the token
        "abbreviated-token-file": ["--token-f", SECRET],
    }[form]
    assert _exit_code([*argv, *extra]) == 2
    captured = capsys.readouterr()
    assert SECRET not in captured.err + captured.out
    if form != "abbreviated-token-file":
        assert "--token: finale never takes the token as a flag value" in captured.err
        assert "fix: put it in a file and pass --token-file FILE, or set GITLAB_TOKEN" in captured.err


def test_no_command_accepts_abbreviated_flags():
    parser = build_parser()
    subparsers = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert parser.allow_abbrev is False
    assert {name: sub.allow_abbrev for name, sub in subparsers.items()} == dict.fromkeys(subparsers, False)


def test_run_and_validate_word_an_invalid_field_the_same_way(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "typo.yaml").write_text(TYPO_RUN)
    expected = (
        "typo.yaml: spec.pipelineSpec.tasks[1].runafter: strict decoding error: unknown field "
        '"spec.pipelineSpec.tasks[1].runafter"\n  fix: did you mean runAfter?\n'
    )
    assert main(["validate", "-f", "typo.yaml"]) == 2
    assert capsys.readouterr().out == expected
    for command in ("run", "check", "graph"):
        assert main([command, "-f", "typo.yaml"]) == 2
        assert capsys.readouterr().err == "error: " + expected


def test_instrument_on_a_folder_says_it_takes_one_file(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pipelines").mkdir()
    assert main(["instrument", "-f", "pipelines"]) == 2
    assert capsys.readouterr().err == (
        "error: pipelines: is a folder; instrument rewrites one file\n"
        "  fix: pass the file that defines the Pipeline, e.g. -f pipelines/pipeline.yaml\n"
    )


def test_every_command_help_reads_alike():
    """One style in `finale --help`: lower-case start, no full stop, as argparse's own texts."""
    parser = build_parser()
    subparsers = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name, sub in subparsers.items():
        text = sub.description or ""
        assert text[:1].islower(), name
        assert not text.endswith("."), name


TASK = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: build
spec:
  steps:
    - name: s
      image: alpine
      script: "true"
"""


def test_run_without_a_pipeline_names_what_it_found(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "build.yaml").write_text(TASK)
    assert main(["run", "-f", "tasks"]) == 2
    assert capsys.readouterr().err == (
        "error: tasks: no PipelineRun or Pipeline in the files given with -f (found: Task/build)\n"
        "  fix: add the file holding the PipelineRun, or the Pipeline to run with its defaults\n"
    )


def test_run_on_empty_input_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty.yaml").write_text("# nothing yet\n")
    assert main(["run", "-f", "empty.yaml"]) == 2
    assert capsys.readouterr().err == (
        "error: empty.yaml: no PipelineRun or Pipeline in the files given with -f (found: no objects)\n"
        "  fix: add the file holding the PipelineRun, or the Pipeline to run with its defaults\n"
    )


@pytest.mark.parametrize("value", ["0", "-1", "many"])
def test_run_parallel_must_be_a_positive_count(value, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", "-f", "unused.yaml", "--parallel", value])
    assert exc.value.code == 2
    assert f"--parallel: {value!r} is not a count of TaskRuns; fix: give 1 or more" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["run", "validate", "check", "graph"])
@pytest.mark.parametrize("flag", ["enable-cel-in-when-expression", "enable-api-fields=banana", "results-from=logs"])
def test_a_mistyped_feature_flag_is_refused_not_ignored(command, flag, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "-f", "unused.yaml", "--feature", flag])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --feature: {flag!r} is not a feature flag finale knows; fix: use one of " in err
    assert "enable-cel-in-whenexpression" in err


@pytest.mark.parametrize(
    "flag",
    [
        "enable-cel-in-whenexpression",
        "enable-cel-in-whenexpression=true",
        "enable-param-enum=false",
        "enable-api-fields=alpha",
        "results-from=sidecar-logs",
        "enable-concise-resolver-syntax",
    ],
)
def test_known_feature_flags_are_taken(flag, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "task.yaml").write_text(TASK)
    assert main(["validate", "-f", "task.yaml", "--feature", flag]) == 0


SLOW_RUN = """\
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  name: slow
spec:
  pipelineSpec:
    tasks:
      - name: wait
        taskSpec:
          steps:
            - name: sleep
              image: alpine
              script: |
                echo started
                sleep 30
    finally:
      - name: fin
        taskSpec:
          steps:
            - name: report
              image: alpine
              script: |
                echo finally
                sleep 30
"""


def _start_run(cwd, filename: str) -> subprocess.Popen[str]:
    """A real `python -m finale run -f FILE` process in `cwd`, its output piped as text."""
    return subprocess.Popen(
        [sys.executable, "-m", "finale", "run", "-f", filename],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow  # usually 0.3 s; up to 10 s while a cancel racing a step's start is waited out
def test_ctrl_c_twice_says_what_each_press_did(tmp_path):
    """A real `finale run` process: the first Ctrl-C asks for CancelledRunFinally, the second
    for Cancelled, and the second message no longer offers a third press."""

    (tmp_path / "slow.yaml").write_text(SLOW_RUN)
    proc = _start_run(tmp_path, "slow.yaml")
    assert proc.stdout is not None and proc.stderr is not None
    for line in proc.stdout:
        if line.startswith("[wait : sleep] started"):
            break
    proc.send_signal(signal.SIGINT)
    assert proc.stderr.readline() == "\n"
    assert proc.stderr.readline() == (
        "interrupt: setting spec.status to CancelledRunFinally (finally tasks still run; Ctrl-C again to cancel hard)\n"
    )
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert err == (
        "\ninterrupt: setting spec.status to Cancelled "
        "(hard cancel: every running TaskRun is stopped and no finally task starts)\n"
    )
    assert 'PipelineRun slow: Cancelled (False)\nPipelineRun "slow" was cancelled\n' in out


def test_validate_says_when_a_file_holds_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty.yaml").write_text("# to do\n")
    assert main(["validate", "-f", "empty.yaml"]) == 2  # an error, as in the other commands
    assert capsys.readouterr().out == (
        "empty.yaml: no objects in the file (it is empty)\n  fix: give a file holding Tekton YAML\n"
    )


GITLAB_CI = "stages: [build]\nbuild:\n  script: make\n"
EXAMPLES = Path(__file__).parent.parent.parent / "examples" / "buildpacks-gitlab"


def test_validate_skips_yaml_that_is_no_kubernetes_object(tmp_path, monkeypatch, capsys):
    """The pre-commit hook hands every changed YAML file over, `.gitlab-ci.yml` included."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".gitlab-ci.yml").write_text(GITLAB_CI)
    (tmp_path / "task.yaml").write_text(TASK)
    assert main(["validate", "-f", ".gitlab-ci.yml", "task.yaml"]) == 0
    assert capsys.readouterr().out == (
        ".gitlab-ci.yml: not a Kubernetes object (no apiVersion, no kind); skipped\ntask.yaml: Task/build is valid\n"
    )


def test_validate_still_flags_a_missing_kind(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "task.yaml").write_text(TASK.replace("kind: Task\n", ""))
    assert main(["validate", "-f", "task.yaml"]) == 2
    assert "task.yaml: kind: kind not set\n" in capsys.readouterr().out


def test_check_skips_yaml_that_is_no_kubernetes_object(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".gitlab-ci.yml").write_text(GITLAB_CI)
    pipeline = str(EXAMPLES / "pipeline-one-reporter.yaml")
    assert main(["check", "-f", ".gitlab-ci.yml", pipeline]) == 0
    captured = capsys.readouterr()
    assert captured.err == "note: .gitlab-ci.yml: not a Kubernetes object (no apiVersion, no kind); skipped\n"
    assert captured.out.startswith(f"finale check: {pipeline}\n")


def test_check_takes_each_pipeline_of_a_commit_in_turn(capsys):
    """pre-commit passes every changed file at once: each Pipeline and PipelineRun is checked,
    a PipelineRun together with the Pipeline it references."""
    files = [
        str(EXAMPLES / name)
        for name in ("pipeline.yaml", "pipeline-one-reporter.yaml", "pipelinerun-one-reporter.yaml", "secret.yaml")
    ]
    assert main(["check", "-f", *files]) == 0  # the recommended examples pass
    out = capsys.readouterr().out
    headers = [line for line in out.splitlines() if line.startswith("finale check: ")]
    assert headers == [f"finale check: {files[2]}", f"finale check: {files[0]}"]


def test_check_json_of_several_pipelines_is_a_list(capsys):

    files = [str(EXAMPLES / "pipeline.yaml"), str(EXAMPLES / "pipeline-one-reporter.yaml")]
    assert main(["check", "-o", "json", "-f", *files]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(d["source"], d["passed"]) for d in data] == [(files[0], True), (files[1], True)]


@pytest.mark.parametrize(
    ("extra", "shown"),
    [
        pytest.param(["--tokn", SECRET], "--tokn VALUE", id="value-after-unknown-flag"),
        pytest.param([f"--tokn={SECRET}"], "--tokn=VALUE", id="equals"),
        pytest.param(["stray.yaml"], "stray.yaml", id="stray-word-is-shown"),
    ],
)
def test_unknown_arguments_never_echo_what_follows_a_flag(extra, shown, capsys):
    argv = ["instrument", "-f", "pipeline.yaml", "--in-place", *extra]  # -f takes every file up to a flag
    assert _exit_code(argv) == 2
    err = capsys.readouterr().err
    assert SECRET not in err
    assert f"finale: error: unrecognized arguments: {shown}; see finale instrument --help\n" in err


ECHO_TOKEN_RUN = """\
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  name: echo-token
spec:
  pipelineSpec:
    tasks:
      - name: show
        taskSpec:
          steps:
            - name: env
              image: alpine
              script: echo "token=$GITLAB_TOKEN"
"""


@pytest.mark.parametrize("output", [[], ["-o", "json"]])
def test_run_masks_the_gitlab_token_of_the_shell(output, tmp_path, monkeypatch, capsys):
    """Steps run with this machine's environment, GITLAB_TOKEN included (set for finale report);
    whatever a step prints of it is masked like a Secret's value."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITLAB_TOKEN", SECRET)
    (tmp_path / "run.yaml").write_text(ECHO_TOKEN_RUN)
    assert main(["run", "-f", "run.yaml", *output]) == 0
    captured = capsys.readouterr()
    assert SECRET not in captured.out + captured.err
    if not output:
        assert "[show : env] token=***\n" in captured.out


FAILING_RUN = """\
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  name: fails
spec:
  pipelineSpec:
    tasks:
      - name: first
        taskSpec:
          steps:
            - name: say
              image: alpine
              script: echo one; echo two; echo three
      - name: second
        runAfter: [first]
        taskSpec:
          steps:
            - name: fail
              image: alpine
              script: echo failing; exit 3
"""


def test_run_piped_into_head_still_exits_as_the_run_ended(tmp_path):
    """`finale run ... | head -1`: the reader goes away, the run goes on, and a failed run
    still exits 1 (it used to stop at the first write and exit 0)."""

    (tmp_path / "run.yaml").write_text(FAILING_RUN)
    proc = _start_run(tmp_path, "run.yaml")
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline() == "--- first: started TaskRun fails-first\n"
    proc.stdout.close()  # as `head -1` does
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 1
    assert err == ""


def test_gitlab_emulator_help_shows_a_config_that_loads(tmp_path, capsys):
    """`finale gitlab-emulator --help` is where a user looks for the config format."""

    with pytest.raises(SystemExit):
        main(["gitlab-emulator", "--help"])
    help_text = capsys.readouterr().out
    example = textwrap.dedent(help_text.split("config example (repository paths relative to the file):\n")[1])
    (tmp_path / "gitlab.yaml").write_text(example)
    subprocess.run(["git", "init", "-q", str(tmp_path / "app")], check=True)
    config = load_config(str(tmp_path / "gitlab.yaml"))
    assert [p.path for p in config.projects] == ["team/app"]


def test_graph_takes_dash_o_like_run_and_check(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    pipeline = str(EXAMPLES / "pipeline.yaml")
    assert main(["graph", "-f", pipeline, "--format", "dot"]) == 0
    expected = capsys.readouterr().out
    assert expected.startswith('digraph "buildpacks-test-pipeline" {')
    for flag in ("-o", "--output"):
        assert main(["graph", "-f", pipeline, flag, "dot"]) == 0
        assert capsys.readouterr().out == expected


WORKSPACE_RUN = """\
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  name: ws
spec:
  pipelineSpec:
    workspaces:
      - name: source
    tasks:
      - name: a
        taskSpec:
          steps:
            - name: s
              image: alpine
              script: "true"
  workspaces:
    - name: source
      emptyDir: {}
"""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["-p", "novalue"],
            "error: -p novalue: expected NAME=VALUE\n  fix: e.g. -p novalue=VALUE (JSON for arrays and objects)\n",
            id="param-without-value",
        ),
        pytest.param(
            ["-w", "src=./src"],
            'error: -w src: the Pipeline declares no workspace "src" (declared: source)\n'
            "  fix: bind a declared workspace, e.g. -w source=./src\n",
            id="unknown-workspace",
        ),
        pytest.param(
            ["-w", "source"],
            "error: -w source: expected NAME=DIR\n  fix: e.g. -w source=./source\n",
            id="workspace-without-folder",
        ),
    ],
)
def test_run_flag_mistakes_say_how_to_write_them(args, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ws.yaml").write_text(WORKSPACE_RUN)
    assert main(["run", "-f", "ws.yaml", *args]) == 2
    assert capsys.readouterr().err == message
