"""Each service's own Secret on the local cluster, whose Secrets Store driver stand-in
(quikapp_charts.cluster.secrets_driver) syncs a SecretProviderClass's Secret when a pod mounts it,
removes it with the last mounting pod, and holds a container whose Secret is missing in
CreateContainerConfigError, as the driver and the kubelet do.

One representative test: dev's fresh install comes up with no pod waiting for a Secret; a
service's Secret goes with its last pod and comes back with its next; a pod that reads a Secret
nobody mounts waits in CreateContainerConfigError until the Secret exists.
"""
from __future__ import annotations

import json

import pytest

from clusterlib import kubectl, kubectl_json, wait_at_floor
from support import floors

pytestmark = pytest.mark.cluster

BLOCKED = "CreateContainerConfigError"
WAIT = "--timeout=120s"


def secret_readers(deployments: list[dict]) -> dict[str, set[str]]:
    """Deployment name -> the Secret keys its env reads (the rendered env)."""
    out = {}
    for dep in deployments:
        keys = {var["valueFrom"]["secretKeyRef"]["key"] for c in dep["spec"]["template"]["spec"]["containers"]
                for var in c.get("env", []) if "secretKeyRef" in var.get("valueFrom", {})}
        if keys:
            out[dep["metadata"]["name"]] = keys
    return out


def blocked_pods(namespace: str) -> list[str]:
    return [p["metadata"]["name"] for p in kubectl_json("get", "pods", "-n", namespace)["items"]
            for s in p.get("status", {}).get("containerStatuses") or []
            if (s.get("state") or {}).get("waiting", {}).get("reason") == BLOCKED]


def reader_pod(name: str, secret: str, key: str) -> str:
    """A pod that reads secret's key without mounting its class (restricted Pod Security)."""
    context = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "runAsNonRoot": True,
               "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}}
    return json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": {
        "automountServiceAccountToken": False,
        "containers": [{"name": "reader", "image": "quikapp.azurecr.io/reader:1.0.0", "securityContext": context,
                        "resources": {"requests": {"cpu": "10m", "memory": "16Mi"},
                                      "limits": {"cpu": "10m", "memory": "16Mi"}},
                        "env": [{"name": key, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}]}]}})


def test_each_service_secret_lives_exactly_while_its_pods_run(installed, kube_cluster):
    inst = installed("dev")
    ns = inst.namespace
    assert blocked_pods(ns) == [], "a pod of the fresh install waits for a missing Secret"
    readers = secret_readers(inst.of_kind("Deployment"))
    assert len(readers) == len(inst.of_kind("Deployment"))
    # The driver syncs a Secret once a mounting pod is scheduled, beside the rollout: wait for each.
    for name in readers:
        kubectl("wait", "--for=create", f"secret/{name}-secrets", "-n", ns, WAIT)
    secrets = {s["metadata"]["name"]: s for s in kubectl_json("get", "secrets", "-n", ns)["items"]}
    pods = kubectl_json("get", "pods", "-n", ns)["items"]
    for name, keys in readers.items():
        secret = secrets[f"{name}-secrets"]
        assert set(secret["data"]) == keys, name  # only the keys its own env reads
        owners = {o["name"] for o in secret["metadata"]["ownerReferences"]}
        assert owners and all(o.startswith(f"{name}-") for o in owners), name
        assert owners & {p["metadata"]["name"] for p in pods}, name  # owned by its running pods

    # The last mounting pod goes: its Secret goes with it; a pod reading it waits, as on a kubelet.
    name = "audit-service"
    floor = floors(inst.rendered)[name]
    secret, key = f"{name}-secrets", sorted(readers[name])[0]
    kubectl("scale", "deployment", name, "-n", ns, "--replicas=0")
    kubectl("wait", "--for=delete", f"secret/{secret}", "-n", ns, WAIT)
    kubectl("apply", "--server-side", "-n", ns, "-f", "-", input=reader_pod("secret-reader", secret, key))
    try:
        kubectl("wait", "pod/secret-reader", "-n", ns, WAIT,
                f"--for=jsonpath={{.status.containerStatuses[0].state.waiting.reason}}={BLOCKED}")
        # Its pods come back: the Secret is synced again, and the waiting reader starts.
        kubectl("scale", "deployment", name, "-n", ns, f"--replicas={floor}")
        kubectl("wait", "--for=create", f"secret/{secret}", "-n", ns, WAIT)
        kubectl("wait", "pod/secret-reader", "-n", ns, "--for=condition=Ready", WAIT)
    finally:
        kubectl("delete", "pod", "secret-reader", "-n", ns, "--ignore-not-found", "--wait=false")
        kubectl("scale", "deployment", name, "-n", ns, f"--replicas={floor}")
    wait_at_floor(kube_cluster.kube_client, ns, {name: floor})
    assert blocked_pods(ns) == []
