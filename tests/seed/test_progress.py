"""The demo's progress display: a spinner line on a terminal, plain lines otherwise."""

from __future__ import annotations

import io

import pytest

from finale.demo.progress import Progress


def test_plain_progress_prints_one_line_per_phase_and_detail() -> None:
    out = io.StringIO()
    progress = Progress(out)  # a StringIO is not a terminal

    with progress.waiting("running the pipeline"):
        progress.detail("build: started TaskRun r-build")

    assert out.getvalue() == "running the pipeline ...\n  build: started TaskRun r-build\n"


def test_live_progress_redraws_one_line_and_ends_it() -> None:
    out = io.StringIO()
    progress = Progress(out, live=True)

    with progress.waiting("running the pipeline"):
        progress.detail("build: started TaskRun r-build")

    text = out.getvalue()
    assert text.endswith("\r\x1b[Krunning the pipeline ... done\n")
    assert text.count("\n") == 1


def test_live_progress_says_stopped_when_interrupted() -> None:
    out = io.StringIO()
    progress = Progress(out, live=True)

    with pytest.raises(KeyboardInterrupt), progress.waiting("running the pipeline"):
        raise KeyboardInterrupt

    assert out.getvalue().endswith("running the pipeline ... stopped\n")
