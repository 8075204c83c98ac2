"""JSON shapes of GitLab's API entities: CommitStatus, PipelineBasic, CommitDetail, UserBasic."""

from __future__ import annotations

from typing import Any

from finale.gitlab_emulator.config import ProjectConfig, UserConfig
from finale.gitlab_emulator.repo import CommitInfo
from finale.gitlab_emulator.statuses import Job, Pipeline


def user_entity(user: UserConfig | None, base_url: str) -> dict[str, Any] | None:
    if user is None:
        return None
    return {
        "id": user.id,
        "username": user.username,
        "name": user.name,
        "state": "active",
        "locked": False,
        "avatar_url": None,
        "web_url": f"{base_url}/{user.username}",
    }


def job_entity(
    job: Job,
    author: UserConfig | None,
    base_url: str,
    with_pipeline_id: bool = True,
) -> dict[str, Any]:
    """API::Entities::CommitStatus, fields in GitLab's order."""
    body: dict[str, Any] = {
        "id": job.id,
        "sha": job.sha,
        "ref": job.ref,
        "status": job.status,
        "name": job.name,
        "target_url": job.target_url,
        "description": job.description,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "allow_failure": job.allow_failure,
        "coverage": job.coverage,
    }
    if with_pipeline_id:
        body["pipeline_id"] = job.pipeline_id
    body["author"] = user_entity(author, base_url)
    return body


def pipeline_entity(
    pipeline: Pipeline,
    status: str,
    project: ProjectConfig,
    base_url: str,
) -> dict[str, Any]:
    """API::Entities::Ci::PipelineBasic."""
    return {
        "id": pipeline.id,
        "iid": pipeline.iid,
        "project_id": pipeline.project_id,
        "sha": pipeline.sha,
        "ref": pipeline.ref,
        "status": status,
        "source": pipeline.source,
        "created_at": pipeline.created_at,
        "updated_at": pipeline.updated_at,
        "web_url": f"{base_url}/{project.path}/-/pipelines/{pipeline.id}",
    }


def commit_entity(
    commit: CommitInfo, project: ProjectConfig, base_url: str, last_pipeline: dict[str, Any] | None
) -> dict[str, Any]:
    """API::Entities::CommitDetail (with stats, status and last_pipeline)."""
    return {
        "id": commit.sha,
        "short_id": commit.sha[:8],
        "created_at": _gitlab_time(commit.committed_date),
        "parent_ids": list(commit.parent_ids),
        "title": commit.title,
        "message": commit.message,
        "author_name": commit.author_name,
        "author_email": commit.author_email,
        "authored_date": _gitlab_time(commit.authored_date),
        "committer_name": commit.committer_name,
        "committer_email": commit.committer_email,
        "committed_date": _gitlab_time(commit.committed_date),
        "trailers": {},
        "extended_trailers": {},
        "web_url": f"{base_url}/{project.path}/-/commit/{commit.sha}",
        "stats": {
            "additions": commit.additions,
            "deletions": commit.deletions,
            "total": commit.additions + commit.deletions,
        },
        "status": last_pipeline["status"] if last_pipeline else None,
        "project_id": project.id,
        "last_pipeline": last_pipeline,
    }


def _gitlab_time(iso: str) -> str:
    """git's `2024-01-02T03:04:05+01:00` as GitLab writes it: `2024-01-02T03:04:05.000+01:00`."""
    if len(iso) >= 19 and "." not in iso[19:20]:
        return f"{iso[:19]}.000{iso[19:]}"
    return iso
