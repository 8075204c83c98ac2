"""deploy/ and the Containerfile: every manifest validates against Kubernetes' own schemas, and the
pieces fit together (names, selectors, ports, secrets, RBAC, the real `finale serve` flags)."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from finale.cli.commands.serve_options import event_auth, retention_seconds
from finale.cli.parser import build_parser

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
KUBERNETES = "1.37.0"  # the newest schemas kubernetes-validate ships (offline, inside the wheel)
NAMESPACE = "finale"


def documents(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def kustomization(folder: Path) -> dict:
    return documents(folder / "kustomization.yaml")[0]


def render(folder: Path) -> dict[tuple[str, str], dict]:
    """What kustomize builds from `folder`, by (kind, name): resources (files or folders, each
    checked to exist), then patches, then images."""
    found: dict[tuple[str, str], dict] = {}
    spec = kustomization(folder)
    for entry in spec.get("resources", []):
        path = (folder / entry).resolve()
        assert path.exists(), f"{folder / 'kustomization.yaml'}: {entry} does not exist"
        if path.is_dir():
            # kustomize refuses a base that contains the overlay using it (a cycle).
            assert not folder.resolve().is_relative_to(path), f"{folder}: {entry} contains it"
            found.update(render(path))
        else:
            found.update({(doc["kind"], doc["metadata"]["name"]): doc for doc in documents(path)})
    for patch in spec.get("patches", []):
        (doc,) = documents(folder / patch["path"])
        key = (doc["kind"], doc["metadata"]["name"])
        found[key] = merge(found[key], doc)
    for image in spec.get("images", []):
        for resource in found.values():
            for box in resource.get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
                if box["image"] == image["name"]:
                    box["image"] = f"{image['newName']}:{image['newTag']}"
    return found


def base() -> dict[tuple[str, str], dict]:
    return render(DEPLOY)


def deployment(resources: dict) -> dict:
    return resources[("Deployment", "finale-serve")]


def container(resources: dict) -> dict:
    (only,) = deployment(resources)["spec"]["template"]["spec"]["containers"]
    return only


def merge(target: dict, patch: dict) -> dict:
    """Strategic merge as kustomize applies it to these files: maps merge, null deletes, lists of
    named items merge by name."""
    out = copy.deepcopy(target)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        elif isinstance(value, list) and value and all(isinstance(v, dict) and "name" in v for v in value):
            by_name = {item["name"]: item for item in out.get(key, [])}
            for item in value:
                by_name[item["name"]] = merge(by_name.get(item["name"], {}), item)
            out[key] = list(by_name.values())
        else:
            out[key] = copy.deepcopy(value)
    return out


def pvc_overlay() -> dict[tuple[str, str], dict]:
    return render(DEPLOY / "overlays" / "pvc")


def test_kubernetes_validate_ships_the_schemas_it_needs_offline():
    assert kubernetes_validate.latest_version() == KUBERNETES


def test_the_example_secret_is_not_applied_and_the_image_is_set():
    assert ("Secret", "finale-serve") not in base()
    assert container(base())["image"] == "registry.example.com/finale:0.1.0"


@pytest.mark.parametrize(
    "resources",
    [pytest.param(base, id="base"), pytest.param(pvc_overlay, id="pvc-overlay")],
)
def test_every_manifest_validates_against_the_kubernetes_schemas(resources):
    for (kind, name), doc in resources().items():
        try:
            kubernetes_validate.validate(doc, KUBERNETES, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{kind}/{name}: {exc.message} at {'.'.join(map(str, exc.path))}")


def test_the_example_secret_validates_and_holds_only_placeholders():
    (secret,) = documents(DEPLOY / "secret.example.yaml")
    kubernetes_validate.validate(secret, KUBERNETES, strict=True)
    assert all(value.startswith("REPLACE-WITH-") for value in secret["stringData"].values())


def test_names_selectors_and_ports_fit_together():
    resources = base()
    pod = deployment(resources)["spec"]["template"]
    labels = pod["metadata"]["labels"]
    ports = {p["name"]: p["containerPort"] for p in container(resources)["ports"]}
    assert deployment(resources)["spec"]["selector"]["matchLabels"].items() <= labels.items()
    service = resources[("Service", "finale-serve")]
    assert service["spec"]["selector"].items() <= labels.items()
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= ports.keys()
    policy = resources[("NetworkPolicy", "finale-serve")]["spec"]
    assert policy["podSelector"]["matchLabels"].items() <= labels.items()
    assert [p["port"] for rule in policy["ingress"] for p in rule["ports"]] == ["events", "ops"]
    events_rule = policy["ingress"][0]["from"][0]
    assert events_rule["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "tekton-pipelines"}
    for probe in ("livenessProbe", "readinessProbe"):
        assert container(resources)[probe]["httpGet"]["port"] in ports
    assert container(resources)["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container(resources)["readinessProbe"]["httpGet"]["path"] == "/readyz"
    sink = resources[("ConfigMap", "config-events")]["data"]["sink"]
    events_port = next(p["port"] for p in service["spec"]["ports"] if p["targetPort"] == "events")
    assert sink == f"http://{service['metadata']['name']}.{NAMESPACE}.svc.cluster.local:{events_port}/"


def test_namespaces_service_account_and_rbac_fit_together():
    resources = base()
    for (kind, name), doc in resources.items():
        expected = {"Namespace": None, "ClusterRole": None, "ClusterRoleBinding": None, "ConfigMap": "tekton-pipelines"}
        assert doc["metadata"].get("namespace") == expected.get(kind, NAMESPACE), f"{kind}/{name}"
    pod = deployment(resources)["spec"]["template"]["spec"]
    assert ("ServiceAccount", pod["serviceAccountName"]) in resources
    for binding_kind, role_kind in (("ClusterRoleBinding", "ClusterRole"), ("RoleBinding", "Role")):
        (binding,) = [doc for (kind, _), doc in resources.items() if kind == binding_kind]
        assert (role_kind, binding["roleRef"]["name"]) in resources
        assert binding["subjects"] == [
            {"kind": "ServiceAccount", "name": pod["serviceAccountName"], "namespace": NAMESPACE}
        ]
    assert resources[("ClusterRole", "finale-serve")]["rules"] == [
        {"apiGroups": ["tekton.dev"], "resources": ["pipelineruns"], "verbs": ["get", "list", "watch", "patch"]}
    ]
    assert resources[("Role", "finale-serve-leader-election")]["rules"] == [
        {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["get", "create", "update"]}
    ]


def test_the_pod_is_restricted_and_gets_its_identity_from_the_downward_api():
    resources = base()
    pod = deployment(resources)["spec"]["template"]["spec"]
    assert deployment(resources)["spec"]["replicas"] == 2
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
    assert container(resources)["securityContext"] == {
        "runAsNonRoot": True,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert set(container(resources)["resources"]["requests"]) == {"cpu", "memory"}
    env = {e["name"]: e["valueFrom"] for e in container(resources)["env"]}
    assert env["POD_NAME"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    assert env["POD_NAMESPACE"] == {"fieldRef": {"fieldPath": "metadata.namespace"}}


def test_the_args_are_real_serve_flags_and_every_path_is_mounted():
    resources = base()
    args = container(resources)["args"]
    parsed = build_parser(args).parse_args(args)
    assert parsed.command == "serve" and parsed.kubernetes
    auth, tls = event_auth(parsed)  # the non-loopback host passes the secure-default check
    assert tls is None and not auth.required and parsed.allow_unauthenticated
    assert retention_seconds(parsed.retention) == 7 * 86400
    ports = {p["name"]: p["containerPort"] for p in container(resources)["ports"]}
    assert (int(parsed.port), int(parsed.ops_port)) == (ports["events"], ports["ops"])
    mounts = {m["mountPath"]: m["name"] for m in container(resources)["volumeMounts"]}
    volumes = {v["name"]: v for v in deployment(resources)["spec"]["template"]["spec"]["volumes"]}
    assert mounts[str(Path(parsed.db).parent)] == "outbox"
    token_volume = volumes[mounts[str(Path(parsed.token_file).parent)]]["secret"]
    assert [item["path"] for item in token_volume["items"]] == [Path(parsed.token_file).name]
    (secret,) = documents(DEPLOY / "secret.example.yaml")
    assert token_volume["secretName"] == secret["metadata"]["name"]
    assert {item["key"] for item in token_volume["items"]} <= secret["stringData"].keys()
    event_token = next(e for e in container(resources)["env"] if e["name"] == "FINALE_EVENT_TOKEN")
    assert event_token["valueFrom"]["secretKeyRef"] == {
        "name": secret["metadata"]["name"],
        "key": "event-token",
        "optional": True,
    }
    assert "event-token" in (DEPLOY / "secret.example.yaml").read_text()


def test_the_pvc_overlay_runs_one_replica_on_the_claim():
    resources = pvc_overlay()
    spec = deployment(resources)["spec"]
    assert (spec["replicas"], spec["strategy"]) == (1, {"type": "Recreate"})
    (outbox,) = [v for v in spec["template"]["spec"]["volumes"] if v["name"] == "outbox"]
    assert outbox == {"name": "outbox", "persistentVolumeClaim": {"claimName": "finale-serve-outbox"}}
    assert ("PersistentVolumeClaim", "finale-serve-outbox") in resources


def test_the_containerfile_is_pinned_non_root_and_writes_only_its_volume():
    text = (ROOT / "Containerfile").read_text(encoding="utf-8")
    base_image = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", text, re.MULTILINE)
    assert base_image and re.fullmatch(r"[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}", base_image.group(1))
    user = re.findall(r"^USER (\d+):(\d+)$", text, re.MULTILINE)
    assert user == [("65532", "65532")]
    assert str(container(base())["securityContext"].get("runAsUser", 65532)) == user[0][0]
    assert re.search(r'^VOLUME \["/var/lib/finale"\]$', text, re.MULTILINE)
    assert re.search(r'^ENTRYPOINT \["finale"\]$', text, re.MULTILINE)
    exposed = {int(p) for p in re.search(r"^EXPOSE (.+)$", text, re.MULTILINE).group(1).split()}
    assert exposed == {p["containerPort"] for p in container(base())["ports"]}
