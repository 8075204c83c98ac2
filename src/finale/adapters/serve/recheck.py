"""Read before re-posting: does GitLab already hold this state for this commit, name and ref?

A process killed between GitLab's 201 and the outbox's commit leaves a row that looks unsent;
posting it again would add a second identical status. GitLab's list of a commit's statuses
(`GET /projects/:id/repository/commits/:sha/statuses`, latest job per name unless `all`) says.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Protocol

from finale.adapters.gitlab.client import Opener, build_opener
from finale.adapters.gitlab.delivery import DeliveryError
from finale.adapters.gitlab.wire import (
    DEFAULT_API_PREFIX,
    DEFAULT_TIMEOUT,
    USER_AGENT,
    StatusRequest,
    encode_project,
    parse_gitlab_url,
)

_FINAL = frozenset({"success", "failed", "canceled"})


class StatusCheck(Protocol):
    def holds(self, request: StatusRequest) -> bool: ...


class GitLabStatusCheck:
    """One GET per question; DeliveryError (transient) when GitLab cannot answer, so the row waits."""

    def __init__(
        self,
        gitlab_url: str,
        token: str,
        *,
        api_prefix: str = DEFAULT_API_PREFIX,
        timeout: float = DEFAULT_TIMEOUT,
        ca_file: str | None = None,
        verify_tls: bool = True,
        opener: Opener | None = None,
    ) -> None:
        self._endpoint = parse_gitlab_url(gitlab_url, api_prefix)
        self._token = token
        self._timeout = timeout
        self._opener: Opener = opener if opener is not None else build_opener(ca_file, verify_tls)

    def __repr__(self) -> str:
        return f"GitLabStatusCheck({self._endpoint.base!r}, token=***)"

    def holds(self, request: StatusRequest) -> bool:
        """Whether the latest status named `request.name` (on its ref, if given) is already in its
        state, or, for a `running`/`pending` one, already final."""
        query = {"name": request.name, "order_by": "id", "sort": "desc", "per_page": "1"}
        if request.ref:
            query["ref"] = request.ref
        sha = urllib.parse.quote(request.sha.strip(), safe="")
        url = (
            f"{self._endpoint.base}{self._endpoint.api_prefix}/projects/{encode_project(request.project)}"
            f"/repository/commits/{sha}/statuses?{urllib.parse.urlencode(query)}"
        )
        headers = {"PRIVATE-TOKEN": self._token, "User-Agent": USER_AGENT, "Accept": "application/json"}
        try:
            with self._opener.open(urllib.request.Request(url, headers=headers), timeout=self._timeout) as response:
                latest = json.loads(response.read() or b"[]")
        except urllib.error.HTTPError as exc:
            if exc.code >= 500 or exc.code in (409, 429):
                raise DeliveryError(f"reading the commit's statuses: HTTP {exc.code}", transient=True) from None
            return False  # a refusal: the post itself will say why
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise DeliveryError(f"reading the commit's statuses: {type(exc).__name__}", transient=True) from None
        if not latest or not isinstance(latest, list):
            return False
        held = latest[0].get("status")
        # A final state there also makes a `running` pointless: posting it would undo the final one.
        return bool(held == request.state or (request.state not in _FINAL and held in _FINAL))


__all__ = ["GitLabStatusCheck", "StatusCheck"]
