"""The GitLab emulator on loopback, shared by the adapter tests that talk to it over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from finale.gitlab_emulator import load_config, serve
from finale.gitlab_emulator.sample import SampleRepo, make_sample_repo, sample_config
from finale.gitlab_emulator.server import RunningEmulator


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> SampleRepo:
    """The sample git repository behind project 42, built once per test module."""
    return make_sample_repo(tmp_path_factory.mktemp("gitlab") / "app.git")


@pytest.fixture(scope="module")
def emulator(repo: SampleRepo) -> Iterator[RunningEmulator]:
    """The emulator serving the sample config, started once per test module."""
    with serve(load_config(sample_config(repo.path))) as gitlab:
        yield gitlab


@pytest.fixture
def gitlab(emulator: RunningEmulator) -> RunningEmulator:
    """The module's emulator, emptied of statuses, faults and request log for this test."""
    emulator.reset()
    return emulator
