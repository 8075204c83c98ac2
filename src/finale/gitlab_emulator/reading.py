"""The read endpoints: a commit's statuses (filters, order, pagination) and the commit itself."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from finale.gitlab_emulator.access import SECRET_PARAMS
from finale.gitlab_emulator.config import Faults, ProjectConfig, UserConfig
from finale.gitlab_emulator.entities import commit_entity, job_entity, pipeline_entity
from finale.gitlab_emulator.replies import Reply, error, json_reply, not_found
from finale.gitlab_emulator.repo import GitRepo
from finale.gitlab_emulator.statuses import Job, composite_status, to_boolean
from finale.gitlab_emulator.store import Store

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
_INTEGER = re.compile(r"\s*[+-]?\d+\s*")
Readable = Callable[[], "tuple[ProjectConfig, GitRepo] | Reply"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadContext:
    store: Store
    users: tuple[UserConfig, ...]
    base_url: str
    faults: Faults
    path: str


def list_statuses(
    ctx: ReadContext,
    params: Mapping[str, Any],
    readable: Readable,
    sha: str,
) -> Reply:
    checked = _list_params(params)
    if isinstance(checked, str):
        return error(400, checked)
    found = readable()
    if isinstance(found, Reply):
        return found
    project, repo = found
    if repo.resolve(sha) is None:
        return not_found("Commit")
    # GitLab filters pipelines by the sha *parameter* as given, so only a full SHA finds any.
    pipelines = {p.id for p in ctx.store.pipelines(project.id, sha)}
    jobs = [j for j in ctx.store.jobs(pipelines) if _keep(j, params, checked)]
    jobs = _ordered(jobs, checked["order_by"], checked["sort"])
    page, per_page = checked["page"], checked["per_page"]
    shown = jobs[(page - 1) * per_page : page * per_page]
    users = {u.id: u for u in ctx.users}
    body = [job_entity(j, users.get(j.user_id or 0), ctx.base_url, not ctx.faults.omit_pipeline_id) for j in shown]
    return json_reply(200, body, _page_headers(ctx, params, page, per_page, len(jobs)))


def _list_params(params: Mapping[str, Any]) -> dict[str, Any] | str:
    """Grape checks in declaration order: pipeline_id, all, order_by, sort, page, per_page."""
    errors: list[str] = []
    checked: dict[str, Any] = {"pipeline_id": _integer(params, "pipeline_id", None, errors)}
    raw_all = params.get("all")
    checked["all"] = False if raw_all in (None, "") else to_boolean(raw_all)
    if checked["all"] is None:
        errors.append("all is invalid")
    for key, allowed in (("order_by", ("id", "pipeline_id")), ("sort", ("asc", "desc"))):
        value = params.get(key, allowed[0])
        if value not in allowed:
            errors.append(f"{key} does not have a valid value")
        checked[key] = value
    page = _integer(params, "page", 1, errors)
    per_page = _integer(params, "per_page", DEFAULT_PER_PAGE, errors)
    if per_page == 0:  # PaginationParams: `except_values: [0]`
        errors.append("per_page has a value not allowed")
    if errors:
        return ", ".join(errors)
    checked["page"] = max(page or 1, 1)
    per_page = per_page or DEFAULT_PER_PAGE
    checked["per_page"] = DEFAULT_PER_PAGE if per_page < 1 else min(per_page, MAX_PER_PAGE)
    return checked


def _integer(
    params: Mapping[str, Any],
    key: str,
    default: int | None,
    errors: list[str],
) -> int | None:
    value = params.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        return int(value)
    errors.append(f"{key} is invalid")
    return default


def _keep(job: Job, params: Mapping[str, Any], checked: Mapping[str, Any]) -> bool:
    if job.retried and not checked["all"]:
        return False
    for key in ("ref", "stage", "name"):
        wanted = params.get(key)
        if isinstance(wanted, str) and wanted.strip() and getattr(job, key) != wanted:
            return False
    return checked["pipeline_id"] is None or job.pipeline_id == checked["pipeline_id"]


def _ordered(jobs: list[Job], order_by: str, sort: str) -> list[Job]:
    """Sorted by the chosen key; ties (same pipeline) stay by id ascending, as in GitLab."""
    reverse = sort == "desc"
    if order_by == "id":
        return sorted(jobs, key=lambda j: j.id, reverse=reverse)
    sign = -1 if reverse else 1
    return sorted(jobs, key=lambda j: (sign * j.pipeline_id, j.id))


def _page_headers(
    ctx: ReadContext, params: Mapping[str, Any], page: int, per_page: int, total: int
) -> tuple[tuple[str, str], ...]:
    # Kaminari: no neighbours for a page past the end; X-Total-Pages is at least 1.
    real_pages = math.ceil(total / per_page)
    pages = max(real_pages, 1)
    next_page = str(page + 1) if page < real_pages else ""
    prev_page = str(page - 1) if 1 < page <= real_pages else ""
    kept = {k: str(v) for k, v in params.items() if k not in (*SECRET_PARAMS, "page", "per_page")}

    def link(number: int, rel: str) -> str:
        query = urlencode(sorted({**kept, "page": str(number), "per_page": str(per_page)}.items()))
        return f'<{ctx.base_url}{ctx.path}?{query}>; rel="{rel}"'

    links = [link(page - 1, "prev")] if prev_page else []
    links += [link(page + 1, "next")] if next_page else []
    links += [link(1, "first"), link(pages, "last")]
    return (
        ("Link", ", ".join(links)),
        ("X-Page", str(page)),
        ("X-Per-Page", str(per_page)),
        ("X-Total", str(total)),
        ("X-Total-Pages", str(pages)),
        ("X-Next-Page", next_page),
        ("X-Prev-Page", prev_page),
    )


def commit_detail(
    ctx: ReadContext,
    params: Mapping[str, Any],
    readable: Readable,
    sha: str,
) -> Reply:
    """`GET /projects/:id/repository/commits/:sha` with status and last_pipeline.

    The commits API checks access in a `before` block, so 403/404 come ahead of Grape's 400.
    """
    found = readable()
    if isinstance(found, Reply):
        return found
    project, repo = found
    raw_stats = params.get("stats", True)
    # Grape turns a blank Boolean into nil (no stats) and refuses anything it cannot read.
    stats = False if raw_stats == "" else to_boolean(raw_stats)
    if stats is None:
        return error(400, "stats is invalid")
    full = repo.resolve(sha)
    if full is None:
        return not_found("Commit")
    pipelines = ctx.store.pipelines(project.id, full)
    last = None
    if pipelines:
        newest = pipelines[0]
        latest = [j for j in ctx.store.jobs({newest.id}) if not j.retried]
        status = composite_status(latest, newest.status)
        last = pipeline_entity(newest, status, project, ctx.base_url)
    body = commit_entity(repo.commit(full), project, ctx.base_url, last)
    if not stats:
        body.pop("stats")
    return json_reply(200, body)
