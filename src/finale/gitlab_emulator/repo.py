"""Read-only access to a project's local git repository, through one subprocess choke point."""

from __future__ import annotations

import functools
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from finale.errors import FinaleError

_FULL_SHA = re.compile(r"[0-9a-f]{40}")
# Unit and record separators keep commit messages with newlines intact.
_FIELDS = ("%H", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%s", "%B")
_FORMAT = "%x1f".join(_FIELDS) + "%x1e"


class GitError(FinaleError):
    """git could not be run, or failed on a repository that should be valid."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CommitInfo:
    sha: str
    parent_ids: tuple[str, ...]
    author_name: str
    author_email: str
    authored_date: str
    committer_name: str
    committer_email: str
    committed_date: str
    title: str
    message: str
    additions: int = 0
    deletions: int = 0


class GitRepo:
    """A local repository (bare or not). Branch and tag names come from `git for-each-ref`."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _git(self, *args: str, check: bool = True) -> str | None:
        """Run git; None when it exits non-zero and `check` is false. The only subprocess call."""
        cmd = ["git", "-c", "safe.directory=*", "-C", str(self.path), *args]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise GitError(f"cannot run git in {self.path}: {exc}") from None
        if done.returncode != 0:
            if check:
                raise GitError(f"git {' '.join(args)} failed in {self.path}: {done.stderr.strip()}")
            return None
        return done.stdout

    def is_valid(self) -> bool:
        """True when the path itself is a repository (bare, or with `.git`), not a folder that
        merely sits inside some other repository."""
        out = self._git("rev-parse", "--absolute-git-dir", check=False)
        if out is None:
            return False
        here = self.path.resolve()
        return Path(out.strip()).resolve() in (here, here / ".git")

    def resolve(self, revision: str) -> str | None:
        """Full SHA of the commit a revision (SHA, short SHA, branch, tag) names, else None."""
        if not revision or revision.startswith("-") or "\x00" in revision:
            return None
        if _FULL_SHA.fullmatch(revision):
            return self._peel_cached(revision)
        return self._peel(revision)

    @functools.lru_cache(maxsize=1024)  # noqa: B019 - object ids never change meaning
    def _peel_cached(self, sha: str) -> str | None:
        return self._peel(sha)

    def _peel(self, revision: str) -> str | None:
        out = self._git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}", check=False)
        return out.strip() if out else None

    def branches_containing(self, sha: str) -> list[str]:
        """Branch names containing the commit, sorted by ref name (git's and Gitaly's order).

        GitLab attaches a ref-less status to the first of these, so `feature/x` comes before
        `main` when both contain the commit.
        """
        out = self._git(
            "for-each-ref",
            "--format=%(refname:strip=2)",
            "--sort=refname",
            f"--contains={sha}",
            "refs/heads",
            check=False,
        )
        return [line for line in (out or "").splitlines() if line]

    def branches(self) -> list[str]:
        out = self._git("for-each-ref", "--format=%(refname:strip=2)", "--sort=refname", "refs/heads")
        return [line for line in (out or "").splitlines() if line]

    def default_branch(self) -> str | None:
        out = self._git("symbolic-ref", "--quiet", "--short", "HEAD", check=False)
        return out.strip() if out else None

    def commit(self, sha: str) -> CommitInfo:
        out = self._git("show", "-s", f"--format={_FORMAT}", sha) or ""
        parts = out.rstrip("\n").rstrip("\x1e").split("\x1f")
        parents = tuple(p for p in parts[1].split() if p)
        additions, deletions = self._stats(sha)
        return CommitInfo(
            sha=parts[0],
            parent_ids=parents,
            author_name=parts[2],
            author_email=parts[3],
            authored_date=parts[4],
            committer_name=parts[5],
            committer_email=parts[6],
            committed_date=parts[7],
            title=parts[8],
            message=parts[9],
            additions=additions,
            deletions=deletions,
        )

    def _stats(self, sha: str) -> tuple[int, int]:
        out = self._git("show", "--numstat", "--format=", "--no-renames", sha, check=False) or ""
        additions = deletions = 0
        for line in out.splitlines():
            fields = line.split("\t")
            if len(fields) >= 2 and fields[0].isdigit() and fields[1].isdigit():
                additions += int(fields[0])
                deletions += int(fields[1])
        return additions, deletions
