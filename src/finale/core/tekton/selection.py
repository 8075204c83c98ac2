"""Which PipelineRuns one `finale run` starts: each one in the files in turn (as `kubectl create
-f` creates every object of a multi-document file), or the one `--name` picks; `-n` sets their
namespace as `kubectl -n` does. A bare Pipeline's run is named with `--name`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from finale.core.tekton.model import PipelineRun
from finale.errors import InputError
from finale.record import replace

Doc = tuple[str, Mapping[str, Any]]


def _meta(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = doc.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def _name(doc: Mapping[str, Any]) -> str:
    meta = _meta(doc)
    return str(meta.get("name") or meta.get("generateName") or "")


def select_runs(docs: Sequence[Doc], *, name: str | None, namespace: str | None) -> list[list[Doc]]:
    """One list of documents per PipelineRun to start: that run, then every other object
    (Pipelines, Tasks, Secrets) it may use."""
    runs = [d for d in docs if d[1].get("kind") == "PipelineRun"]
    others = [d for d in docs if d[1].get("kind") != "PipelineRun"]
    if not runs:
        return [list(docs)]  # a bare Pipeline: assembling makes its run (see `name_bare_run`)
    if name is not None:
        runs = _pick(runs, name)
    return [[_in_namespace(run, namespace), *others] for run in runs]


def name_bare_run(run: PipelineRun, *, name: str | None, namespace: str | None) -> PipelineRun:
    """The PipelineRun made for a bare Pipeline (`<pipeline>-run`), named as asked."""
    return replace(run, name=name or run.name, namespace=namespace or run.namespace)


def _pick(runs: list[Doc], name: str) -> list[Doc]:
    picked = [r for r in runs if _meta(r[1]).get("name") == name or _meta(r[1]).get("generateName") == name]
    if not picked:
        given = ", ".join(_name(d) or "?" for _, d in runs)
        raise InputError(f"--name {name}: no PipelineRun of that name in the files given (PipelineRuns: {given})")
    return picked[:1]


def _in_namespace(run: Doc, namespace: str | None) -> Doc:
    if namespace is None:
        return run
    source, doc = run
    current = _meta(doc).get("namespace")
    if current and current != namespace:
        # kubectl's own refusal (cmd/util: "the namespace from the provided object ... does not match").
        raise InputError(
            f'{source}: the namespace from the provided object "{current}" does not match the namespace '
            f'"{namespace}"\n  fix: pass -n {current}, or change metadata.namespace'
        )
    return source, {**doc, "metadata": {**_meta(doc), "namespace": namespace}}
