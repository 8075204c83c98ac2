"""A Kubernetes API emulator on loopback, for what `finale serve --kubernetes` uses: discovery,
PipelineRuns (tekton.dev v1/v1beta1, with /status) and Leases (coordination.k8s.io/v1).

    with serve(tokens=("t",)) as kube:           # 127.0.0.1, free port, daemon threads
        kube.kubeconfig(path, "t")               # for KUBECONFIG
        kube.create("pipelineruns", "ci", run)   # as kubectl/Triggers would
        kube.set_condition("ci", "run-1", "False", "Cancelled")  # as Tekton's controller would
        kube.compact()                           # resuming watches now get 410 Gone
        kube.faults.fail(500, count=3); kube.faults.drop_watches()

Emulated and assumed behaviour is listed in docs/serve.md.
"""

from finale.kubernetes_emulator.emulator import RunningKubernetes, serve

__all__ = ["RunningKubernetes", "serve"]
