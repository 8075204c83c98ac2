"""YAML in and out: loading with limits, comment-keeping rewrites, rendering new blocks."""
