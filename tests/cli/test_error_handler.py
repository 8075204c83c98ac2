"""The one handler at the CLI edge relies on the tree: input 2, other known errors 1, bugs 3, Ctrl-C 130."""

from __future__ import annotations

import pytest

from finale.adapters.executor.step_command import StepStartError
from finale.adapters.gitlab.delivery import DeliveryError
from finale.adapters.gitlab.wire import ReportInputError
from finale.cli.error_handler import run_guarded
from finale.core.gitlab.events import EventError
from finale.errors import FieldError, ReportError, ValidationError


def _raising(exc: BaseException):
    def command() -> int:
        raise exc

    return command


@pytest.mark.parametrize(
    ("exc", "code", "message"),
    [
        pytest.param(
            ValidationError("p.yaml", [FieldError("spec.tasks", "no tasks", "add one")]),
            2,
            "error: p.yaml: no tasks: spec.tasks\n  fix: add one\n",
            id="validation-2",
        ),
        pytest.param(
            ReportInputError("the commit SHA is empty"), 2, "error: the commit SHA is empty\n", id="report-input-2"
        ),
        pytest.param(EventError("not a CloudEvent"), 2, "error: not a CloudEvent\n", id="event-2"),
        pytest.param(ReportError("GitLab said 503"), 1, "error: GitLab said 503\n", id="report-1"),
        pytest.param(DeliveryError("down", transient=True), 1, "error: down\n", id="delivery-1"),
        pytest.param(StepStartError("Failed", "no shell"), 1, "error: no shell\n", id="step-start-1"),
        pytest.param(KeyboardInterrupt(), 130, "interrupted\n", id="ctrl-c-130"),
    ],
)
def test_known_errors_print_one_line_and_map_to_their_exit_code(
    capsys: pytest.CaptureFixture[str], exc: BaseException, code: int, message: str
) -> None:
    assert run_guarded(_raising(exc)) == code
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", message)


def test_a_bug_prints_its_traceback_and_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_guarded(_raising(RuntimeError("oops"))) == 3
    err = capsys.readouterr().err
    assert err.startswith("finale hit a bug; please report it with this traceback:\nTraceback (most recent call last):")
    assert err.endswith("RuntimeError: oops\n")


def test_a_closed_pipe_is_not_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_guarded(_raising(BrokenPipeError())) == 0
    assert capsys.readouterr().err == ""


def test_a_command_s_own_exit_code_passes_through() -> None:
    assert run_guarded(lambda: 1) == 1
