"""`finale report`: post one GitLab commit status (exit 0 posted, 1 refused, 2 bad input).

The token comes from `--token-file` or the GITLAB_TOKEN env var, never from a flag value, so it
stays out of process listings and shell history.
"""

from __future__ import annotations

import argparse
import math
import sys

from finale.adapters.gitlab.client import GitLabClient
from finale.adapters.gitlab.wire import (
    DEFAULT_API_PREFIX,
    DEFAULT_RETRY_BUDGET,
    ReportInputError,
    StatusRequest,
    format_posted,
)
from finale.cli.common import add_token_arguments, read_token
from finale.core.gitlab.state import AGGREGATE_NAMES, STATE_NAMES, parse_state, state_for_aggregate
from finale.errors import InputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--gitlab-url", required=True, help="host (https assumed) or full URL")
    parser.add_argument("--api-prefix", default=DEFAULT_API_PREFIX, help="default: /api/v4")
    parser.add_argument("--project", required=True, help="numeric id or full path group/app")
    parser.add_argument("--sha", required=True, help="full commit SHA")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--state", help=f"GitLab state: {', '.join(STATE_NAMES)}")
    which.add_argument("--tekton-status", help=f"Tekton $(tasks.status): {', '.join(AGGREGATE_NAMES)}")
    parser.add_argument("--name", default="", help="status name (GitLab default: default)")
    parser.add_argument("--ref", default="", help="branch or tag of the status")
    parser.add_argument("--target-url", default="", help="link shown with the status")
    parser.add_argument("--description", default=None, help="short text (cut to 255 chars)")
    parser.add_argument("--coverage", default=None, help="coverage percentage, a number")
    parser.add_argument("--pipeline-id", default=None, help="GitLab pipeline id to join")
    add_token_arguments(parser)
    parser.add_argument("--ca-file", default=None, help="PEM CA bundle for GitLab's TLS")
    parser.add_argument("--insecure", action="store_true", help="skip TLS verification")
    parser.add_argument(
        "--retry-budget",
        default=str(DEFAULT_RETRY_BUDGET),
        help="seconds to keep retrying 409/429/5xx/connection errors (default 60)",
    )


def _float(flag: str, text: str | None, *, minimum: float | None = None) -> float | None:
    if text is None or not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{flag}: {text!r} is not a number; fix: e.g. {flag} 87.5") from None
    if not math.isfinite(value) or (minimum is not None and value < minimum):
        raise InputError(f"{flag}: {text!r} must be a finite number >= {minimum or 0:g}")
    return value


def _pipeline_id(text: str | None) -> int | None:
    if text is None or not text.strip():
        return None
    if not text.strip().isdigit() or int(text) <= 0:
        raise InputError(f"--pipeline-id: {text!r} is not a positive integer")
    return int(text)


def _state_and_description(args: argparse.Namespace) -> tuple[str, str]:
    if args.state is not None:
        if parse_state(args.state) is None:
            raise InputError(f"--state: unknown state {args.state!r}; fix: use one of {', '.join(STATE_NAMES)}")
        return args.state, args.description or ""
    try:
        decision = state_for_aggregate(args.tekton_status)
    except ValueError as exc:
        raise InputError(f"--tekton-status: {exc}") from None
    text = args.description if args.description is not None else decision.description
    return decision.state.value, text


def build_request(args: argparse.Namespace) -> StatusRequest:
    state, description = _state_and_description(args)
    return StatusRequest(
        project=args.project,
        sha=args.sha,
        state=state,
        name=args.name,
        ref=args.ref,
        target_url=args.target_url,
        description=description,
        coverage=_float("--coverage", args.coverage),
        pipeline_id=_pipeline_id(args.pipeline_id),
    )


def _log_retry(line: str) -> None:
    print(f"retry: {line}", file=sys.stderr, flush=True)


def main(args: argparse.Namespace) -> int:
    request = build_request(args)
    budget = _float("--retry-budget", args.retry_budget, minimum=0.0)
    try:
        client = GitLabClient(
            args.gitlab_url,
            read_token(args.token_file),
            api_prefix=args.api_prefix,
            retry_budget=DEFAULT_RETRY_BUDGET if budget is None else budget,
            ca_file=args.ca_file,
            verify_tls=not args.insecure,
            on_retry=_log_retry,
        )
        posted = client.post_status(request)
    except ReportInputError as exc:
        raise InputError(str(exc)) from None
    print(format_posted(request.project, request.sha, posted))
    return 0
