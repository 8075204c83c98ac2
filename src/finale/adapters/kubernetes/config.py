"""Where the API is: kubectl's rules. The files KUBECONFIG lists (merged, first wins), else
~/.kube/config, else the Pod's service account (in-cluster)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lightkube import KubeConfig
from lightkube.core.exceptions import ConfigError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from finale.errors import InputError

SERVICE_ACCOUNT = Path("/var/run/secrets/kubernetes.io/serviceaccount")
_NAMED = ("clusters", "users", "contexts")
# Paths a kubeconfig may give relative to itself (client-go's ResolvePaths).
_FILE_KEYS = ("certificate-authority", "client-certificate", "client-key", "tokenFile")


def load_config(environ: Mapping[str, str] = os.environ, service_account: Path = SERVICE_ACCOUNT) -> KubeConfig:
    """The client configuration kubectl would use; InputError naming the fix when there is none."""
    listed = [Path(p).expanduser() for p in environ.get("KUBECONFIG", "").split(os.pathsep) if p.strip()]
    if listed:
        found = [p for p in listed if p.is_file()]  # clientcmd skips listed files that do not exist
        if not found:
            raise InputError(
                f"KUBECONFIG names no existing file ({environ['KUBECONFIG']}); fix: point it at a kubeconfig"
            )
        return _from_dict(merge_kubeconfigs([_read(p) for p in found]), found[0])
    home = Path(environ.get("HOME", "~")).expanduser() / ".kube" / "config"
    if home.is_file():
        return _from_dict(_read(home), home)
    if environ.get("KUBERNETES_SERVICE_HOST") and (service_account / "token").is_file():
        try:
            return KubeConfig.from_service_account(service_account)
        except (ConfigError, KeyError) as exc:
            raise InputError(f"in-cluster configuration: {exc}") from None
    raise InputError(
        "--kubernetes: no Kubernetes API configuration; fix: set KUBECONFIG, create ~/.kube/config, "
        "or run in a Pod with a service account"
    )


def merge_kubeconfigs(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """clientcmd's merge: the first file defining a named cluster/user/context, or current-context, wins."""
    merged: dict[str, Any] = {"apiVersion": "v1", "kind": "Config", "clusters": [], "users": [], "contexts": []}
    for document in documents:
        for section in _NAMED:
            known = {item.get("name") for item in merged[section]}
            merged[section] += [i for i in document.get(section) or [] if i.get("name") not in known]
        if not merged.get("current-context") and document.get("current-context"):
            merged["current-context"] = document["current-context"]
    return merged


def _read(path: Path) -> dict[str, Any]:
    try:
        document = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    except (OSError, YAMLError) as exc:
        raise InputError(f"{path}: not a readable kubeconfig ({exc}); fix: check KUBECONFIG") from None
    if not isinstance(document, dict):
        raise InputError(f"{path}: not a kubeconfig (a YAML mapping with clusters, users, contexts)")
    for section in ("clusters", "users"):
        for item in document.get(section) or []:
            body = item.get(section[:-1]) if isinstance(item, dict) else None
            if isinstance(body, dict):
                _resolve(body, path.parent)
    return document


def _resolve(body: dict[str, Any], folder: Path) -> None:
    for key in _FILE_KEYS:
        value = body.get(key)
        if isinstance(value, str) and value and not Path(value).is_absolute():
            body[key] = str(folder / value)


def _from_dict(document: dict[str, Any], path: Path) -> KubeConfig:
    try:
        return KubeConfig.from_dict(document, fname=path)
    except (ConfigError, KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{path}: unusable kubeconfig: {exc}; fix: check its clusters, users and contexts") from None


__all__ = ["load_config", "merge_kubeconfigs"]
