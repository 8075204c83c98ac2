"""Emulator configuration as frozen data: projects (local git repos), users, tokens, faults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROLES = {"guest": 10, "planner": 15, "reporter": 20, "developer": 30, "maintainer": 40, "owner": 50}
SCOPES = frozenset({"api", "read_api", "read_user", "read_repository", "write_repository", "sudo", "admin_mode"})
VISIBILITIES = ("private", "internal", "public")
ACCESS_LEVELS = {"developer": 30, "maintainer": 40, "no_one": 1000}
FAULT_COUNTS = ("throttle", "app_throttle", "lock", "server_error")
FAULT_FLAGS = ("idempotent", "reject_skipped", "omit_pipeline_id", "rate_limit_headers")
FAULT_KEYS = (*FAULT_COUNTS, *FAULT_FLAGS, "retry_after")


@dataclass(frozen=True, slots=True, kw_only=True)
class ProtectedBranch:
    """A branch name or wildcard (`release/*`); who may push or merge to it."""

    name: str
    push_level: int = ACCESS_LEVELS["maintainer"]
    merge_level: int = ACCESS_LEVELS["maintainer"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectConfig:
    id: int
    path: str
    repository: Path
    protected_branches: tuple[ProtectedBranch, ...] = ()
    visibility: str = "private"
    default_branch: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenConfig:
    value: str
    scopes: tuple[str, ...] = ("api",)
    expired: bool = False
    revoked: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class UserConfig:
    id: int
    username: str
    name: str
    roles: Mapping[str, str] = field(default_factory=dict)
    tokens: tuple[TokenConfig, ...] = ()
    admin: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Faults:
    """Counts mean "the next N requests"; flags switch a behaviour on."""

    throttle: int = 0
    app_throttle: int = 0
    lock: int = 0
    server_error: int = 0
    idempotent: bool = False
    reject_skipped: bool = False
    omit_pipeline_id: bool = False
    rate_limit_headers: bool = False
    retry_after: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class SeedJob:
    name: str
    status: str = "success"
    stage: str = "test"
    allow_failure: bool = False
    retried: bool = False  # superseded by a later run of the same job


@dataclass(frozen=True, slots=True, kw_only=True)
class SeedPipeline:
    """A pipeline that exists before any status is posted (e.g. from .gitlab-ci.yml)."""

    project: str
    sha: str
    ref: str
    source: str = "push"
    status: str = "created"
    jobs: tuple[SeedJob, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class EmulatorConfig:
    projects: tuple[ProjectConfig, ...]
    users: tuple[UserConfig, ...] = ()
    faults: Faults = Faults()
    pipelines: tuple[SeedPipeline, ...] = ()
    source: str = "<config>"
