"""Build Tekton objects from inline YAML and list their validation errors as (path, message)."""

from __future__ import annotations

import textwrap

from finale.adapters.yaml.load import parse_text
from finale.core.validation.document import validate_document


def errors_of(text: str, *features: str) -> list[tuple[str, str]]:
    [doc] = parse_text(textwrap.dedent(text), "t.yaml")
    return [(e.path, e.message) for e in validate_document(doc.data, features=frozenset(features))]


def pipeline(spec: str, version: str = "v1") -> str:
    body = textwrap.indent(textwrap.dedent(spec), "  ")
    return f"apiVersion: tekton.dev/{version}\nkind: Pipeline\nmetadata: {{name: p}}\nspec:\n{body}"


def task(spec: str) -> str:
    body = textwrap.indent(textwrap.dedent(spec), "  ")
    return f"apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {{name: t}}\nspec:\n{body}"


def pipeline_run(spec: str, version: str = "v1", extra: str = "") -> str:
    body = textwrap.indent(textwrap.dedent(spec), "  ")
    return f"apiVersion: tekton.dev/{version}\nkind: PipelineRun\nmetadata: {{name: r}}\nspec:\n{body}{extra}"
