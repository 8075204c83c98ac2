"""The Kubernetes API seam of `finale serve --kubernetes` (lightkube, imported only here)."""
