"""The GitLab commit-status wire format: URLs, JSON body, error bodies, waits (pure, stdlib only).

Inlined into the `gitlab-set-status` Task script together with `gitlab_client` (see
`task_render`). Facts from GitLab's `lib/api/commit_statuses.rb` and `doc/api/commits.md`.
"""

from __future__ import annotations

import email.utils
import json
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from finale.core.gitlab.state import STATE_NAMES
from finale.errors import InputError, ReportError

DEFAULT_API_PREFIX = "/api/v4"
DEFAULT_RETRY_BUDGET = 60.0
DEFAULT_TIMEOUT = 10.0
MAX_FIELD_CHARS = 255  # GitLab's model validation for description, target_url, ref
USER_AGENT = "finale-gitlab-set-status/0.1"
_TRANSITION = re.compile(r"Cannot transition status via :(\w+) from :(\w+)")


class ReportInputError(InputError, ValueError):
    """A status that cannot be sent as given (bad URL, project, token, coverage...)."""


class StatusPostError(ReportError):
    """GitLab did not take the status; `transient` says whether asking again later can help.

    The client classifies each answer once (409/429/5xx and lost connections are transient) and
    the error carries that verdict, with the wait GitLab asked for (429/503 Retry-After), if any.
    """

    def __init__(self, message: str, *, transient: bool, wait: float | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.wait = wait


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusRequest:
    """What to post. Empty strings mean "not sent", as GitLab ignores blank values anyway."""

    project: str
    sha: str
    state: str
    name: str = ""
    ref: str = ""
    target_url: str = ""
    description: str = ""
    coverage: float | None = None
    pipeline_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PostedStatus:
    """GitLab's answer: the job id and pipeline id, or `already` when it held the state."""

    state: str
    status_id: int | None
    pipeline_id: int | None
    already: bool
    attempts: int


@dataclass(frozen=True, slots=True)
class Endpoint:
    """`scheme://host[:port][/sub-path]` plus the API prefix, both without trailing slash."""

    base: str
    api_prefix: str

    def status_url(self, project: str, sha: str) -> str:
        sha_part = urllib.parse.quote(sha.strip(), safe="")
        project_part = encode_project(project)
        return f"{self.base}{self.api_prefix}/projects/{project_part}/statuses/{sha_part}"


def parse_gitlab_url(url: str, api_prefix: str = DEFAULT_API_PREFIX) -> Endpoint:
    """Accept a bare host (https assumed, like the catalog Task) or a full URL with sub-path."""
    text = url.strip()
    if not text:
        raise ReportInputError("the GitLab URL is empty; give a host such as gitlab.com")
    if "://" not in text:
        text = f"https://{text}"
    parts = urllib.parse.urlsplit(text)
    # Credentials and queries are checked first and never echoed: they may hold a token.
    if parts.username or parts.password:
        raise ReportInputError("the GitLab URL must not hold credentials; give the token apart")
    if parts.query or parts.fragment:
        raise ReportInputError("the GitLab URL must not have a query (?...) or fragment (#...)")
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in parts.netloc:
        raise ReportInputError(f"GitLab URL {url!r} is not an http(s) URL or host name")
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when asked
    except ValueError:
        raise ReportInputError(f"GitLab URL {url!r} has an invalid port") from None
    prefix = "/" + api_prefix.strip().strip("/") if api_prefix.strip("/ ") else ""
    path = parts.path.rstrip("/")
    if prefix and path.endswith(prefix):  # the user already gave .../api/v4
        path = path[: -len(prefix)]
    return Endpoint(base=f"{parts.scheme}://{parts.netloc}{path}", api_prefix=prefix)


def encode_project(project: str) -> str:
    """A numeric id as is, a full path as one URL segment (`group%2Fapp`), encoded exactly once.

    GitLab paths never contain `%`, so decoding first is lossless and lets an already encoded
    path (`group%2Fapp`) through without turning it into `group%252Fapp` (a 404).
    """
    text = urllib.parse.unquote(project.strip()).strip("/")
    if not text:
        raise ReportInputError("the project is empty; give a numeric id or a path like group/app")
    return text if text.isascii() and text.isdigit() else urllib.parse.quote(text, safe="")


def _cut(text: str, ellipsis: str) -> str:
    if len(text) <= MAX_FIELD_CHARS:
        return text
    return text[: MAX_FIELD_CHARS - len(ellipsis)] + ellipsis


def build_payload(request: StatusRequest) -> dict[str, Any]:
    """The JSON body; over-long fields are cut so GitLab does not reject the whole status."""
    if request.state not in STATE_NAMES:
        raise ReportInputError(f"unknown GitLab state {request.state!r}; expected one of {', '.join(STATE_NAMES)}")
    if not request.sha.strip():
        raise ReportInputError("the commit SHA is empty")
    body: dict[str, Any] = {"state": request.state}
    if request.name:
        body["name"] = _cut(request.name, "…")
    if request.ref:
        body["ref"] = request.ref
    if request.target_url:
        body["target_url"] = _cut(request.target_url, "...")  # ASCII keeps it a valid URL
    if request.description:
        body["description"] = _cut(request.description, "…")
    if request.coverage is not None:
        body["coverage"] = request.coverage
    if request.pipeline_id is not None:
        body["pipeline_id"] = request.pipeline_id
    return body


def gitlab_message(raw: bytes) -> Any:
    """GitLab's error payload: the JSON `message`/`error` value when there is one, else text."""
    text = raw.decode("utf-8", errors="replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return _plain_text(text)
    if isinstance(data, dict):
        if "message" in data:
            return data["message"]
        if "error" in data:
            described = data.get("error_description")
            return f"{data['error']}: {described}" if described else data["error"]
    return data


def _plain_text(text: str) -> str:
    """Proxies answer with HTML pages or plain text; keep the part a human would read."""
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    if title:
        text = title.group(1)
    elif "<" in text and ">" in text:
        text = re.sub(r"<[^>]*>", " ", text)
    return text


def describe_message(message: Any) -> str:
    """One line from a message that may be a string, a dict of field errors, or a list."""
    if isinstance(message, dict):
        parts = [f"{key} {describe_message(value)}" for key, value in message.items()]
        text = "; ".join(parts)
    elif isinstance(message, list):
        text = ", ".join(describe_message(item) for item in message)
    else:
        text = str(message)
    text = " ".join(text.split())
    return text if len(text) <= 300 else text[:299] + "…"


def is_already_in_state(message: Any, state: str) -> bool:
    """True for GitLab's 400 `Cannot transition status via :X from :<state>`.

    Re-posting `running` or `pending` is refused that way (GitLab §2.4); the commit already
    shows what we wanted. Old servers nest the text as `{"state": ["..."]}`.
    """
    match = _TRANSITION.search(describe_message(message))
    return match is not None and match.group(2) == state


HINTS = {
    401: "check the token: it must be valid, unexpired, with the api scope",
    403: "the token's user needs the Developer role (Maintainer on protected refs) and api scope",
    404: "check the project id or path, the commit SHA and any pipeline id",
}


def retry_after(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds GitLab asked us to wait: `Retry-After` (seconds or HTTP date), else
    `RateLimit-Reset` (Unix time; a small number is taken as seconds from now)."""
    value = (headers.get("Retry-After") or "").strip()
    if value:
        if value.isdigit():
            return float(value)
        try:
            return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - now)
        except (TypeError, ValueError):
            pass
    reset = (headers.get("RateLimit-Reset") or "").strip()
    if reset.isdigit():
        seconds = float(reset)
        return seconds if seconds < 1e9 else max(0.0, seconds - now)
    return None


def parse_posted(state: str, raw: bytes, attempt: int) -> PostedStatus:
    try:
        data = json.loads(raw.decode("utf-8", errors="replace") or "{}")
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}

    def _int(key: str) -> int | None:
        value = data.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    return PostedStatus(
        state=str(data.get("status") or state),
        status_id=_int("id"),
        pipeline_id=_int("pipeline_id"),
        already=False,
        attempts=attempt,
    )


def format_posted(project: str, sha: str, posted: PostedStatus) -> str:
    """The one line a user sees after a post."""
    # Whitespace collapsed: a hostile value must not forge a second output line.
    target = " ".join(f"{urllib.parse.unquote(project).strip('/ ')}@{sha}".split())
    if posted.already:
        return f"gitlab: {target} already {posted.state} (GitLab kept the existing status)"
    ids = f"status {posted.status_id}" if posted.status_id is not None else "status id unknown"
    if posted.pipeline_id is not None:
        ids += f", pipeline {posted.pipeline_id}"
    return f"gitlab: {target} set to {posted.state} ({ids})"
