"""A tiny sample app in a real git repository: a good commit on `main`, a broken one on a branch.

The app's own `build.sh` is what the local buildpacks stand-in runs, so the commit decides
whether the build passes, and `build_seconds` decides how long it takes.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from finale.errors import ExecutorError

MAIN_BRANCH = "main"
BROKEN_BRANCH = "feature/typo"

_GREET_GOOD = 'printf "Hello, %s!\\n" "$1"\n'
_GREET_BROKEN = 'printf "Helo, %s!\\n" "$1"\n'

# The build checks its own output, so the broken commit fails the build, not the clone.
_BUILD_TEMPLATE = """\
#!/bin/sh
set -eu
echo "building greeter"
{sleep}mkdir -p dist
sh greet.sh World > dist/greeting.txt
if [ "$(cat dist/greeting.txt)" != "Hello, World!" ]; then
  echo "test failed: expected 'Hello, World!', got '$(cat dist/greeting.txt)'" >&2
  exit 1
fi
echo "test passed: $(cat dist/greeting.txt)"
"""

# Fixed identity and dates: the same inputs always give the same commit SHAs.
_GIT_ENV = {
    "GIT_AUTHOR_NAME": "Sample Developer",
    "GIT_AUTHOR_EMAIL": "developer@example.com",
    "GIT_COMMITTER_NAME": "Sample Developer",
    "GIT_COMMITTER_EMAIL": "developer@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_TERMINAL_PROMPT": "0",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class SampleRepo:
    """Where the sample repository is and which commits it holds."""

    path: Path
    good_sha: str
    broken_sha: str


def build_script(build_seconds: float = 0) -> str:
    """The app's build.sh; a positive `build_seconds` makes the build take that long."""
    sleep = f"sleep {build_seconds:g}\n" if build_seconds > 0 else ""
    return _BUILD_TEMPLATE.format(sleep=sleep)


def make_sample_repo(path: Path, *, build_seconds: float = 0) -> SampleRepo:
    """Create the repository at `path` (which must not exist or be empty)."""
    path.mkdir(parents=True, exist_ok=True)
    _git(path, "init", "--quiet", f"--initial-branch={MAIN_BRANCH}")
    _write(path / "README.md", "# greeter\n\nPrints a greeting; `./build.sh` tests it.\n")
    _write(path / "build.sh", build_script(build_seconds), executable=True)
    _write(path / "greet.sh", _GREET_GOOD)
    good = _commit(path, "Add greeter and its build", "2026-01-05T10:00:00+00:00")
    _git(path, "checkout", "--quiet", "-b", BROKEN_BRANCH)
    _write(path / "greet.sh", _GREET_BROKEN)
    broken = _commit(path, "Tweak the greeting", "2026-01-05T11:00:00+00:00")
    _git(path, "checkout", "--quiet", MAIN_BRANCH)
    return SampleRepo(path=path, good_sha=good, broken_sha=broken)


def _write(file: Path, text: str, *, executable: bool = False) -> None:
    file.write_text(text, encoding="utf-8")
    if executable:
        file.chmod(0o755)


def _commit(repo: Path, message: str, date: str) -> str:
    _git(repo, "add", "--all")
    env = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    _git(repo, "-c", "commit.gpgsign=false", "commit", "--quiet", "-m", message, extra_env=env)
    return _git(repo, "rev-parse", "HEAD").strip()


def _git(repo: Path, *args: str, extra_env: dict[str, str] | None = None) -> str:
    env = {**os.environ, **_GIT_ENV, **(extra_env or {})}
    try:
        done = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise ExecutorError(f"the demo needs the git binary on PATH: {exc}") from exc
    if done.returncode != 0:
        raise ExecutorError(f"git {' '.join(args)} failed in {repo}: {done.stderr.strip()}")
    return done.stdout
