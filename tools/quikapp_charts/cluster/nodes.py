"""Node mocks, the same for both providers: kwok fake nodes and the GPU mock (labels, taint and
nvidia.com/gpu in the node's status)."""
from __future__ import annotations

import json

from .config import (CPU_NODE_CAPACITY, GPU_LABEL_KEY, GPU_LABEL_VALUE, GPU_NODE_CAPACITY, GPU_RESOURCE,
                     GPU_TAINT, GPUS_PER_NODE, NODE_ROLE_LABEL, cpu_node_names, gpu_node_names)
from .kube import apply, kubectl, kubectl_json


def node_object(name: str, gpu: bool) -> dict:
    labels = {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "type": "kwok",
        NODE_ROLE_LABEL: "gpu" if gpu else "cpu",
    }
    spec: dict = {}
    if gpu:
        labels[GPU_LABEL_KEY] = GPU_LABEL_VALUE
        spec["taints"] = [GPU_TAINT]
    capacity = GPU_NODE_CAPACITY if gpu else CPU_NODE_CAPACITY
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": labels,
            "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
        },
        "spec": spec,
        "status": {"capacity": dict(capacity), "allocatable": dict(capacity)},
    }


def mock_gpu(name: str) -> None:
    """Make a node look like a GPU node: label, taint, and nvidia.com/gpu in its status."""
    kubectl("label", "node", name, "--overwrite", f"{GPU_LABEL_KEY}={GPU_LABEL_VALUE}",
            f"{NODE_ROLE_LABEL}=gpu")
    kubectl("taint", "node", name, "--overwrite",
            f"{GPU_TAINT['key']}={GPU_TAINT['value']}:{GPU_TAINT['effect']}")
    count = str(GPUS_PER_NODE)
    patch = {"status": {"capacity": {GPU_RESOURCE: count}, "allocatable": {GPU_RESOURCE: count}}}
    kubectl("patch", "node", name, "--subresource=status", "--type=merge", "-p", json.dumps(patch))


def local_nodes(nodes: int, gpu_nodes: int) -> None:
    want = {n: False for n in cpu_node_names(nodes)} | {n: True for n in gpu_node_names(gpu_nodes)}
    apply(node_object(name, gpu) for name, gpu in want.items())
    # Capacity lives in status, which `apply` cannot change on an existing node.
    for name, gpu in want.items():
        capacity = GPU_NODE_CAPACITY if gpu else CPU_NODE_CAPACITY
        patch = {"status": {"capacity": capacity, "allocatable": capacity}}
        kubectl("patch", "node", name, "--subresource=status", "--type=merge", "-p", json.dumps(patch))
    # Nodes of an earlier, larger `up` go away.
    for node in kubectl_json("get", "nodes", "-l", "type=kwok")["items"]:
        name = node["metadata"]["name"]
        if name not in want:
            kubectl("delete", "node", name, "--wait=false")


def nodes_ready(expected: int) -> bool:
    items = kubectl_json("get", "nodes")["items"]
    ready = [
        n for n in items
        if any(c["type"] == "Ready" and c["status"] == "True" for c in n.get("status", {}).get("conditions", []))
        and not n["spec"].get("unschedulable")
    ]
    return len(ready) >= expected
