"""`finale graph`: draw a Pipeline's DAG and finally group as Mermaid or Graphviz dot."""

from __future__ import annotations

import argparse

from finale.cli.common import add_feature_argument, add_files_argument, read_valid_documents
from finale.cli.error_handler import EXIT_OK
from finale.core.graph import build_graph, format_dot, format_mermaid_all, pipeline_spec_of
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
    # Validated as `run` and `check` do: a typo'd field, a cycle or a dangling runAfter would
    # otherwise be drawn as if it were a pipeline.
    docs = read_valid_documents(args.filename, frozenset(args.feature), refuse=False)
    found = [f for f in (pipeline_spec_of(d.data) for d in docs) if f is not None]
    if not found:
        names = ", ".join(args.filename)
        raise InputError(
            f"{names}: no Pipeline and no PipelineRun with an embedded spec.pipelineSpec to draw"
            "\n  fix: pass the Pipeline file with -f (a PipelineRun's pipelineRef is not followed)"
        )
    graphs = [build_graph(spec, name) for name, spec in found]
    if args.format == "dot":
        print("\n".join(format_dot(g) for g in graphs), end="")  # dot reads several graphs from one file
    else:
        print(format_mermaid_all(graphs), end="")
    return EXIT_OK
