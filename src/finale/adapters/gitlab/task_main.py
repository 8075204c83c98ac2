"""Entry point of the `gitlab-set-status` Task step: read params from env vars, post, write results.

Params reach the script only through `env` (never pasted into its text), so any value, quotes,
dollar-parens and newlines included, arrives as data. Exit 0 posted, 1 GitLab refused or
unreachable, 2 bad params. Inlined into the Task script by `task_render`, after its imports.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Mapping
from typing import TextIO

from finale.adapters.gitlab.client import GitLabClient
from finale.adapters.gitlab.wire import (
    DEFAULT_API_PREFIX,
    ReportInputError,
    StatusRequest,
    format_posted,
)
from finale.core.gitlab.state import parse_completed_state, resolve_state
from finale.errors import ReportError

# Env var -> Task param. RESULT_* hold the paths of the Task results.
ENV_PARAMS = (
    "GITLAB_HOST_URL",
    "API_PATH_PREFIX",
    "REPO_FULL_NAME",
    "SHA",
    "TARGET_URL",
    "DESCRIPTION",
    "CONTEXT",
    "STATE",
    "COMPLETED_STATE",
    "COVERAGE",
    "REF",
    "PIPELINE_ID",
    "SSL_VERIFY",
    "CA_BUNDLE",
    "RETRY_BUDGET",
)


def _number(env: Mapping[str, str], key: str, kind: type[float] | type[int]) -> float | None:
    text = env.get(key, "").strip()
    if not text:
        return None
    try:
        value = kind(text)
    except ValueError:
        raise ReportInputError(f"param {key} must be a number, got {text!r}") from None
    if not math.isfinite(value) or (kind is int and value <= 0):
        raise ReportInputError(f"param {key} must be a finite (positive) number, got {text!r}")
    return value


def _flag(env: Mapping[str, str], key: str) -> bool:
    text = env.get(key, "true").strip().lower()
    if text in ("", "true", "yes", "1"):
        return True
    if text in ("false", "no", "0"):
        return False
    raise ReportInputError(f"param {key} must be true or false, got {text!r}")


def request_from_env(env: Mapping[str, str]) -> StatusRequest:
    """The status to post, built from the Task's env vars; ReportInputError on bad params."""
    try:
        completed = parse_completed_state(env.get("COMPLETED_STATE", ""))
    except ValueError as exc:
        raise ReportInputError(f"param COMPLETED_STATE: {exc}") from None
    try:
        decision = resolve_state(env.get("STATE", ""), completed.value)
    except ValueError as exc:
        raise ReportInputError(f"param STATE: {exc}") from None
    pipeline_id = _number(env, "PIPELINE_ID", int)
    return StatusRequest(
        project=env.get("REPO_FULL_NAME", ""),
        sha=env.get("SHA", ""),
        state=decision.state.value,
        name=env.get("CONTEXT", ""),
        ref=env.get("REF", ""),
        target_url=env.get("TARGET_URL", ""),
        description=env.get("DESCRIPTION", "") or decision.description,
        coverage=_number(env, "COVERAGE", float),
        pipeline_id=None if pipeline_id is None else int(pipeline_id),
    )


def client_from_env(env: Mapping[str, str], log: TextIO | None = None) -> GitLabClient:
    budget = _number(env, "RETRY_BUDGET", float)

    def on_retry(line: str) -> None:
        if log is not None:  # the step log: a retrying post must not look like a hang
            print(f"retry: {line}", file=log, flush=True)

    return GitLabClient(
        env.get("GITLAB_HOST_URL", "") or "gitlab.com",
        env.get("GITLAB_TOKEN", ""),
        api_prefix=env.get("API_PATH_PREFIX", DEFAULT_API_PREFIX),
        retry_budget=60.0 if budget is None else budget,
        ca_file=env.get("CA_BUNDLE", "").strip() or None,
        verify_tls=_flag(env, "SSL_VERIFY"),
        on_retry=on_retry,
    )


def _write_result(env: Mapping[str, str], key: str, value: int | None) -> None:
    path = env.get(key, "").strip()
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("" if value is None else str(value))


def run_from_env(env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    """Post the status the env describes; print one line; return the exit code."""
    try:
        request = request_from_env(env)
        posted = client_from_env(env, err).post_status(request)
    except ReportInputError as exc:
        print(f"error: {exc}", file=err)
        return 2
    except ReportError as exc:
        print(f"error: {exc}", file=err)
        return 1
    _write_result(env, "RESULT_STATUS_ID", posted.status_id)
    _write_result(env, "RESULT_PIPELINE_ID", posted.pipeline_id)
    print(format_posted(request.project, request.sha, posted), file=out)
    return 0


if __name__ == "__main__":
    sys.exit(run_from_env(os.environ, sys.stdout, sys.stderr))
