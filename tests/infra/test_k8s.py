"""The Kubernetes manifests (infra/k8s/, a kustomization), checked with what this machine has.

kubectl is installed without a cluster. `kubectl apply --dry-run=client` still asks the API
server for its resource list and OpenAPI schema (it fails with "connection refused" on
localhost:8080, with or without --validate=false), so it cannot run here; `kubectl kustomize`
runs offline — kubectl's own parser and transformers build every object, rejecting malformed
YAML, duplicate objects and bad kustomization fields. On the built objects these tests check
what a client dry run would not: selectors that select, references that resolve, and the
project's rules (non-root, read-only root filesystem, no capability, resources set, images from
the internal registry and pinned, Secrets only referenced, default-deny network policies)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from tests.infra.infra_files import (
    INFRA,
    K8S,
    SETTING_NAME,
    mirrored_images,
    unknown_settings,
)

REGISTRY = "registry.internal.example:5000/"
WORKLOADS = {"Deployment", "StatefulSet", "Job"}

Obj = dict[str, Any]


def _kubectl() -> str:
    found = shutil.which("kubectl")
    if found is None:
        pytest.skip("kubectl is not installed: the manifests cannot be built here")
    return found


@pytest.fixture(scope="module")
def built() -> list[Obj]:
    done = subprocess.run(
        [_kubectl(), "kustomize", str(K8S)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return [d for d in yaml.safe_load_all(done.stdout) if d]


def _of(objects: list[Obj], kind: str) -> list[Obj]:
    return [o for o in objects if o["kind"] == kind]


def _pod(workload: Obj) -> Obj:
    spec: Obj = workload["spec"]["template"]["spec"]
    return spec


def _containers(pod: Obj) -> Iterator[Obj]:
    yield from pod.get("initContainers", [])
    yield from pod["containers"]


def _workloads(objects: list[Obj]) -> list[Obj]:
    return [o for o in objects if o["kind"] in WORKLOADS]


def test_kustomize_builds_every_part(built: list[Obj]) -> None:
    names = {(o["kind"], o["metadata"]["name"]) for o in built}
    for part in ("api", "proxy", "airflow-api-server", "airflow-scheduler",
                 "airflow-dag-processor", "airflow-triggerer", "airflow-worker"):  # fmt: skip
        assert ("Deployment", part) in names
    assert ("StatefulSet", "broker") in names
    assert {("Job", "zhongtai-migrate"), ("Job", "airflow-migrate")} <= names
    assert all(
        o["metadata"].get("namespace") == "zhongtai" for o in built if o["kind"] != "Namespace"
    )


def test_a_broken_manifest_fails_the_build(tmp_path: Any) -> None:
    copy = tmp_path / "k8s"
    shutil.copytree(K8S, copy)
    api = copy / "api.yaml"
    api.write_text(api.read_text().replace("kind: Service\n", "kind: Service\n  bad: [\n", 1))
    done = subprocess.run(
        [_kubectl(), "kustomize", str(copy)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0


def test_pods_run_as_non_root_with_read_only_roots_and_no_capabilities(built: list[Obj]) -> None:
    for workload in _workloads(built):
        name, pod = workload["metadata"]["name"], _pod(workload)
        context = pod["securityContext"]
        assert context["runAsNonRoot"] is True and context["runAsUser"] > 0, name
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert pod["automountServiceAccountToken"] is False, name
        assert "hostNetwork" not in pod and "hostPID" not in pod, name
        for container in _containers(pod):
            sc = container["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False, (name, container["name"])
            assert sc["readOnlyRootFilesystem"] is True, (name, container["name"])
            assert sc["capabilities"] == {"drop": ["ALL"]}, (name, container["name"])
            assert sc.get("privileged") is not True, (name, container["name"])


def _quantity(value: str) -> float:
    units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    for unit, factor in units.items():
        if value.endswith(unit):
            return float(value.removesuffix(unit)) * factor
    return float(value)


def test_every_container_has_requests_and_limits(built: list[Obj]) -> None:
    for workload in _workloads(built):
        for container in _containers(_pod(workload)):
            where = (workload["metadata"]["name"], container["name"])
            resources = container["resources"]
            for resource in ("cpu", "memory"):
                request = _quantity(str(resources["requests"][resource]))
                limit = _quantity(str(resources["limits"][resource]))
                assert 0 < request <= limit, (where, resource)


def test_images_come_from_the_internal_registry_pinned_and_listed(built: list[Obj]) -> None:
    listed = mirrored_images()
    for workload in _workloads(built):
        for container in _containers(_pod(workload)):
            image = container["image"]
            assert image.startswith(REGISTRY), image
            path = image.removeprefix(REGISTRY)
            assert ":" in path and not path.endswith(":latest"), image
            assert path in listed, f"{image} is not in infra/images.txt"


def test_secrets_are_referenced_never_included_and_documented(built: list[Obj]) -> None:
    assert _of(built, "Secret") == []
    readme = (INFRA / "README.md").read_text("utf-8")
    referenced = set()
    for workload in _workloads(built):
        for volume in _pod(workload).get("volumes", []):
            if "secret" in volume:
                referenced.add(volume["secret"]["secretName"])
    assert referenced
    for name in referenced:  # the README says how to create each from files
        assert f"kubectl -n zhongtai create secret generic {name}" in readme, name


def test_volume_mounts_configmaps_and_selectors_resolve(built: list[Obj]) -> None:
    config_maps = {o["metadata"]["name"] for o in _of(built, "ConfigMap")}
    claims = {o["metadata"]["name"] for o in _of(built, "PersistentVolumeClaim")}
    pod_labels = []
    for workload in _workloads(built):
        name, pod = workload["metadata"]["name"], _pod(workload)
        labels = workload["spec"]["template"]["metadata"]["labels"]
        pod_labels.append(labels)
        if workload["kind"] != "Job":
            selector = workload["spec"]["selector"]["matchLabels"]
            assert selector.items() <= labels.items(), name
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        templates = {
            t["metadata"]["name"] for t in workload["spec"].get("volumeClaimTemplates", [])
        }
        for container in _containers(pod):
            for mount in container.get("volumeMounts", []):
                assert mount["name"] in volumes or mount["name"] in templates, (name, mount)
            for source in container.get("envFrom", []):
                assert source["configMapRef"]["name"] in config_maps, name
            names = {p["name"] for p in container.get("ports", [])}
            for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
                port = container.get(probe, {}).get("httpGet", {}).get("port")
                assert port is None or port in names, (name, probe)
        for volume in volumes.values():
            if "configMap" in volume:
                assert volume["configMap"]["name"] in config_maps, (name, volume)
            if "persistentVolumeClaim" in volume:
                assert volume["persistentVolumeClaim"]["claimName"] in claims, (name, volume)

    def selects(selector: dict[str, str]) -> bool:
        return any(selector.items() <= labels.items() for labels in pod_labels)

    for service in _of(built, "Service"):
        if service["spec"].get("type") != "ExternalName":
            assert selects(service["spec"]["selector"]), service["metadata"]["name"]
    for policy in _of(built, "NetworkPolicy"):
        selector = policy["spec"]["podSelector"].get("matchLabels", {})
        assert selects(selector), policy["metadata"]["name"]
        for rule in policy["spec"].get("ingress", []) + policy["spec"].get("egress", []):
            for peer in rule.get("from", []) + rule.get("to", []):
                if "podSelector" in peer and "namespaceSelector" not in peer:
                    assert selects(peer["podSelector"]["matchLabels"]), policy["metadata"]


def test_network_policies_deny_by_default_and_only_the_proxy_is_exposed(
    built: list[Obj],
) -> None:
    policies = {p["metadata"]["name"]: p["spec"] for p in _of(built, "NetworkPolicy")}
    assert policies["default-deny"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    open_ingress = [
        name
        for name, spec in policies.items()
        for rule in spec.get("ingress", [])
        if "from" not in rule
    ]
    assert open_ingress == ["proxy"]
    exposed = [
        s["metadata"]["name"]
        for s in _of(built, "Service")
        if s["spec"].get("type") in ("LoadBalancer", "NodePort")
    ]
    assert exposed == ["proxy"]
    assert _of(built, "Ingress") == []
    namespace = _of(built, "Namespace")[0]
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_settings_are_real_and_secrets_are_not_in_the_environment(built: list[Obj]) -> None:
    names = set()
    for config_map in _of(built, "ConfigMap"):
        if config_map["metadata"]["name"].startswith("zhongtai-settings"):
            names |= set(config_map["data"])
            for key in config_map["data"]:
                assert not any(s in key for s in ("SECRET", "PASSWORD", "CATALOG_URL")), key
    for workload in _workloads(built):
        for container in _containers(_pod(workload)):
            for variable in container.get("env", []):
                names |= set(SETTING_NAME.findall(variable["name"]))
                if variable["name"].endswith("_CMD"):
                    assert variable["value"].startswith("cat /run/secrets/"), variable
    zhongtai = {n for n in names if n.startswith("ZHONGTAI_")}
    assert zhongtai and unknown_settings(zhongtai) == set()


def test_the_airflow_cfg_in_the_kustomization_is_infra_airflow_cfg() -> None:
    assert (K8S / "airflow.cfg").read_bytes() == (INFRA / "airflow.cfg").read_bytes(), (
        "copy infra/airflow.cfg to infra/k8s/airflow.cfg (kustomize reads only files under it)"
    )
