"""`finale graph`: draw a Pipeline's DAG and finally group as Mermaid or Graphviz dot."""

from __future__ import annotations

import argparse

from finale.adapters.yaml.load import SourceDoc, read_files
from finale.cli.common import InvalidDocumentError, add_feature_argument, add_files_argument
from finale.cli.error_handler import EXIT_OK
from finale.core.graph import build_graph, format_dot, format_mermaid, pipeline_spec_of
from finale.core.validation.document import validate_document
from finale.errors import InputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_files_argument(parser, "Pipeline or PipelineRun (with pipelineSpec) YAML; '-' reads stdin; ")
    parser.add_argument(
        "--format",
        "-o",
        "--output",
        dest="format",
        choices=("mermaid", "dot"),
        default="mermaid",
        help="output format (default: mermaid)",
    )
    add_feature_argument(parser)


def main(args: argparse.Namespace) -> int:
    docs = read_files(args.filename)
    _refuse_unknown_fields(docs, frozenset(args.feature))
    render = format_dot if args.format == "dot" else format_mermaid
    found = [f for f in (pipeline_spec_of(d.data) for d in docs) if f is not None]
    if not found:
        names = ", ".join(args.filename)
        raise InputError(
            f"{names}: no Pipeline and no PipelineRun with an embedded spec.pipelineSpec to draw"
            "\n  fix: pass the Pipeline file with -f (a PipelineRun's pipelineRef is not followed)"
        )
    print("\n".join(render(build_graph(spec, name)) for name, spec in found), end="")
    return EXIT_OK


def _refuse_unknown_fields(docs: list[SourceDoc], features: frozenset[str]) -> None:
    """A mistyped field (`runafter`) would drop an edge from the drawing without a word.

    Only unknown fields stop the drawing: sketches without apiVersion or steps still draw.
    """
    for doc in docs:
        unknown = [
            e
            for e in validate_document(doc.data, features=features)
            if e.message.startswith("strict decoding error: unknown field")
        ]
        if unknown:
            raise InvalidDocumentError(doc.source, unknown)
