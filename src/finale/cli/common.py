"""Arguments and input handling that several commands share, so they behave alike."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable, Mapping

from finale.adapters.yaml.load import SourceDoc, read_files
from finale.core.tekton.cel import CEL_MISSING
from finale.core.tekton.unsupported import Unsupported, find_unsupported
from finale.core.validation.document import validate_document
from finale.errors import FieldError, InputError, ValidationError

TYPE_CHECKING = False  # typing costs start-up time; mypy reads the block below as true
if TYPE_CHECKING:
    from typing import Any


def add_files_argument(parser: argparse.ArgumentParser, help_text: str) -> None:
    """`-f FILE`, repeatable, several files after one flag (as pre-commit passes them), `-` for stdin."""
    parser.add_argument("-f", "--filename", action="extend", nargs="+", required=True, metavar="FILE", help=help_text)


# The Tekton feature flags finale acts on: a mistyped one would otherwise be silently off.
# enable-artifacts turns on validation of artifact references; `finale run` refuses them.
_ON_OFF_FEATURES = (
    "enable-cel-in-whenexpression",
    "enable-param-enum",
    "enable-concise-resolver-syntax",
    "enable-artifacts",
)
_VALUED_FEATURES = {
    "enable-api-fields": ("alpha", "beta", "stable"),
    "results-from": ("termination-message", "sidecar-logs"),
}
# Flags of Tekton's config-feature-flags (config/config-feature-flags.yaml) whose behaviour a
# local run does not have: refused by name, so nobody believes they were honoured.
_NOT_IMPLEMENTED = (
    "await-sidecar-readiness",
    "coschedule",
    "disable-affinity-assistant",
    "disable-creds-init",
    "disable-inline-spec",
    "enable-kubernetes-sidecar",
    "enable-provenance-in-status",
    "enable-step-actions",
    "enable-tekton-oci-bundles",
    "enforce-nonfalsifiability",
    "keep-pod-on-cancel",
    "max-result-size",
    "require-git-ssh-secret-known-hosts",
    "running-in-environment-with-injected-sidecars",
    "send-cloudevents-for-runs",
    "set-security-context",
    "trusted-resources-verification-no-match-policy",
)


def _feature(text: str) -> str:
    name, sep, value = text.partition("=")
    known = (name in _ON_OFF_FEATURES and value in ("", "true", "false")) or (
        sep and value in _VALUED_FEATURES.get(name, ())
    )
    if known and name == "enable-cel-in-whenexpression" and value != "false" and not _has_cel():
        raise argparse.ArgumentTypeError(CEL_MISSING.replace("\n ", ";"))
    if known:
        return text
    choices = [*_ON_OFF_FEATURES, *(f"{k}={'|'.join(v)}" for k, v in _VALUED_FEATURES.items())]
    if name in _NOT_IMPLEMENTED:
        problem = f"{name!r} is a Tekton feature flag whose behaviour finale does not implement locally"
    else:
        problem = f"{text!r} is not a feature flag finale knows"
    raise argparse.ArgumentTypeError(
        f"{problem}; fix: use one of {', '.join(choices)} (not implemented: {', '.join(_NOT_IMPLEMENTED)})"
    )


def _has_cel() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("cel") is not None
    except (ImportError, ValueError):  # `sys.modules["cel"] = None` or a broken install
        return False


def add_feature_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--feature",
        action="append",
        default=[],
        type=_feature,
        metavar="FLAG",
        help="a Tekton feature flag that is on, e.g. enable-cel-in-whenexpression or enable-api-fields=alpha",
    )


def format_field_errors(source: str, errors: Iterable[FieldError]) -> str:
    """`file: field.path: problem` then `  fix: ...`, the same in every command."""
    lines = []
    for error in errors:
        where = f"{error.path}: " if error.path else ""
        lines.append(f"{source}: {where}{error.message}")
        if error.hint:
            lines.append(f"  fix: {error.hint}")
    return "\n".join(lines)


class InvalidDocumentError(ValidationError):
    """A ValidationError worded as `finale validate` prints it."""

    def __init__(self, source: str, errors: Iterable[FieldError]) -> None:
        super().__init__(source, errors)
        self.args = (format_field_errors(source, self.errors) or f"{source}: invalid",)


def is_kubernetes_object(data: Mapping[str, Any]) -> bool:
    """False for YAML with neither apiVersion nor kind (`.gitlab-ci.yml`, Helm values): a
    pre-commit hook hands those over too, and no cluster would ever see them."""
    return "apiVersion" in data or "kind" in data


def skipped_note(source: str) -> str:
    return f"{source}: not a Kubernetes object (no apiVersion, no kind); skipped"


def read_valid_documents(paths: list[str], features: frozenset[str], *, refuse: bool | None = None) -> list[SourceDoc]:
    """Every object in the files, each validated as Tekton's admission webhook would.

    With `refuse` set, unsupported features are refused first (`running=refuse`): "finale
    cannot run pipelines in pipelines locally" says more than the alpha-flag error before it.
    """
    docs = []
    for doc in read_files(paths):
        if is_kubernetes_object(doc.data):
            docs.append(doc)
        else:
            print(f"note: {skipped_note(doc.source)}", file=sys.stderr)
    if refuse is not None:
        # Artifacts wait for validation: without enable-artifacts, Tekton's own refusal is the answer.
        refuse_unsupported(docs, running=refuse, only=lambda u: u.feature != "artifacts")
    for doc in docs:
        errors = validate_document(doc.data, features=features)
        if errors:
            raise InvalidDocumentError(doc.source, errors)
    if refuse is not None:
        refuse_unsupported(docs, running=refuse)
    return docs


def refuse_unsupported(
    docs: Iterable[SourceDoc], *, running: bool = False, only: Callable[[Unsupported], bool] | None = None
) -> None:
    """Resolvers, pipelines in pipelines, StepActions (and, to run, remote or custom tasks):
    refused before anything runs, with the same words in every command."""
    found = [
        u for u in find_unsupported([(d.source, d.data) for d in docs], running=running) if only is None or only(u)
    ]
    if found:
        raise InputError("\n".join(u.message() for u in found))


class _RefuseToken(argparse.Action):
    """`--token VALUE` is the flag users guess first; refuse it without repeating the value."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        parser.error(
            "--token: finale never takes the token as a flag value (it would show in process "
            "listings and shell history)\n  fix: put it in a file and pass --token-file FILE, or set GITLAB_TOKEN"
        )


def add_token_arguments(parser: argparse.ArgumentParser) -> None:
    """`--token-file`, plus a hidden `--token` that explains why it does not exist."""
    parser.add_argument("--token-file", default=None, help="file holding the token (else env GITLAB_TOKEN)")
    parser.add_argument("--token", nargs="?", action=_RefuseToken, help=argparse.SUPPRESS)


def read_token(token_file: str | None) -> str:
    """The GitLab token from a file or GITLAB_TOKEN: never a flag value, so never in argv."""
    if token_file is not None:
        try:
            with open(token_file, encoding="utf-8") as handle:
                token = handle.read().strip()
        except OSError as exc:
            raise InputError(f"--token-file: cannot read {token_file}: {exc.strerror}") from None
        if not token:
            raise InputError(f"--token-file: {token_file} is empty; fix: put the token in it")
        return token
    token = os.environ.get("GITLAB_TOKEN", "").strip()
    if not token:
        raise InputError("no GitLab token; fix: pass --token-file FILE or set GITLAB_TOKEN")
    return token
