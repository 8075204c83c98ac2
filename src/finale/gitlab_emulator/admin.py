"""Test-only endpoints under `/-/emulator/`: faults, the request log, seeded pipelines, reset.

GET    /-/emulator/faults      current faults          POST /-/emulator/faults  merge JSON
GET    /-/emulator/requests    the request log          DELETE ...               clear it
GET    /-/emulator/pipelines   pipelines with jobs      POST ...                 seed one
DELETE /-/emulator/state       forget all pipelines and jobs
"""

from __future__ import annotations

import dataclasses
import json
import threading
from typing import Any

from finale.errors import InputError
from finale.gitlab_emulator.config import SeedJob, SeedPipeline
from finale.gitlab_emulator.replies import ApiRequest, Reply, json_reply, message
from finale.gitlab_emulator.service import GitLabService, gitlab_timestamp
from finale.gitlab_emulator.statuses import Job, Pipeline, composite_status

ADMIN_PREFIX = "/-/emulator/"


class RequestLog:
    """Every API request (secrets masked), in arrival order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = []

    def add(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(e) for e in self._entries]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def handle_admin(service: GitLabService, log: RequestLog, request: ApiRequest) -> Reply:
    name = request.path[len(ADMIN_PREFIX) :].strip("/")
    method = request.method
    if name == "faults" and method == "GET":
        return json_reply(200, dataclasses.asdict(service.faults.current()))
    if name == "faults" and method == "POST":
        try:
            faults = service.faults.set(**_json_object(request))
        except InputError as exc:
            return message(400, str(exc))
        return json_reply(200, dataclasses.asdict(faults))
    if name == "requests" and method == "GET":
        return json_reply(200, log.entries())
    if name == "requests" and method == "DELETE":
        log.clear()
        return Reply(status=204, body=b"")
    if name == "pipelines" and method == "GET":
        return json_reply(200, pipelines_summary(service))
    if name == "pipelines" and method == "POST":
        return _seed_from_json(service, request)
    if name == "state" and method == "DELETE":
        service.store.clear()
        return Reply(status=204, body=b"")
    return json_reply(404, {"error": "404 Not Found"})


def _json_object(request: ApiRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        raise InputError("request body is not JSON") from None
    if not isinstance(data, dict):
        raise InputError("request body must be a JSON object")
    return data


def _seed_from_json(service: GitLabService, request: ApiRequest) -> Reply:
    try:
        data = _json_object(request)
        jobs = tuple(SeedJob(**j) for j in data.pop("jobs", []))
        pipeline = seed_pipeline(service, SeedPipeline(**data, jobs=jobs))
    except (InputError, TypeError) as exc:
        return message(400, str(exc))
    return json_reply(201, _pipeline_summary(service, pipeline))


def seed_pipeline(service: GitLabService, seed: SeedPipeline) -> Pipeline:
    """Create a pipeline (and its non-external jobs) as if GitLab CI had run it."""
    project = next((p for p in service.config.projects if seed.project in (str(p.id), p.path)), None)
    if project is None:
        raise InputError(f"pipelines: no project {seed.project!r}")
    sha = service.repos[project.id].resolve(seed.sha)
    if sha is None:
        raise InputError(f"pipelines: no commit {seed.sha!r} in {project.path}")
    store = service.store
    with store.lock:
        now = gitlab_timestamp(service.clock())
        pipeline = Pipeline(
            id=store.next_pipeline_id(),
            iid=store.next_iid(project.id),
            project_id=project.id,
            sha=sha,
            ref=seed.ref,
            source=seed.source,
            user_id=None,
            created_at=now,
            updated_at=now,
            status=seed.status,
        )
        store.save(pipelines=(pipeline,), jobs=_seed_jobs(pipeline, seed, store.next_job_id()))
    return pipeline


def _seed_jobs(pipeline: Pipeline, seed: SeedPipeline, first_id: int) -> tuple[Job, ...]:
    return tuple(
        Job(
            id=first_id + i,
            pipeline_id=pipeline.id,
            project_id=pipeline.project_id,
            sha=pipeline.sha,
            ref=seed.ref,
            name=j.name,
            status=j.status,
            stage=j.stage,
            allow_failure=j.allow_failure,
            retried=j.retried,
            user_id=None,
            created_at=pipeline.created_at,
        )
        for i, j in enumerate(seed.jobs)
    )


def pipelines_summary(service: GitLabService) -> list[dict[str, Any]]:
    return [_pipeline_summary(service, p) for p in reversed(service.store.pipelines())]


def _pipeline_summary(service: GitLabService, pipeline: Pipeline) -> dict[str, Any]:
    jobs = service.store.jobs({pipeline.id})
    latest = [j for j in jobs if not j.retried]
    summary = dataclasses.asdict(pipeline)
    summary["status"] = composite_status(latest, pipeline.status)
    summary["jobs"] = [dataclasses.asdict(j) for j in jobs]
    return summary
