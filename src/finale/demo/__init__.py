"""The seed system end to end: sample app, GitLab emulator, `finale run`, statuses read back."""

from __future__ import annotations

from finale.demo.demo import run_demo

__all__ = ["run_demo"]
