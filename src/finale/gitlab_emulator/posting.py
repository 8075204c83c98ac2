"""`POST /projects/:id/statuses/:sha` after authentication, parameters and role have passed.

Mirrors `Ci::CreateCommitStatusService`: commit -> ref -> pipeline_id -> find or create the
pipeline -> `update_pipeline` (protected refs) -> find or build the job -> validate -> transition.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from finale.gitlab_emulator import access
from finale.gitlab_emulator.config import Faults, ProjectConfig, UserConfig
from finale.gitlab_emulator.entities import job_entity
from finale.gitlab_emulator.replies import FORBIDDEN, Reply, json_reply, message, not_found
from finale.gitlab_emulator.repo import GitRepo
from finale.gitlab_emulator.statuses import (
    ACTIVE_STATES,
    Job,
    Pipeline,
    PostParams,
    apply_state,
    validate_job,
    with_attributes,
)
from finale.gitlab_emulator.store import Store

# The service looks at the newest 100 pipelines of a SHA unless a pipeline_id is given.
PIPELINE_LIMIT = 100


@dataclass(frozen=True, slots=True, kw_only=True)
class PostContext:
    store: Store
    repo: GitRepo
    project: ProjectConfig
    user: UserConfig
    faults: Faults
    now: str
    base_url: str


def post_status(ctx: PostContext, sha_param: str, params: PostParams) -> Reply:
    sha = ctx.repo.resolve(sha_param)
    if sha is None:
        return not_found("Commit")
    candidates = ctx.store.pipelines(ctx.project.id, sha)
    if params.pipeline_id is None:
        candidates = candidates[:PIPELINE_LIMIT]
    else:
        candidates = [p for p in candidates if p.id == params.pipeline_id]
    if params.ref is not None:
        candidates = [p for p in candidates if p.ref == params.ref]
    first = candidates[0] if candidates else None
    ref = _resolve_ref(ctx, sha, params, first)
    if not ref or not ref.strip():
        return not_found("References for commit")
    if params.pipeline_id is not None and first is None:
        return not_found("Pipeline for pipeline_id, sha and ref")
    pipeline = first or _create_pipeline(ctx, sha, ref)
    # The pipeline already exists (and stays) when a protected ref refuses the user.
    if not access.can_update_pipeline(ctx.user, ctx.project, pipeline.ref):
        return FORBIDDEN
    return _add_or_update_job(ctx, pipeline, params)


def _resolve_ref(
    ctx: PostContext,
    sha: str,
    params: PostParams,
    first: Pipeline | None,
) -> str | None:
    """The ref param, else the newest pipeline's ref, else the first branch with the commit."""
    if params.ref is not None:
        return params.ref
    if first is not None:
        return first.ref
    branches = ctx.repo.branches_containing(sha)
    return branches[0] if branches else None


def _create_pipeline(ctx: PostContext, sha: str, ref: str) -> Pipeline:
    pipeline = Pipeline(
        id=ctx.store.next_pipeline_id(),
        iid=ctx.store.next_iid(ctx.project.id),
        project_id=ctx.project.id,
        sha=sha,
        ref=ref,
        source="external",
        user_id=ctx.user.id,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    ctx.store.save(pipelines=(pipeline,))
    return pipeline


def _add_or_update_job(ctx: PostContext, pipeline: Pipeline, params: PostParams) -> Reply:
    jobs = ctx.store.jobs({pipeline.id})
    match = _matching_job(jobs, pipeline, params.name, ctx.user.id)
    base = match or Job(
        id=ctx.store.next_job_id(),
        pipeline_id=pipeline.id,
        project_id=pipeline.project_id,
        sha=pipeline.sha,
        ref=pipeline.ref,
        name=params.name,
        status="created",
        user_id=ctx.user.id,
        created_at=ctx.now,
    )
    job = with_attributes(base, params)
    taken = [j.name for j in jobs if not j.is_external]
    job, errors = validate_job(job, taken)
    if errors:
        return message(400, errors)
    if match is not None and ctx.faults.idempotent and match.status == params.state:
        return _created(ctx, match)
    moved = apply_state(job, params.state, ctx.now)
    if isinstance(moved, str):
        return message(400, moved)
    # AddJobService calls `update_older_statuses_retried!` after every post, update or not:
    # every other latest job of that name in the pipeline becomes retried.
    changed = [moved] + [
        replace(j, retried=True) for j in jobs if j.name == moved.name and not j.retried and j.id != moved.id
    ]
    ctx.store.save(pipelines=(replace(pipeline, updated_at=ctx.now),), jobs=tuple(changed))
    return _created(ctx, moved)


def _matching_job(jobs: list[Job], pipeline: Pipeline, name: str, user_id: int) -> Job | None:
    """Only a still pending/running external job of the same ref, name and user is updated."""
    for job in jobs:
        if (
            job.is_external
            and job.status in ACTIVE_STATES
            and job.ref == pipeline.ref
            and job.name == name
            and job.user_id == user_id
        ):
            return job
    return None


def _created(ctx: PostContext, job: Job) -> Reply:
    body = job_entity(job, ctx.user, ctx.base_url, not ctx.faults.omit_pipeline_id)
    return json_reply(201, body)
