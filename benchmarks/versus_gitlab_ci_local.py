"""The same chain of N `true` jobs in gitlab-ci-local (shell executor, `needs:`) and in finale.

Run: GITLAB_CI_LOCAL='npx gitlab-ci-local' .venv/bin/python benchmarks/versus_gitlab_ci_local.py [N]
gitlab-ci-local comes from npm (`npm install gitlab-ci-local` in a folder outside this one); the
variable holds the command line that starts it. Without it this prints how to set it and stops.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import FINALE, run_once, write_chain


def gitlab_ci_yaml(n: int) -> str:
    jobs = []
    for i in range(n):
        needs = f"\n  needs: [job{i - 1}]" if i else ""
        jobs.append(f'job{i}:\n  stage: test\n  script: ["true"]{needs}\n')
    return "stages: [test]\n\n" + "\n".join(jobs)


def time_gitlab_ci_local(command: list[str], folder: Path, n: int) -> float:
    (folder / ".gitlab-ci.yml").write_text(gitlab_ci_yaml(n), encoding="utf-8")
    git = ["git", "-c", "user.email=bench@example.com", "-c", "user.name=bench"]
    subprocess.run([*git, "init", "-q", "."], cwd=folder, check=True)
    subprocess.run([*git, "add", "."], cwd=folder, check=True)
    subprocess.run([*git, "commit", "-qm", "chain"], cwd=folder, check=True)
    start = time.perf_counter()
    subprocess.run(command, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main(n: int) -> int:
    command = os.environ.get("GITLAB_CI_LOCAL")
    if not command:
        print("skipped: set GITLAB_CI_LOCAL to the command that runs gitlab-ci-local (e.g. 'npx gitlab-ci-local')")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        theirs = time_gitlab_ci_local(shlex.split(command), Path(tmp), n)
        ours = run_once([FINALE, "run", "-o", "name", "-f", str(write_chain(Path(tmp), n))])
    print(f"gitlab-ci-local, {n} jobs in a needs: chain: {theirs:.2f} s, {theirs / n * 1000:.0f} ms a job")
    print(f"finale run, {n} tasks in a runAfter chain: {ours:.2f} s, {ours / n * 1000:.1f} ms a task")
    print(f"ratio {theirs / ours:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
