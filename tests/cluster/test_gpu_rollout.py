"""Live's GPU services roll an image change on GPU nodes with no free GPU.

The GPU services run at the design's ceilings (replicas = maxReplicas: 10, 8, 5, 10, 33 GPUs) on
nine GPU nodes of their own (36 GPUs), the other three GPUs taken by a filler pod: not one GPU is
free. A surge pod would wait for a GPU for ever; with maxSurge 0 and maxUnavailable 1 each
Deployment stops a pod before its replacement starts, and the rollout completes. The nodes carry a
taint of their own that only these pods tolerate, so that no other environment's pod lands there.
"""
from __future__ import annotations

import pykube
import pytest
import yaml
from pytest_helm_charts.utils import wait_for_objects_condition

from clusterlib import (HELM_TIMEOUT, WAIT_SECONDS, helm, kubectl, kubectl_json, wait_at_floor,
                        wait_until_namespace_gone)
from quikapp_charts.cluster import api, install
from quikapp_charts.cluster.config import GPU_LABEL_KEY, GPU_LABEL_VALUE, GPU_TAINT, GPUS_PER_NODE, RELEASE
from quikapp_charts.cluster.nodes import NOT_READY_TAINTS, node_object
from quikapp_charts.cluster.storage import claimed_volumes, volumes_for_claims
from quikapp_charts.core import paths
from quikapp_charts.core.resources import GPU
from support import gpu_deployments

pytestmark = pytest.mark.cluster

NAMESPACE = "quikapp-gpu-rollout"
FILLER_NAMESPACE = "quikapp-gpu-filler"
RUN_LABEL = "quikapp.io/gpu-rollout"
RUN_TAINT = {"key": RUN_LABEL, "value": "only", "effect": "NoSchedule"}
NODES = [f"gpu-rollout-{i}" for i in range(9)]
OTHER_STACKS = ("spring-boot", "nestjs", "elixir", "go")


def values(ceilings: dict[str, int]) -> dict:
    """live, only the python stack, in a namespace of its own, the GPU services at their ceilings
    and on the run's nodes."""
    return {
        "global": {"namespace": NAMESPACE},
        **{stack: {"enabled": False} for stack in OTHER_STACKS},
        "python": {
            "gpuDefaults": {"gpu": {
                "nodeSelector": {GPU_LABEL_KEY: GPU_LABEL_VALUE, RUN_LABEL: "only"},
                "tolerations": [{"key": GPU_TAINT["key"], "operator": "Exists", "effect": "NoSchedule"},
                                {"key": RUN_LABEL, "operator": "Exists", "effect": "NoSchedule"}]}},
            "services": {name: {"replicas": count} for name, count in ceilings.items()},
        },
    }


def gpu_node(name: str) -> dict:
    node = node_object(name, gpu=True)
    node["metadata"]["labels"] = {k: v for k, v in node["metadata"]["labels"].items()
                                  if k != "quikapp.io/node-pool"} | {RUN_LABEL: "only"}
    node["spec"]["taints"].append(RUN_TAINT)
    return node


def filler(node: str, gpus: int) -> dict:
    """A pod bound to NODE that holds GPUS of its GPUs (kwok runs no container)."""
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "filler", "namespace": FILLER_NAMESPACE},
            "spec": {"nodeName": node, "tolerations": [{"operator": "Exists"}],
                     "containers": [{"name": "filler", "image": "registry.k8s.io/pause:3.10",
                                     "resources": {"requests": {GPU: str(gpus)}, "limits": {GPU: str(gpus)}}}]}}


def free_gpus() -> int:
    """Allocatable GPUs of the run's nodes less what their pods (not finished) request."""
    nodes = kubectl_json("get", "nodes", "-l", RUN_LABEL)["items"]
    have = sum(int(n["status"]["allocatable"].get(GPU, 0)) for n in nodes)
    used = 0
    for pod in kubectl_json("get", "pods", "-A")["items"]:
        if pod["spec"].get("nodeName") in NODES and pod["status"].get("phase") not in ("Succeeded", "Failed"):
            used += sum(int((c.get("resources", {}).get("requests") or {}).get(GPU, 0))
                        for c in pod["spec"]["containers"])
    return have - used


def ready(node: dict) -> bool:
    """Ready, and rid of the taints the node controller keeps until it has seen it Ready."""
    conditions = {c["type"]: c["status"] for c in (node.get("status") or {}).get("conditions") or []}
    return conditions.get("Ready") == "True" and not any(
        t["key"] in NOT_READY_TAINTS for t in node["spec"].get("taints") or [])


def wait_nodes_ready(kube_client) -> None:
    wait_for_objects_condition(kube_client, pykube.Node, NODES, None, lambda n: ready(n.obj), 300, missing_ok=False)


def start(kube_client, tmp_path, ceilings: dict[str, int]) -> tuple[list[str], list[dict]]:
    """The run's nodes, the filler, the namespace and its volumes; returns helm's arguments."""
    # What an earlier run on this cluster deleted without waiting may still be going.
    for namespace in (NAMESPACE, FILLER_NAMESPACE):
        wait_until_namespace_gone(namespace)
    if volumes := volumes_of(NAMESPACE):
        kubectl("wait", "--for=delete", *(f"pv/{v}" for v in volumes), f"--timeout={WAIT_SECONDS}s")
    kubectl("apply", "--server-side", "-f", "-", input=yaml.safe_dump_all([gpu_node(n) for n in NODES]))
    status = {"status": {"capacity": {GPU: str(GPUS_PER_NODE)}, "allocatable": {GPU: str(GPUS_PER_NODE)}}}
    for name in NODES:
        api.merge_patch(f"/api/v1/nodes/{name}/status", status)
    wait_nodes_ready(kube_client)
    kubectl("create", "namespace", FILLER_NAMESPACE)
    spare = GPUS_PER_NODE * len(NODES) - sum(ceilings.values())
    assert spare > 0
    kubectl("apply", "--server-side", "-f", "-", input=yaml.safe_dump(filler(NODES[0], spare)))
    values_file = tmp_path / "gpu-rollout.yaml"
    values_file.write_text(yaml.safe_dump(values(ceilings)))
    args = ["-f", str(paths.env_values_file("live")), "-f", str(values_file)]
    rendered = install.render("live", NAMESPACE, args[2:])
    kubectl("apply", "--server-side", "-f", "-", input=yaml.safe_dump(install.namespace_object(NAMESPACE)))
    volumes_for_claims([o for o in rendered if o["kind"] == "PersistentVolumeClaim"], NAMESPACE)
    return args, rendered


def volumes_of(namespace: str) -> list[str]:
    return [v["metadata"]["name"] for v in claimed_volumes(namespace)]


def gpu_pods() -> list[dict]:
    return [p for p in kubectl_json("get", "pods", "-n", NAMESPACE)["items"]
            if p["metadata"]["labels"].get("app") and "helm.sh/hook" not in (p["metadata"].get("annotations") or {})]


def test_gpu_services_at_their_ceilings_roll_an_image_change_with_no_free_gpu(kube_cluster, tmp_path):
    kube_client = kube_cluster.kube_client
    live = install.render("live", NAMESPACE)
    gpu_names = gpu_deployments(live)
    ceilings = {h["spec"]["scaleTargetRef"]["name"]: h["spec"]["maxReplicas"]
                for h in live if h["kind"] == "HorizontalPodAutoscaler"
                and h["spec"]["scaleTargetRef"]["name"] in gpu_names}
    # The design's ceilings, not lowered to fit a pool.
    assert ceilings == {"ml-service": 10, "sentiment-service": 8, "insights-service": 5, "smart-reply-service": 10}
    try:
        args, rendered = start(kube_client, tmp_path, ceilings)
        for d in (o for o in rendered if o["kind"] == "Deployment" and o["metadata"]["name"] in ceilings):
            assert d["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 0, "maxUnavailable": 1}
        helm("upgrade", "--install", RELEASE, str(paths.UMBRELLA), *args, "-n", NAMESPACE,
             "--wait", "--timeout", HELM_TIMEOUT)
        wait_at_floor(kube_client, NAMESPACE, ceilings, exact=True)
        assert free_gpus() == 0
        assert {p["spec"]["nodeName"] for p in gpu_pods() if p["metadata"]["labels"]["app"] in ceilings} <= set(NODES)

        helm("upgrade", RELEASE, str(paths.UMBRELLA), *args, "-n", NAMESPACE, "--set", "global.image.tag=2.6.4",
             "--wait", "--timeout", HELM_TIMEOUT)
        deployments = wait_at_floor(kube_client, NAMESPACE, ceilings, exact=True)
        for d in deployments:
            (container,) = d["spec"]["template"]["spec"]["containers"]
            assert container["image"].endswith(":2.6.4"), container["image"]
        pods = [p for p in gpu_pods() if p["metadata"]["labels"]["app"] in ceilings
                and not p["metadata"].get("deletionTimestamp")]
        assert len(pods) == sum(ceilings.values())
        assert all(p["spec"]["containers"][0]["image"].endswith(":2.6.4") for p in pods)
        assert all(p["status"].get("phase") == "Running" for p in pods)
        assert free_gpus() == 0
    finally:
        # The pods go first (kwok, playing their nodes' kubelets, ends them), then the nodes; the
        # namespace controller's last sweep is not waited for: the next run waits for it at its start.
        kubectl("delete", "namespace", NAMESPACE, FILLER_NAMESPACE, "--ignore-not-found", "--wait=false", check=False)
        for namespace in (NAMESPACE, FILLER_NAMESPACE):
            kubectl("wait", "--for=delete", "pod", "--all", "-n", namespace, f"--timeout={WAIT_SECONDS}s", check=False)
        kubectl("delete", "node", *NODES, "--ignore-not-found", check=False)
        if volumes := volumes_of(NAMESPACE):
            kubectl("delete", "pv", *volumes, "--ignore-not-found", "--wait=false", check=False)
