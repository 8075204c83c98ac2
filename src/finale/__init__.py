"""finale: a Tekton pipeline always tells GitLab how it ended."""

__version__ = "0.1.0"
__all__ = ["__version__"]
