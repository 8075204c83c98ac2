"""Turn a YAML/JSON file or a dict into EmulatorConfig, reporting every problem with its path."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from finale.errors import FieldError, ValidationError
from finale.gitlab_emulator.config import (
    ACCESS_LEVELS,
    FAULT_COUNTS,
    FAULT_FLAGS,
    FAULT_KEYS,
    ROLES,
    SCOPES,
    VISIBILITIES,
    EmulatorConfig,
    Faults,
    ProjectConfig,
    ProtectedBranch,
    SeedJob,
    SeedPipeline,
    TokenConfig,
    UserConfig,
)
from finale.gitlab_emulator.repo import GitRepo


def load_config(
    path_or_dict: str | Path | Mapping[str, Any],
    base_dir: str | Path | None = None,
) -> EmulatorConfig:
    """Build an EmulatorConfig from a file or dict; raise ValidationError listing every problem.

    Repository paths are relative to `base_dir`, else to the config file's folder, else to the
    current directory.
    """
    if isinstance(path_or_dict, Mapping):
        data: Any = dict(path_or_dict)
        source = "<config>"
        base = Path(base_dir) if base_dir is not None else Path.cwd()
    else:
        path = Path(path_or_dict)
        source = str(path)
        data = _read_file(path)
        base = Path(base_dir) if base_dir is not None else path.parent
    return _Parser(source, base).parse(data)


def parse_faults(data: Mapping[str, Any], current: Faults | None = None, source: str = "faults") -> Faults:
    """Merge fault settings (counts, flags) over `current`, validating each value."""
    parser = _Parser(source, Path.cwd())
    faults = parser.faults(data, "faults", current or Faults())
    parser.raise_if_errors()
    return faults


def _read_file(path: Path) -> Any:
    from finale.adapters.yaml.load import parse_text

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationError(
            str(path), [FieldError("", f"cannot read file: {exc.strerror}", "pass an existing config file")]
        ) from None
    docs = parse_text(text, str(path))
    if len(docs) != 1:
        raise ValidationError(
            str(path), [FieldError("", "expected exactly one document", "keep projects, users and faults in one map")]
        )
    return dict(docs[0].data)


class _Parser:
    """Collects FieldErrors while turning plain data into config objects."""

    def __init__(self, source: str, base: Path) -> None:
        self.source = source
        self.base = base
        self.errors: list[FieldError] = []

    def error(self, path: str, message: str, hint: str) -> None:
        self.errors.append(FieldError(path, message, hint))

    def raise_if_errors(self) -> None:
        if self.errors:
            raise ValidationError(self.source, self.errors)

    def parse(self, data: Any) -> EmulatorConfig:
        if not isinstance(data, Mapping):
            self.error("", "the config must be a map", "write `projects:` and `users:` keys")
            self.raise_if_errors()
        self.unknown_keys(data, "", ("projects", "users", "faults", "pipelines"))
        projects = tuple(self.items(data, "projects", self.project, required=True))
        users = tuple(self.items(data, "users", self.user))
        faults = self.faults(data.get("faults") or {}, "faults", Faults())
        pipelines = tuple(self.items(data, "pipelines", self.pipeline))
        self.check_unique([p.id for p in projects], "projects", "id")
        self.check_unique([p.path.lower() for p in projects], "projects", "path")
        self.check_unique([u.username for u in users], "users", "username")
        self.check_unique([t.value for u in users for t in u.tokens], "users", "tokens.value", secret=True)
        self.raise_if_errors()
        return EmulatorConfig(projects=projects, users=users, faults=faults, pipelines=pipelines, source=self.source)

    def items(
        self,
        data: Mapping[str, Any],
        key: str,
        build: Any,
        required: bool = False,
    ) -> list[Any]:
        value = data.get(key)
        if value is None:
            if required:
                self.error(key, "is required", f"add a list under `{key}:`")
            return []
        if not isinstance(value, list) or (required and not value):
            self.error(
                key,
                "must be a non-empty list" if required else "must be a list",
                f"write `{key}:` as a YAML list of maps",
            )
            return []
        built = [build(item, f"{key}[{i}]", i) for i, item in enumerate(value)]
        return [b for b in built if b is not None]

    def unknown_keys(self, data: Mapping[str, Any], path: str, known: tuple[str, ...]) -> None:
        for key in data:
            if key not in known:
                where = f"{path}.{key}" if path else str(key)
                self.error(where, "unknown field", f"use one of: {', '.join(known)}")

    def check_unique(self, values: list[Any], path: str, key: str, secret: bool = False) -> None:
        seen: set[Any] = set()
        for value in values:
            if value in seen:
                shown = "" if secret else f" {value!r}"  # never echo a token
                self.error(path, f"duplicate {key}{shown}", f"give every entry its own {key}")
            seen.add(value)

    def mapping(self, item: Any, path: str) -> Mapping[str, Any] | None:
        if isinstance(item, Mapping):
            return item
        self.error(path, f"must be a map, got {type(item).__name__}", "write `key: value` pairs")
        return None

    def string(
        self,
        data: Mapping[str, Any],
        key: str,
        path: str,
        default: str | None = None,
    ) -> str:
        value = data.get(key, default)
        if not isinstance(value, str) or not value:
            self.error(
                f"{path}.{key}",
                "must be a non-empty string",
                f"set `{key}:`" if default is None else f"omit `{key}` or give a string",
            )
            return ""
        return value

    def boolean(self, data: Mapping[str, Any], key: str, path: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.error(f"{path}.{key}", "must be true or false", f"write `{key}: true`")
            return default
        return value

    def project(self, item: Any, path: str, index: int) -> ProjectConfig | None:
        data = self.mapping(item, path)
        if data is None:
            return None
        known = ("id", "path", "repository", "protected_branches", "visibility", "default_branch")
        self.unknown_keys(data, path, known)
        project_id = data.get("id")
        if not isinstance(project_id, int) or isinstance(project_id, bool) or project_id < 1:
            self.error(f"{path}.id", "must be a positive integer", "write e.g. `id: 42`")
            project_id = 0
        full_path = self.string(data, "path", path)
        if full_path and (full_path.startswith("/") or full_path.endswith("/") or "/" not in full_path):
            self.error(f"{path}.path", f"{full_path!r} is not a namespace/project path", "write e.g. `path: team/app`")
        visibility = data.get("visibility", "private")
        if visibility not in VISIBILITIES:
            self.error(
                f"{path}.visibility", f"unknown visibility {visibility!r}", f"use one of: {', '.join(VISIBILITIES)}"
            )
            visibility = "private"
        default_branch = data.get("default_branch")
        if default_branch is not None and not isinstance(default_branch, str):
            self.error(f"{path}.default_branch", "must be a string", "write a branch name")
            default_branch = None
        return ProjectConfig(
            id=project_id,
            path=full_path,
            repository=self.repository(data, path),
            protected_branches=self.protected(data.get("protected_branches", []), path),
            visibility=visibility,
            default_branch=default_branch,
        )

    def repository(self, data: Mapping[str, Any], path: str) -> Path:
        raw = self.string(data, "repository", path)
        if not raw:
            return Path()
        repo = Path(raw)
        repo = repo if repo.is_absolute() else (self.base / repo)
        if not repo.is_dir():
            self.error(
                f"{path}.repository",
                f"no such directory: {raw}",
                "point it at a git repository (relative to the config file)",
            )
        elif not GitRepo(repo).is_valid():
            self.error(
                f"{path}.repository", f"not a git repository: {raw}", "run `git init` there or point it at a clone"
            )
        return repo.resolve()

    def protected(self, value: Any, path: str) -> tuple[ProtectedBranch, ...]:
        where = f"{path}.protected_branches"
        if not isinstance(value, list):
            self.error(where, "must be a list", "write e.g. `protected_branches: [main]`")
            return ()
        branches = []
        for i, item in enumerate(value):
            if isinstance(item, str) and item:
                branches.append(ProtectedBranch(name=item))
                continue
            data = self.mapping(item, f"{where}[{i}]")
            if data is None:
                continue
            self.unknown_keys(data, f"{where}[{i}]", ("name", "push", "merge"))
            levels = [self.level(data, key, f"{where}[{i}]") for key in ("push", "merge")]
            branches.append(
                ProtectedBranch(
                    name=self.string(data, "name", f"{where}[{i}]"), push_level=levels[0], merge_level=levels[1]
                )
            )
        return tuple(branches)

    def level(self, data: Mapping[str, Any], key: str, path: str) -> int:
        value = data.get(key, "maintainer")
        if value not in ACCESS_LEVELS:
            self.error(f"{path}.{key}", f"unknown access level {value!r}", f"use one of: {', '.join(ACCESS_LEVELS)}")
            return ACCESS_LEVELS["maintainer"]
        return ACCESS_LEVELS[value]

    def user(self, item: Any, path: str, index: int) -> UserConfig | None:
        data = self.mapping(item, path)
        if data is None:
            return None
        self.unknown_keys(data, path, ("id", "username", "name", "roles", "tokens", "admin"))
        username = self.string(data, "username", path)
        user_id = data.get("id", index + 1)
        if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id < 1:
            self.error(f"{path}.id", "must be a positive integer", "omit it or write `id: 7`")
            user_id = index + 1
        roles = data.get("roles", {})
        if not isinstance(roles, Mapping):
            self.error(f"{path}.roles", "must be a map", "write `roles: {team/app: developer}`")
            roles = {}
        for project, role in roles.items():
            if role not in ROLES:
                self.error(f"{path}.roles.{project}", f"unknown role {role!r}", f"use one of: {', '.join(ROLES)}")
        tokens = data.get("tokens", [])
        if not isinstance(tokens, list):
            self.error(f"{path}.tokens", "must be a list", "write `tokens: [{value: glpat-x}]`")
            tokens = []
        return UserConfig(
            id=user_id,
            username=username,
            name=str(data.get("name") or username.title()),
            roles={str(k): str(v) for k, v in roles.items()},
            tokens=tuple(
                t for i, item in enumerate(tokens) if (t := self.token(item, f"{path}.tokens[{i}]")) is not None
            ),
            admin=self.boolean(data, "admin", path, False),
        )

    def token(self, item: Any, path: str) -> TokenConfig | None:
        if isinstance(item, str) and item:
            return TokenConfig(value=item)  # shorthand: a bare value has scope `api`
        data = self.mapping(item, path)
        if data is None:
            return None
        self.unknown_keys(data, path, ("value", "scopes", "expired", "revoked"))
        scopes = data.get("scopes", ["api"])
        if not isinstance(scopes, list) or not all(s in SCOPES for s in scopes):
            self.error(f"{path}.scopes", f"invalid scopes {scopes!r}", f"use a list of: {', '.join(sorted(SCOPES))}")
            scopes = []
        return TokenConfig(
            value=self.string(data, "value", path),
            scopes=tuple(scopes),
            expired=self.boolean(data, "expired", path, False),
            revoked=self.boolean(data, "revoked", path, False),
        )

    def faults(self, data: Any, path: str, current: Faults) -> Faults:
        if self.mapping(data, path) is None:
            return current
        self.unknown_keys(data, path, FAULT_KEYS)
        values: dict[str, Any] = {}
        for key in (*FAULT_COUNTS, "retry_after"):
            value = data.get(key, getattr(current, key))
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                self.error(f"{path}.{key}", "must be a whole number >= 0", f"write e.g. `{key}: 2`")
                value = getattr(current, key)
            values[key] = value
        for key in FAULT_FLAGS:
            values[key] = self.boolean(data, key, path, getattr(current, key))
        return Faults(**values)

    def pipeline(self, item: Any, path: str, index: int) -> SeedPipeline | None:
        data = self.mapping(item, path)
        if data is None:
            return None
        self.unknown_keys(data, path, ("project", "sha", "ref", "source", "status", "jobs"))
        jobs = data.get("jobs", [])
        if not isinstance(jobs, list):
            self.error(f"{path}.jobs", "must be a list", "write `jobs: [{name: test}]`")
            jobs = []
        return SeedPipeline(
            project=str(data.get("project", "")) or self.string(data, "project", path),
            sha=self.string(data, "sha", path),
            ref=self.string(data, "ref", path),
            source=self.string(data, "source", path, "push"),
            status=self.string(data, "status", path, "created"),
            jobs=tuple(j for i, raw in enumerate(jobs) if (j := self.job(raw, f"{path}.jobs[{i}]")) is not None),
        )

    def job(self, item: Any, path: str) -> SeedJob | None:
        data = self.mapping(item, path)
        if data is None:
            return None
        self.unknown_keys(data, path, ("name", "status", "stage", "allow_failure", "retried"))
        return SeedJob(
            name=self.string(data, "name", path),
            status=self.string(data, "status", path, "success"),
            stage=self.string(data, "stage", path, "test"),
            allow_failure=self.boolean(data, "allow_failure", path, False),
            retried=self.boolean(data, "retried", path, False),
        )
