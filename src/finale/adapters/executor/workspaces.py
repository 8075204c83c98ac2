"""Workspaces as folders: `-w NAME=DIR`, or a fresh folder per PipelineRun binding.

Secret and ConfigMap bindings (also inside `projected`) are filled from the objects given with `-f`,
every key or only the `items` listed, as Kubernetes mounts them.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from finale.adapters.executor.secrets import KeyStore
from finale.core.tekton.catalog import RunInputs
from finale.errors import InputError


def bind_workspaces(inputs: RunInputs, cli: Mapping[str, str], workdir: Path, keystore: KeyStore) -> dict[str, str]:
    """Pipeline workspace name -> folder, for the engine."""
    declared = [str(w.get("name")) for w in inputs.raw_spec.get("workspaces") or ()]
    for name in cli:
        if name not in declared:
            fix = f"bind a declared workspace, e.g. -w {declared[0]}={cli[name]}" if declared else "drop -w"
            raise InputError(
                f'-w {name}: the Pipeline declares no workspace "{name}" (declared: {", ".join(declared) or "none"})'
                f"\n  fix: {fix}"
            )
    bound: dict[str, str] = {}
    for binding in inputs.run.workspaces:
        name = str(binding.get("name"))
        folder = workdir / "workspaces" / name
        folder.mkdir(parents=True, exist_ok=True)
        _fill_volume(folder, binding, keystore)
        sub = str(binding.get("subPath") or "")
        bound[name] = str(folder / sub) if sub else str(folder)
    if inputs.bare_pipeline:
        for name in declared:
            if name not in bound:
                folder = workdir / "workspaces" / name
                folder.mkdir(parents=True, exist_ok=True)
                bound[name] = str(folder)
    for name, path in cli.items():
        Path(path).mkdir(parents=True, exist_ok=True)
        bound[name] = str(Path(path).resolve())
    return bound


def _fill_volume(folder: Path, binding: Mapping[str, Any], keystore: KeyStore) -> None:
    projected = binding.get("projected")
    holders = [binding, *(projected.get("sources") or () if isinstance(projected, Mapping) else ())]
    for holder in holders:
        for kind, key in (("Secret", "secret"), ("ConfigMap", "configMap")):
            source = holder.get(key) if isinstance(holder, Mapping) else None
            if isinstance(source, Mapping):
                name = str(source.get("secretName") or source.get("name") or "")
                _write_keys(folder, keystore.get(kind, name), source)


def _write_keys(folder: Path, data: Mapping[str, str] | None, source: Mapping[str, Any]) -> None:
    """Every key, or only `items` (key -> path), as a Secret/ConfigMap volume shows them."""
    items = [i for i in source.get("items") or () if isinstance(i, Mapping) and i.get("key")]
    pairs = [(str(i["key"]), str(i.get("path") or i["key"])) for i in items] or [(k, k) for k in data or {}]
    for key, path in pairs:
        if data and key in data:
            target = folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(data[key])
