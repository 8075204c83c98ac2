"""Admission validation of Tekton objects: every problem at once, with Tekton's texts.

`validate_document` is the entry point for the CLI and the engine; it is pure and returns
FieldErrors (path, Tekton's message, a plain-words fix). `render_errors` gives Tekton's own
merged text (see validate_render).
"""

from __future__ import annotations

from collections.abc import Mapping

from finale.core.validation.common import (
    Context,
    Errors,
    get_map,
    go_quote,
    is_dns_subdomain,
    wrong_type,
)
from finale.core.validation.fields import (
    ROOT,
    check_fields,
    check_pipeline_fields,
    check_run_fields,
    check_task_fields,
    check_task_run_fields,
)
from finale.core.validation.pipeline import validate_pipeline_spec
from finale.core.validation.render import render_errors
from finale.core.validation.run import validate_pipeline_run, validate_task_run
from finale.core.validation.task import validate_task
from finale.core.validation.triggers import is_triggers_kind, validate_triggers_spec
from finale.errors import FieldError

TYPE_CHECKING = False  # typing costs start-up time; mypy reads the block below as true
if TYPE_CHECKING:
    from typing import Any

GROUP = "tekton.dev"
VERSIONS = ("v1", "v1beta1")
CHECKED_KINDS = ("Pipeline", "PipelineRun", "Task", "TaskRun")
# Real Tekton kinds this tool does not check, accepted as they are.
UNCHECKED = {
    ("v1beta1", "CustomRun"),
    ("v1beta1", "StepAction"),
    ("v1alpha1", "StepAction"),
    ("v1alpha1", "VerificationPolicy"),
    ("v1alpha1", "Run"),
}


def validate_document(doc: Mapping[str, Any], *, features: frozenset[str] = frozenset()) -> list[FieldError]:
    """Problems in one Kubernetes-style object; [] when valid or not a Tekton object.

    `features` holds the Tekton feature flags turned on (`enable-cel-in-whenexpression`,
    `enable-param-enum`, ...) and optionally `enable-api-fields=alpha|beta|stable`.
    """
    errs = Errors()
    if not isinstance(doc, Mapping):
        errs.add(
            "",
            f"expected a Kubernetes object, got {type(doc).__name__}",
            "write a mapping with apiVersion, kind, metadata and spec",
        )
        return errs.items
    ctx = Context(features=frozenset(features))
    if is_triggers_kind(doc.get("apiVersion"), doc.get("kind")):
        check_fields(errs, doc, ROOT, "")
        _check_metadata(errs, doc)
        validate_triggers_spec(errs, str(doc["kind"]), get_map(errs, doc, "spec", ""))
        return _unique(errs.items)
    kind, version = _identify(errs, doc)
    if kind:
        check_fields(errs, doc, ROOT, "")
        _check_metadata(errs, doc)
        _validate_kind(errs, ctx, doc, kind, version)
    return _unique(errs.items)


def is_checked(doc: Mapping[str, Any]) -> bool:
    """True for the kinds `validate_document` judges; other objects pass through unjudged."""
    api_version, kind = doc.get("apiVersion"), doc.get("kind")
    if is_triggers_kind(api_version, kind):
        return True
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return True  # judged: apiVersion/kind missing is an error
    group, _, version = api_version.rpartition("/")
    return group == GROUP and (version, kind) not in UNCHECKED


def _identify(errs: Errors, doc: Mapping[str, Any]) -> tuple[str, str]:
    """(kind, version) for a Tekton object this module checks, else ("", "")."""
    api_version, kind = doc.get("apiVersion"), doc.get("kind")
    if not isinstance(api_version, str) or not api_version:
        errs.add("apiVersion", "apiVersion not set", "add apiVersion, e.g. tekton.dev/v1")
    if not isinstance(kind, str) or not kind:
        errs.add("kind", "kind not set", "add kind, e.g. Pipeline or PipelineRun")
    if errs.items or not isinstance(api_version, str) or not isinstance(kind, str):
        return "", ""
    group, _, version = api_version.rpartition("/")
    if group != GROUP or (version, kind) in UNCHECKED:
        return "", ""  # Secrets, ConfigMaps, triggers.tekton.dev/*: not ours to judge
    if version not in VERSIONS:
        errs.add(
            "apiVersion",
            f"no matches for kind {go_quote(kind)} in version {go_quote(api_version)}",
            "use apiVersion tekton.dev/v1 (or tekton.dev/v1beta1)",
        )
        return "", ""
    if kind not in CHECKED_KINDS:
        errs.add(
            "kind",
            f"no matches for kind {go_quote(kind)} in version {go_quote(api_version)}",
            f"use one of: {', '.join(CHECKED_KINDS)}",
        )
        return "", ""
    return kind, version


def _check_metadata(errs: Errors, doc: Mapping[str, Any]) -> None:
    """P1: the object's name (a generated name is checked by Kubernetes, not Tekton)."""
    meta = get_map(errs, doc, "metadata", "")
    name = meta.get("name")
    if name is None and meta.get("generateName"):
        return
    if name is not None and not isinstance(name, str):
        wrong_type(errs, "metadata.name", "a string", name)
        return
    name = name or ""
    if not is_dns_subdomain(name):
        errs.add(
            "metadata.name",
            f"invalid resource name {go_quote(name)}: must be a valid DNS label",
            "use lowercase letters, digits, '-' and '.' (set metadata.name)",
        )
    elif len(name) > 63:
        errs.add(
            "metadata.name",
            "Invalid resource name: length must be no more than 63 characters",
            "shorten metadata.name to 63 characters or fewer",
        )


def _validate_kind(errs: Errors, ctx: Context, doc: Mapping[str, Any], kind: str, version: str) -> None:
    spec = get_map(errs, doc, "spec", "")
    if kind == "Pipeline":
        check_pipeline_fields(errs, spec, "spec", version)
        validate_pipeline_spec(errs, ctx, spec, "spec", standalone=True)
    elif kind == "Task":
        check_task_fields(errs, spec, version)
        validate_task(errs, ctx, spec)
    elif kind == "PipelineRun":
        check_run_fields(errs, spec, version)
        validate_pipeline_run(errs, ctx, doc, version)
    else:
        check_task_run_fields(errs, spec, version)
        validate_task_run(errs, ctx, doc)


def _unique(items: list[FieldError]) -> list[FieldError]:
    """Drop repeats: Tekton reaches some rules twice and merges identical errors."""
    seen: set[tuple[str, str]] = set()
    out = []
    for item in items:
        if (item.path, item.message) not in seen:
            seen.add((item.path, item.message))
            out.append(item)
    return out


__all__ = ["is_checked", "render_errors", "validate_document"]
