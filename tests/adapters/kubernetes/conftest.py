"""The Kubernetes emulator on loopback, one per test."""

import pytest

from finale.kubernetes_emulator import serve as serve_kubernetes

KUBE_TOKEN = "kube-token"


@pytest.fixture
def kube():
    with serve_kubernetes(tokens=(KUBE_TOKEN,)) as running:
        yield running
