"""A GitLab API emulator for commit statuses, backed by local git repositories.

Config (YAML/JSON file or dict; repository paths relative to the file):

    projects:
      - {id: 42, path: team/sub/app, repository: ./app.git, protected_branches: [main],
         visibility: private}            # protected_branches items may be {name, push, merge}
    users:
      - username: dev
        roles: {team/sub/app: developer} # guest|planner|reporter|developer|maintainer|owner;
                                         # a key may also be a parent group or the project id
        tokens: [{value: glpat-dev, scopes: [api], expired: false, revoked: false}]
    faults: {throttle: 0, app_throttle: 0, lock: 0, server_error: 0, retry_after: 1,
             idempotent: false, reject_skipped: false, omit_pipeline_id: false,
             rate_limit_headers: false}
    pipelines:                           # optional: pipelines that exist before any post
      - {project: 42, sha: main, ref: main, status: created,
         jobs: [{name: rspec}]}          # a job may also set stage, allow_failure, retried

Stable Python API (used by tests and `finale demo`):

    config = load_config("emulator.yaml")        # or a dict; ValidationError names file+field
    with serve(config, db_path=None) as gitlab:  # 127.0.0.1, free port, daemon thread
        gitlab.base_url                          # "http://127.0.0.1:PORT"
        gitlab.set_faults(throttle=2)            # next 2 requests get 429
        gitlab.requests()                        # request log, secrets masked
        gitlab.pipelines()                       # pipelines with status and all jobs
        gitlab.add_pipeline(project="42", sha=sha, ref="main", jobs=[{"name": "rspec"}])
        gitlab.reset()                           # forget state and log; faults from config

Endpoints: `POST /api/v4/projects/:id/statuses/:sha`,
`GET /api/v4/projects/:id/repository/commits/:sha/statuses`,
`GET /api/v4/projects/:id/repository/commits/:sha` (the only one that also answers without a
token, for public projects), and the test endpoints under `/-/emulator/` (see `admin.py`).
A ref-less status goes to the first branch containing the commit in ref-name order
(`feature/x` before `main`), as GitLab's `branch_names_contains` returns them.
`finale.gitlab_emulator.sample` builds a ready-made repository and config.
"""

from finale.gitlab_emulator.config import EmulatorConfig, Faults
from finale.gitlab_emulator.config_loader import load_config
from finale.gitlab_emulator.server import RunningEmulator, serve

__all__ = ["EmulatorConfig", "Faults", "RunningEmulator", "load_config", "serve"]
