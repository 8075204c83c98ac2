"""Every text in these tests goes through the libyaml fast path first, however small."""

from __future__ import annotations

import pytest

from finale.adapters.yaml import load


@pytest.fixture(autouse=True)
def _fast_path_for_all_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load, "FAST_MIN_CHARS", 0)
