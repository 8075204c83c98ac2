"""The GitLab API surface: route, authenticate, check parameters, find the project, answer.

Check order as in GitLab: route (unknown -> `{"error":"404 Not Found"}`), credentials (401/403
scope), Grape parameters (400 `error`), project (404), role (403), then the endpoint itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from finale.gitlab_emulator import access
from finale.gitlab_emulator.config import EmulatorConfig, ProjectConfig, UserConfig
from finale.gitlab_emulator.faults import FaultSwitch
from finale.gitlab_emulator.params import request_params
from finale.gitlab_emulator.posting import PostContext, post_status
from finale.gitlab_emulator.reading import ReadContext, commit_detail, list_statuses
from finale.gitlab_emulator.replies import (
    FORBIDDEN,
    ApiRequest,
    Reply,
    error,
    json_reply,
    not_found,
)
from finale.gitlab_emulator.repo import GitRepo
from finale.gitlab_emulator.statuses import coerce_post_params
from finale.gitlab_emulator.store import Store

API_PREFIX = "/api/v4/"
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def gitlab_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and `Z`, as GitLab's API writes times."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class GitLabService:
    """Answers API requests from config, git repositories and the status store."""

    def __init__(self, config: EmulatorConfig, store: Store, faults: FaultSwitch, clock: Clock = utc_now) -> None:
        self.config = config
        self.store = store
        self.faults = faults
        self.clock = clock
        self.base_url = "http://127.0.0.1"
        self.repos = {p.id: GitRepo(p.repository) for p in config.projects}

    def handle(self, request: ApiRequest) -> Reply:
        reply = self.faults.before_request(time.time()) or self._answer(request)
        extra = self.faults.rate_limit_headers(time.time())
        if extra and reply.status != 429:
            return Reply(
                status=reply.status, body=reply.body, content_type=reply.content_type, headers=reply.headers + extra
            )
        return reply

    def _answer(self, request: ApiRequest) -> Reply:
        route = _route(request.method, request.path)
        if route is None:
            return error(404, "404 Not Found")
        kind, project_ref, sha = route
        params = request_params(request)
        if isinstance(params, Reply):
            return params
        token = access.credential(request.headers, params)
        # The commits API serves public projects to anyone, so it needs no login.
        anonymous = token is None and kind == "commit"
        user = None if anonymous else access.authenticate(self.config, token, request.method)
        if isinstance(user, access.Denied):
            headers = (("WWW-Authenticate", user.www_authenticate),) if user.www_authenticate else ()
            return json_reply(user.status, dict(user.body), headers)
        with self.store.lock:
            if kind == "post" and user is not None:
                return self._post(user, project_ref, sha, params)
            return self._read(kind, request, user, project_ref, sha, params)

    def _post(
        self,
        user: UserConfig,
        project_ref: str,
        sha: str,
        params: Mapping[str, Any],
    ) -> Reply:
        post = coerce_post_params(params, self.faults.current().reject_skipped)
        if isinstance(post, str):
            return error(400, post)
        project = self._project(project_ref, user)
        if project is None:
            return not_found("Project")
        if not access.can_create_status(user, project):
            return FORBIDDEN
        conflict = self.faults.take_lock()
        if conflict is not None:
            return conflict
        ctx = PostContext(
            store=self.store,
            repo=self.repos[project.id],
            project=project,
            user=user,
            faults=self.faults.current(),
            now=gitlab_timestamp(self.clock()),
            base_url=self.base_url,
        )
        return post_status(ctx, sha, post)

    def _read(
        self,
        kind: str,
        request: ApiRequest,
        user: UserConfig | None,
        project_ref: str,
        sha: str,
        params: Mapping[str, Any],
    ) -> Reply:
        ctx = ReadContext(
            store=self.store,
            users=self.config.users,
            base_url=self.base_url,
            faults=self.faults.current(),
            path=request.path,
        )
        if kind == "list":
            return list_statuses(ctx, params, lambda: self._readable(project_ref, user), sha)
        return commit_detail(ctx, params, lambda: self._readable(project_ref, user), sha)

    def _readable(
        self,
        project_ref: str,
        user: UserConfig | None,
    ) -> tuple[ProjectConfig, GitRepo] | Reply:
        project = self._project(project_ref, user)
        if project is None:
            return not_found("Project")
        if not access.can_read_statuses(user, project):
            return FORBIDDEN
        return project, self.repos[project.id]

    def _project(self, ref: str, user: UserConfig | None) -> ProjectConfig | None:
        """By numeric id or full path (case-insensitive); None if unknown or invisible."""
        for project in self.config.projects:
            if ref == str(project.id) or ref.lower() == project.path.lower():
                return project if access.can_see_project(user, project) else None
        return None


def _route(method: str, path: str) -> tuple[str, str, str] | None:
    """(kind, project id or path, sha) for the three endpoints; None for anything else.

    Segments are split on raw `/` before decoding, so `team%2Fapp` is one segment (a project
    path) while `team/app` is not a project at all, exactly like GitLab's `[^/]+` requirement.
    """
    if not path.startswith(API_PREFIX):
        return None
    parts = [unquote(p) for p in path[len(API_PREFIX) :].split("/")]
    if any(not p for p in parts) or len(parts) < 4 or parts[0] != "projects":
        return None
    if method == "POST" and len(parts) == 4 and parts[2] == "statuses":
        return "post", parts[1], parts[3]
    if method in ("GET", "HEAD") and parts[2:4] == ["repository", "commits"]:
        if len(parts) == 6 and parts[5] == "statuses":
            return "list", parts[1], parts[4]
        if len(parts) == 5:
            return "commit", parts[1], parts[4]
    return None
