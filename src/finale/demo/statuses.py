"""Read a commit's statuses back from GitLab (or the emulator) through the REST API."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from finale.errors import ReportError


@dataclass(frozen=True, slots=True, kw_only=True)
class CommitStatus:
    """The fields of one status a person looks at on the commit page."""

    state: str
    name: str
    description: str
    target_url: str


def read_statuses(base_url: str, project: str, sha: str, token: str) -> tuple[CommitStatus, ...]:
    """GET /projects/:id/repository/commits/:sha/statuses, oldest first, latest jobs only."""
    quoted = urllib.parse.quote(project, safe="")
    url = f"{base_url.rstrip('/')}/api/v4/projects/{quoted}/repository/commits/{sha}/statuses"
    request = urllib.request.Request(
        f"{url}?per_page=100", headers={"PRIVATE-TOKEN": token, "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            body = json.loads(response.read().decode("utf-8"))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        where = f"{sha[:12]} from {base_url}"
        raise ReportError(f"could not read the statuses of {where}: {exc}") from exc
    return tuple(_status(item) for item in body if isinstance(item, dict))


def _status(item: dict[str, Any]) -> CommitStatus:
    return CommitStatus(
        state=str(item.get("status") or ""),
        name=str(item.get("name") or ""),
        description=str(item.get("description") or ""),
        target_url=str(item.get("target_url") or ""),
    )
