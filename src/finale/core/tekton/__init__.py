"""Tekton's runtime semantics, pure: model, parsing, variables, when, DAG, facts, skips, status."""
