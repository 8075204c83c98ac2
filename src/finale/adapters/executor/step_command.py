"""One step's command line, environment and working directory on this machine.

A script without a shebang runs as Tekton's entrypoint runs it; env values may come from a
Secret or ConfigMap given with `-f`; container paths are mapped to the run's folders.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from finale.adapters.executor.secrets import KeyStore
from finale.adapters.executor.step_shell import ash_compat, interpreter, map_paths, shell_for, working_dir
from finale.core.tekton.reasons import TaskRunReason
from finale.core.tekton.steps import StepPlan
from finale.errors import ExecutorError
from finale.record import replace

Mounts = list[tuple[str, str]]  # (folder on this machine, container path)


class StepStartError(ExecutorError):
    """A step that cannot start (missing Secret key, bad command): the TaskRun fails."""

    def __init__(self, reason: TaskRunReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def step_command(
    plan: StepPlan,
    mounts: Mounts,
    keystore: KeyStore,
    ws_root: Path,
    base: Path,
    machine_env: Mapping[str, str] = os.environ,  # a copy taken once per run is cheaper to copy
) -> tuple[list[str], dict[str, str], str]:
    """(argv, env, cwd) of a step; a script is written under `base` when it needs a file."""
    env = dict(machine_env)
    for item in plan.env:
        name = str(item.get("name", ""))
        if "value" in item:
            env[name] = map_paths(str(item.get("value") or ""), mounts)
        elif isinstance(item.get("valueFrom"), Mapping):
            env[name] = _value_from(name, item["valueFrom"], keystore)
    cwd = working_dir(map_paths(plan.working_dir, mounts), ws_root, base)
    plan = replace(
        plan,
        command=tuple(map_paths(c, mounts) for c in plan.command),
        args=tuple(map_paths(a, mounts) for a in plan.args),
    )
    if plan.script:
        script = map_paths(plan.script, mounts)
        # Like Tekton's entrypoint: a script without a shebang runs under sh with `set -e`,
        # and the step's args are passed to the script.
        sh = shell_for(plan.image)
        if not script.startswith("#!"):
            return [*sh, "-c", "set -e\n" + ash_compat(script, sh), plan.name, *plan.args], env, cwd
        run_with = interpreter(script, sh)
        if run_with[: len(sh)] == sh:
            script = ash_compat(script, sh)
        path = base / f"{plan.name}.script"
        path.write_text(script)
        return [*run_with, str(path), *plan.args], env, cwd
    argv = list(plan.command) + list(plan.args)
    if not argv:
        raise StepStartError(TaskRunReason.FAILED, f'"{plan.name}" has no script or command to run on this machine')
    return argv, env, cwd


def _value_from(name: str, source: Mapping[str, Any], keystore: KeyStore) -> str:
    for kind, key in (("Secret", "secretKeyRef"), ("ConfigMap", "configMapKeyRef")):
        ref = source.get(key)
        if not isinstance(ref, Mapping):
            continue
        data = keystore.get(kind, str(ref.get("name", "")))
        value = None if data is None else data.get(str(ref.get("key", "")))
        if value is None:
            if ref.get("optional"):
                return ""
            what = f'{kind.lower()} "{ref.get("name")}"'
            detail = "not found" if data is None else f'has no key "{ref.get("key")}"'
            raise StepStartError(
                TaskRunReason.CREATE_CONTAINER_CONFIG_ERROR,
                f"env {name}: {what} {detail} (give it with -f, e.g. a {kind} manifest)",
            )
        return value
    return ""
