"""Results read from real files: what each step's termination message carries."""

from __future__ import annotations

from pathlib import Path

from finale.adapters.executor.results import TerminationWatch, read_results

SPEC = {"results": [{"name": "small"}, {"name": "big"}]}


def test_watch_keeps_what_fitted_before_the_message_grew_too_long(tmp_path: Path) -> None:
    watch = TerminationWatch(SPEC, tmp_path)
    (tmp_path / "small").write_text("early")
    watch.after_step("step-first")
    (tmp_path / "big").write_text("x" * 5000)
    watch.after_step("step-second")
    watch.after_step("step-third")
    assert watch.overflow == "step-second"
    assert watch.kept == {"small": "early"}
    results, problem = read_results(SPEC, tmp_path, texts=watch.kept)
    assert results == {"small": "early"}
    assert problem is None


def test_watch_without_overflow_reads_the_folder(tmp_path: Path) -> None:
    watch = TerminationWatch(SPEC, tmp_path)
    (tmp_path / "small").write_text("a")
    (tmp_path / "big").write_text("b" * 100)
    watch.after_step("step-only")
    assert watch.overflow == ""
    assert read_results(SPEC, tmp_path) == ({"small": "a", "big": "b" * 100}, None)
