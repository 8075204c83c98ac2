"""Pure access rules: which credential a request carries, who it is, and what they may do.

Follows GitLab's `doc/api/rest/authentication.md`, `lib/api/api_guard.rb` (OAuth-style bodies)
and the project/pipeline policies for `read_commit_status`, `create_commit_status` and
`update_pipeline` (protected refs need push or merge rights).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from finale.gitlab_emulator.config import (
    ROLES,
    EmulatorConfig,
    ProjectConfig,
    TokenConfig,
    UserConfig,
)

# Credentials GitLab reads for personal/project/group access tokens and OAuth tokens. JOB-TOKEN and
# job_token are deliberately absent: the commit-status endpoints are not on the job-token list.
SECRET_PARAMS = ("private_token", "access_token", "job_token")
SECRET_HEADERS = ("private-token", "authorization", "job-token")

EXPIRED = "Token is expired. You can either do re-authorization or token refresh."
REVOKED = "Token was revoked. You have to re-authorize from the user."
INSUFFICIENT = "The request requires higher privileges than provided by the access token."


@dataclass(frozen=True, slots=True, kw_only=True)
class Denied:
    """An authentication or scope failure, already shaped as GitLab answers it."""

    status: int
    body: Mapping[str, Any]
    www_authenticate: str | None = None


def credential(headers: Mapping[str, str], params: Mapping[str, Any]) -> str | None:
    """The token a request presents, in GitLab's order (`private_token` param, `PRIVATE-TOKEN`
    header, then OAuth `Authorization: Bearer` / `access_token`); None when there is none."""
    private = params.get("private_token")
    if isinstance(private, str) and private:
        return private
    if headers.get("private-token"):
        return headers["private-token"]
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    access_token = params.get("access_token")
    return access_token if isinstance(access_token, str) and access_token else None


def authenticate(
    config: EmulatorConfig,
    token: str | None,
    method: str,
) -> UserConfig | Denied:
    """The user behind `token`, or the 401/403 GitLab sends before looking at parameters."""
    if not token:
        return Denied(status=401, body={"message": "401 Unauthorized"})
    found = _find_token(config, token)
    if found is None:
        return Denied(status=401, body={"message": "401 Unauthorized"})
    user, tok = found
    if tok.revoked:
        return _oauth_error(401, "invalid_token", REVOKED)
    if tok.expired:
        return _oauth_error(401, "invalid_token", EXPIRED)
    allowed = allowed_scopes(method)
    if not set(tok.scopes) & set(allowed):
        return _oauth_error(403, "insufficient_scope", INSUFFICIENT, " ".join(allowed))
    return user


def allowed_scopes(method: str) -> tuple[str, ...]:
    """`api` grants everything; `read_api` only reads (lib/api/api.rb)."""
    return ("api", "read_api") if method in ("GET", "HEAD") else ("api",)


def _find_token(config: EmulatorConfig, value: str) -> tuple[UserConfig, TokenConfig] | None:
    for user in config.users:
        for token in user.tokens:
            if token.value == value:
                return user, token
    return None


def _oauth_error(status: int, error: str, description: str, scope: str | None = None) -> Denied:
    body: dict[str, Any] = {"error": error, "error_description": description}
    header = f'Bearer realm="Protected by OAuth 2.0", error="{error}", error_description="{description}"'
    if scope is not None:
        body["scope"] = scope
        header += f', scope="{scope}"'
    return Denied(status=status, body=body, www_authenticate=header)


def role_level(user: UserConfig | None, project: ProjectConfig) -> int:
    """Highest role from the project itself, its id, or any parent group; 0 for none."""
    if user is None:
        return 0
    keys = {project.path.lower(), str(project.id)}
    parts = project.path.lower().split("/")
    keys.update("/".join(parts[:i]) for i in range(1, len(parts)))
    levels = [ROLES.get(role, 0) for key, role in user.roles.items() if key.lower() in keys]
    if user.admin:
        levels.append(ROLES["owner"])
    return max(levels, default=0)


def can_see_project(user: UserConfig | None, project: ProjectConfig) -> bool:
    """Private projects are invisible (404, never 403) to non-members; without a login only
    public ones are visible."""
    if user is None:
        return project.visibility == "public"
    return project.visibility != "private" or role_level(user, project) > 0


def can_read_statuses(user: UserConfig | None, project: ProjectConfig) -> bool:
    """Reporter or higher; anyone who sees a public/internal project (public builds)."""
    return project.visibility != "private" or role_level(user, project) >= ROLES["reporter"]


def can_create_status(user: UserConfig, project: ProjectConfig) -> bool:
    return role_level(user, project) >= ROLES["developer"]


def can_update_pipeline(user: UserConfig, project: ProjectConfig, ref: str) -> bool:
    """On a protected ref the user must be allowed to push to it or merge into it."""
    level = role_level(user, project)
    rules = [b for b in project.protected_branches if fnmatch.fnmatchcase(ref, b.name)]
    if not rules:
        return level >= ROLES["developer"]
    if user.admin:
        return True
    return any(level >= min(b.push_level, b.merge_level) for b in rules)
