"""A ready-made project for tests and the demo: a small git repository and a matching config.

Repository: `main` (two commits, protected), `feature/x` (one more commit), tag `v1.0` on `main`,
and a commit reachable only from tag `v-orphan`. Users: one per role, plus tokens that are
read-only, expired and revoked, and a user who is not a member.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ID = 42
PROJECT_PATH = "team/sub/app"
_ENV = {
    "GIT_AUTHOR_NAME": "Ada Example",
    "GIT_AUTHOR_EMAIL": "ada@example.test",
    "GIT_COMMITTER_NAME": "Ada Example",
    "GIT_COMMITTER_EMAIL": "ada@example.test",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class SampleRepo:
    path: Path
    main: str  # tip of main
    first: str  # first commit on main
    feature: str  # tip of feature/x (only on feature/x)
    orphan: str  # reachable only from tag v-orphan


def make_sample_repo(dest: Path) -> SampleRepo:
    """Create the sample repository at `dest` (a new directory) and return its commit ids."""
    dest.mkdir(parents=True, exist_ok=False)
    git = _runner(dest)
    git("init", "--quiet", "--initial-branch=main")
    first = _commit(git, dest, "README.md", "# app\n", "Initial commit", "2024-01-01T10:00:00Z")
    main = _commit(git, dest, "app.py", "print('hi')\n", "Add app", "2024-01-02T10:00:00Z")
    git("tag", "v1.0")
    git("checkout", "--quiet", "-b", "feature/x")
    feature = _commit(git, dest, "x.py", "x = 1\n", "Feature x", "2024-01-03T10:00:00Z")
    git("checkout", "--quiet", "--detach", main)
    orphan = _commit(git, dest, "hotfix.txt", "fix\n", "Tagged hotfix", "2024-01-04T10:00:00Z")
    git("tag", "v-orphan")
    git("checkout", "--quiet", "main")
    return SampleRepo(path=dest, main=main, first=first, feature=feature, orphan=orphan)


def _runner(cwd: Path) -> Any:
    def git(*args: str, date: str | None = None) -> str:
        env = {**os.environ, **_ENV}
        if date:
            env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
        done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)
        return done.stdout.strip()

    return git


def _commit(git: Any, repo: Path, name: str, text: str, title: str, date: str) -> str:
    (repo / name).write_text(text, encoding="utf-8")
    git("add", name)
    git("commit", "--quiet", "-m", title, date=date)
    return str(git("rev-parse", "HEAD"))


def sample_config(repository: Path | str) -> dict[str, Any]:
    """Config dict for the sample project; every token value is `glpat-<username>[-variant]`."""
    roles = ("guest", "reporter", "developer", "maintainer", "owner")
    users: list[dict[str, Any]] = [
        {"username": role, "roles": {PROJECT_PATH: role}, "tokens": [{"value": f"glpat-{role}", "scopes": ["api"]}]}
        for role in roles
    ]
    developer = users[2]
    developer["tokens"] += [
        {"value": "glpat-developer-read", "scopes": ["read_api"]},
        {"value": "glpat-developer-repo", "scopes": ["read_repository"]},
        {"value": "glpat-developer-expired", "scopes": ["api"], "expired": True},
        {"value": "glpat-developer-revoked", "scopes": ["api"], "revoked": True},
    ]
    users.append(
        {"username": "developer2", "roles": {PROJECT_PATH: "developer"}, "tokens": [{"value": "glpat-developer2"}]}
    )
    users.append({"username": "outsider", "tokens": [{"value": "glpat-outsider"}]})
    return {
        "projects": [
            {
                "id": PROJECT_ID,
                "path": PROJECT_PATH,
                "repository": str(repository),
                "protected_branches": ["main"],
                "visibility": "private",
            }
        ],
        "users": [{"id": i + 1, **u} for i, u in enumerate(users)],
        "faults": {},
    }
