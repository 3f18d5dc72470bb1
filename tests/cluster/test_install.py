"""Every environment installs into the local cluster and runs as its values say.

Each environment goes into its own namespace of the one session cluster (`installed(env)`
installs it the first time a test asks). The control plane is real, so the API server validates
and admits every object (Pod Security, ResourceQuota), the scheduler places every pod (GPU
nodes, taints, anti-affinity), and the controllers run Deployments, HPAs and volume binding.
"""
from __future__ import annotations

import json
import time

import pytest

from clusterlib import REPRESENTATIVES, environment_params, helm, is_hook, kubectl, kubectl_json, load_yaml_docs, wait_at_floor
from quikapp_charts.cluster.config import GPU_LABEL_KEY, GPU_LABEL_VALUE, RELEASE
from quikapp_charts.core.resources import GPU
from support import floors

pytestmark = pytest.mark.cluster

ENVIRONMENTS = environment_params()
SERVICES = 33
# Kinds the design asks of every full environment; each must have reached the API server.
REQUIRED_KINDS = {"Deployment", "Service", "NetworkPolicy", "Ingress", "ResourceQuota",
                  "PersistentVolumeClaim", "ServiceAccount"}


def gpu_request(pod: dict) -> int:
    total = 0
    for container in pod["spec"].get("containers", []) + pod["spec"].get("initContainers", []):
        res = container.get("resources", {})
        total += int((res.get("limits") or {}).get(GPU, 0) or
                     (res.get("requests") or {}).get(GPU, 0))
    return total


def gpu_nodes() -> set[str]:
    return {n["metadata"]["name"] for n in kubectl_json("get", "nodes")["items"]
            if n["metadata"].get("labels", {}).get(GPU_LABEL_KEY)}


def pods(namespace: str) -> list[dict]:
    return [p for p in kubectl_json("get", "pods", "-n", namespace)["items"]
            if not is_hook(p)]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_deployment_is_at_its_floor_when_the_install_says_ready(env, installed):
    """`helm upgrade --install --wait` returns only once every Deployment has its floor available
    (a new Deployment starts at its HPA's minReplicas instead of 1), so nothing is waited for here."""
    inst = installed(env)
    expected = floors(inst.rendered)
    assert len(expected) == SERVICES, f"{env} renders {len(expected)} Deployments"
    at_ready = inst.extra["deployments_at_ready"]
    got = {name: (d["spec"]["replicas"], d.get("status", {}).get("availableReplicas", 0))
           for name, d in at_ready.items()}
    assert got == {name: (floor, floor) for name, floor in expected.items()}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_deployment_is_available_with_its_replicas(env, installed):
    inst = installed(env)
    expected = floors(inst.rendered)
    # At the floor exactly: the HPA (without metrics) neither lowers nor raises it.
    deployments = wait_at_floor(installed.kube_client, inst.namespace, expected, exact=True)
    got = {d["metadata"]["name"]: int(d["status"]["availableReplicas"]) for d in deployments}
    assert got == expected


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_gpu_pods_run_on_gpu_nodes_only(env, installed):
    inst = installed(env)
    gpu = gpu_nodes()
    running = pods(inst.namespace)
    on_gpu = [p for p in running if gpu_request(p)]
    assert on_gpu, f"{env}: no pod asks for {GPU}"
    misplaced = sorted(p["metadata"]["name"] for p in on_gpu if p["spec"].get("nodeName") not in gpu)
    intruders = sorted(p["metadata"]["name"] for p in running
                       if not gpu_request(p) and p["spec"].get("nodeName") in gpu)
    assert misplaced == [], f"GPU pods off the GPU nodes: {misplaced}"
    assert intruders == [], f"pods without a GPU on GPU nodes: {intruders}"
    for pod in on_gpu:
        assert pod["spec"]["nodeSelector"].get(GPU_LABEL_KEY) == GPU_LABEL_VALUE
        assert any(t.get("key") == GPU for t in pod["spec"].get("tolerations", []))


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_api_server_accepted_every_object(env, installed):
    inst = installed(env)
    manifest = helm("get", "manifest", RELEASE, "-n", inst.namespace).stdout
    released = load_yaml_docs(manifest)
    rendered = [o for o in inst.rendered if not is_hook(o)]
    key = lambda o: (o["kind"], o["metadata"]["name"])  # noqa: E731
    assert sorted(map(key, released)) == sorted(map(key, rendered))
    # Every object of the release exists in the cluster as written (kubectl get fails on any missing).
    live = get_all(manifest, inst.namespace)
    assert sorted(map(key, live)) == sorted(map(key, released))
    kinds = {o["kind"] for o in live}
    assert REQUIRED_KINDS <= kinds, f"missing kinds: {REQUIRED_KINDS - kinds}"


def get_all(manifest: str, namespace: str) -> list[dict]:
    data = json.loads(kubectl("get", "-n", namespace, "-f", "-", "-o", "json", input=manifest).stdout)
    return data["items"] if data.get("kind") == "List" else [data]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_pods_with_csi_volumes_run_and_their_secret_provider_classes_exist(env, installed):
    inst = installed(env)
    with_csi = [p for p in pods(inst.namespace)
                if any("csi" in v for v in p["spec"].get("volumes", []))]
    rendered_csi = [d for d in inst.of_kind("Deployment")
                    if any("csi" in v for v in d["spec"]["template"]["spec"].get("volumes", []))]
    assert bool(with_csi) == bool(rendered_csi)
    for pod in with_csi:
        assert pod["status"]["phase"] == "Running", pod["metadata"]["name"]
    classes = {v["csi"]["volumeAttributes"]["secretProviderClass"]
               for p in with_csi for v in p["spec"]["volumes"]
               if "csi" in v and v["csi"].get("driver") == "secrets-store.csi.k8s.io"}
    present = {o["metadata"]["name"] for o in
               kubectl_json("get", "secretproviderclasses.secrets-store.csi.x-k8s.io", "-n", inst.namespace)["items"]}
    assert classes <= present, f"pods mount SecretProviderClasses the release does not create: {sorted(classes - present)}"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_resource_quota_admits_the_replica_floor(env, installed):
    inst = installed(env)
    quotas = counted_quotas(inst.namespace, len(inst.of_kind("ResourceQuota")))
    assert len(quotas) >= 1
    for quota in quotas:
        hard, used = quota["status"]["hard"], quota["status"]["used"]
        assert set(hard) == set(used)
        for resource, limit in hard.items():
            assert quantity(used[resource]) <= quantity(limit), f"{resource}: {used[resource]} > {limit}"
    events = kubectl_json("get", "events", "-n", inst.namespace, "--field-selector", "type=Warning")["items"]
    refused = [e["message"] for e in events if "exceeded quota" in e.get("message", "")]
    assert refused == []


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_pod_security_restricted_admits_every_pod(env, installed):
    inst = installed(env)
    labels = kubectl_json("get", "namespace", inst.namespace)["metadata"]["labels"]
    for mode in ("enforce", "warn", "audit"):
        assert labels[f"pod-security.kubernetes.io/{mode}"] == "restricted"
    assert "PodSecurity" not in inst.output, inst.output
    # Re-applying the enforce label server-side reports every existing pod that would violate it.
    dry = kubectl("label", "namespace", inst.namespace, "--overwrite", "--dry-run=server",
                  "pod-security.kubernetes.io/enforce=restricted")
    assert "violate" not in dry.stderr, dry.stderr
    events = kubectl_json("get", "events", "-n", inst.namespace, "--field-selector", "type=Warning")["items"]
    denied = [e["message"] for e in events if "PodSecurity" in e.get("message", "")]
    assert denied == []
    # A pod the API server refused shows as a ReplicaSet failure.
    for rs in kubectl_json("get", "replicasets", "-n", inst.namespace)["items"]:
        failures = [c.get("message") for c in rs.get("status", {}).get("conditions", [])
                    if c["type"] == "ReplicaFailure" and c["status"] == "True"]
        assert failures == [], f"{rs['metadata']['name']}: {failures}"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_helm_test_passes(env, installed):
    inst = installed(env)
    result = helm("test", RELEASE, "-n", inst.namespace, "--timeout", "2m")
    assert "Phase:          Succeeded" in result.stdout, result.stdout
    assert "Failed" not in result.stdout


def test_no_pod_without_a_gpu_runs_on_a_gpu_node(installed):
    """Across the representative environments at once (and whatever else runs in the cluster)."""
    for env in REPRESENTATIVES:
        installed(env)
    gpu = gpu_nodes()
    everything = kubectl_json("get", "pods", "-A")["items"]
    intruders = sorted(f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in everything
                       if p["spec"].get("nodeName") in gpu and not gpu_request(p))
    assert intruders == []


def counted_quotas(namespace: str, count: int, timeout: float = 60) -> list[dict]:
    """The namespace's ResourceQuotas once the quota controller has counted usage for every
    resource each one limits (it writes status.used some time after the quota is created)."""
    deadline = time.monotonic() + timeout
    while True:
        quotas = kubectl_json("get", "resourcequota", "-n", namespace)["items"]
        counted = [q for q in quotas if set((q.get("status") or {}).get("used") or {})
                   >= set(q["spec"].get("hard") or {})]
        if len(quotas) == count and len(counted) == count:
            return quotas
        assert time.monotonic() < deadline, f"{namespace}: quota usage not counted after {timeout:.0f}s: {quotas}"
        time.sleep(1)


def quantity(text: str) -> float:
    """A Kubernetes quantity as a number (enough for comparisons)."""
    suffixes = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50,
                "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15}
    for suffix in sorted(suffixes, key=len, reverse=True):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * suffixes[suffix]
    return float(text)
