"""`finale serve --kubernetes` flags and start-up; the client library is imported only from here,
and only when the flag is given."""

from __future__ import annotations

import argparse
import os
import re
import socket
import threading
from typing import TYPE_CHECKING

from finale.adapters.serve.outbox import Outbox
from finale.adapters.serve.sender import LogLine
from finale.errors import InputError

if TYPE_CHECKING:
    from finale.adapters.kubernetes.side import KubernetesSide as Side
else:
    Side = object

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}
FINALIZER_NAME = "finale.dev/gitlab-report"


def add_kubernetes_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--kubernetes",
        action="store_true",
        help="also list and watch PipelineRuns through the Kubernetes API (KUBECONFIG, ~/.kube/config or in-cluster)",
    )
    parser.add_argument(
        "--resync", default="10m", help="with --kubernetes: relist all PipelineRuns this often (default 10m)"
    )
    parser.add_argument(
        "--finalizer",
        action="store_true",
        help=f"with --kubernetes: hold runs naming a commit with finalizer {FINALIZER_NAME} until reported",
    )
    parser.add_argument(
        "--lease-namespace",
        default=None,
        help="with --kubernetes: elect one sending replica with a Lease in this namespace (default: $POD_NAMESPACE)",
    )
    parser.add_argument("--lease-name", default="finale-serve", help="the Lease's name (default finale-serve)")
    parser.add_argument("--lease-duration", default="15s", help="leader election lease duration (default 15s)")
    parser.add_argument("--lease-renew-deadline", default="10s", help="leader steps down after this (default 10s)")
    parser.add_argument("--lease-retry-period", default="2s", help="leader election retry period (default 2s)")


def duration(flag: str, text: str) -> float:
    """`90`, `90s`, `10m`, `1h`, `500ms` -> seconds (> 0)."""
    found = _DURATION.match(text)
    seconds = float(found.group(1)) * _UNITS[found.group(2)] if found else 0.0
    if seconds <= 0:
        raise InputError(f"{flag}: {text!r} is not a duration; fix: e.g. {flag} 10m (units ms, s, m, h)")
    return seconds


def start_kubernetes(
    args: argparse.Namespace, outbox: Outbox, wake: threading.Event, status_name: str, log: LogLine
) -> Side:
    """Build the Kubernetes side (not started); InputError when the client or the API is missing."""
    try:
        from finale.adapters.kubernetes.api import KubeApi, KubeError
        from finale.adapters.kubernetes.config import load_config
        from finale.adapters.kubernetes.lease import LeaseTiming
        from finale.adapters.kubernetes.side import KubernetesOptions, KubernetesSide
    except ImportError as exc:
        raise InputError(
            f"--kubernetes needs the Kubernetes client library ({exc.name}); fix: pip install 'finale[serve]'"
        ) from None
    timing = LeaseTiming(
        duration=duration("--lease-duration", args.lease_duration),
        renew_deadline=duration("--lease-renew-deadline", args.lease_renew_deadline),
        retry_period=duration("--lease-retry-period", args.lease_retry_period),
    )
    if not timing.retry_period < timing.renew_deadline < timing.duration:
        raise InputError("--lease-*: need retry period < renew deadline < lease duration (defaults 2s < 10s < 15s)")
    options = KubernetesOptions(
        resync=duration("--resync", args.resync),
        finalizer=args.finalizer,
        lease_namespace=(args.lease_namespace or os.environ.get("POD_NAMESPACE", "")).strip(),
        lease_name=args.lease_name,
        identity=os.environ.get("POD_NAME", "").strip() or f"{socket.gethostname()}-{os.getpid()}",
        timing=timing,
        handover_grace=float(args.timeout),
    )
    api = KubeApi(load_config())
    try:
        version = api.discover()
    except KubeError as exc:
        api.close()
        raise InputError(f"--kubernetes: {exc}; fix: check KUBECONFIG and that Tekton is installed") from None
    log(f"reading PipelineRuns through tekton.dev/{version}")
    return KubernetesSide(api, outbox, wake, options, status_name=status_name, log=log)


__all__ = ["Side", "add_kubernetes_arguments", "duration", "start_kubernetes"]
