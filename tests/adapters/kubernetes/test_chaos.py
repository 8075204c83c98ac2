"""The chaos bar, scaled down: benchmarks/serve_chaos.py with 200 runs and a short outage.

Real `python -m finale serve --kubernetes` processes (two replicas, a Lease, SQLite files kept
across three kill -9), a watch expiring with 410 Gone, GitLab faults, CloudEvents dropped while
serve is down: every run ends in GitLab in its state, once, never undone.
"""

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[3] / "benchmarks" / "serve_chaos.py"


def _chaos():
    spec = importlib.util.spec_from_file_location("serve_chaos", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_chaos_loses_nothing_posts_nothing_twice_and_never_regresses(tmp_path):
    chaos = _chaos()
    counts = chaos.run_chaos(chaos.Plan(runs=200, outage=5.0, settle_timeout=120.0), tmp_path, say=lambda _line: None)
    assert counts.wrong == []
    assert (counts.runs, counts.right, counts.lost, counts.duplicates, counts.regressions) == (200, 200, 0, 0, 0)
    assert counts.kills == 3
    assert counts.events_dropped > 0  # the outage did cost CloudEvents: the API made up for them
