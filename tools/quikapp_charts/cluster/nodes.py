"""Node mocks, the same for both providers: kwok fake nodes and the GPU mock (labels, taint and
nvidia.com/gpu in the node's status)."""
from __future__ import annotations

import json
import time

from quikapp_charts.cluster.config import (
    CPU_NODE_CAPACITY,
    GPU_LABEL_KEY,
    GPU_LABEL_VALUE,
    GPU_NODE_CAPACITY,
    GPU_TAINT,
    GPUS_PER_NODE,
    NODE_ROLE_LABEL,
    cpu_node_names,
    gpu_node_names,
)
from quikapp_charts.cluster import api
from quikapp_charts.cluster.kube import apply, kubectl, kubectl_json
from quikapp_charts.core.errors import UserError
from quikapp_charts.core.resources import GPU

# The node lifecycle controller keeps these on a node until it has seen the node Ready (and puts
# them back when it stops hearing from it); the scheduler places nothing on a node that has them.
NOT_READY_TAINTS = ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")


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
    patch = {"status": {"capacity": {GPU: count}, "allocatable": {GPU: count}}}
    kubectl("patch", "node", name, "--subresource=status", "--type=merge", "-p", json.dumps(patch))


def local_nodes(nodes: int, gpu_nodes: int) -> None:
    want = {n: False for n in cpu_node_names(nodes)} | {n: True for n in gpu_node_names(gpu_nodes)}
    apply(node_object(name, gpu) for name, gpu in want.items())
    # Capacity lives in status, which `apply` cannot change on an existing node (one connection:
    # a kubectl process per node took seconds for the nodes of every environment).
    for name, gpu in want.items():
        capacity = GPU_NODE_CAPACITY if gpu else CPU_NODE_CAPACITY
        api.merge_patch(f"/api/v1/nodes/{name}/status", {"status": {"capacity": capacity, "allocatable": capacity}})
    # Nodes of an earlier, larger `up` go away.
    for node in kubectl_json("get", "nodes", "-l", "type=kwok")["items"]:
        name = node["metadata"]["name"]
        if name not in want:
            kubectl("delete", "node", name, "--wait=false")


def why_not_ready(node: dict) -> str | None:
    """What keeps a node from being what `up` promises, or None: Ready=True, free of the taints the
    node controller sets until it has seen the node Ready, schedulable, and a GPU node tainted with
    its nvidia.com/gpu in allocatable (a CPU node with none)."""
    spec, status = node.get("spec") or {}, node.get("status") or {}
    ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
    if not ready or ready.get("status") != "True":
        return f"Ready is {ready.get('status') if ready else 'not reported'}"
    taints = spec.get("taints") or []
    held = [t["key"] for t in taints if t.get("key") in NOT_READY_TAINTS]
    if held:
        return f"still tainted {held[0]}"
    if spec.get("unschedulable"):
        return "cordoned"
    gpus = (status.get("allocatable") or {}).get(GPU)
    if (node["metadata"].get("labels") or {}).get(NODE_ROLE_LABEL) == "gpu":
        if GPU_TAINT not in [{k: t.get(k) for k in GPU_TAINT} for t in taints]:
            return f"no {GPU_TAINT['key']} taint"
        if gpus != str(GPUS_PER_NODE):
            return f"{GPU} allocatable is {gpus or 'missing'}"
    elif gpus is not None:
        return f"a CPU node with {GPU} {gpus}"
    return None


def nodes_waiting(cpu_nodes: int, gpu_nodes: int) -> list[str]:
    """What `up` still waits for: each pool (the nodes labelled quikapp.io/node-pool) at its size,
    and every node in it ready (why_not_ready). Empty when the cluster is as asked."""
    items = kubectl_json("get", "nodes", "-l", NODE_ROLE_LABEL)["items"]
    waiting = []
    for pool, want in (("cpu", cpu_nodes), ("gpu", gpu_nodes)):
        have = sum(1 for n in items if n["metadata"]["labels"].get(NODE_ROLE_LABEL) == pool)
        if have != want:
            waiting.append(f"the {pool} pool has {have} nodes, not {want}")
    for node in sorted(items, key=lambda n: n["metadata"]["name"]):
        reason = why_not_ready(node)
        if reason:
            waiting.append(f"{node['metadata']['name']}: {reason}")
    return waiting


def wait_for_nodes(cpu_nodes: int, gpu_nodes: int, timeout: float = 300, hint: str = "") -> None:
    """Wait, as `kubectl wait` would, until nodes_waiting is empty; one line naming what is not."""
    deadline = time.monotonic() + timeout
    while True:
        waiting = nodes_waiting(cpu_nodes, gpu_nodes)
        if not waiting:
            return
        if time.monotonic() > deadline:
            more = f" (and {len(waiting) - 1} more)" if len(waiting) > 1 else ""
            raise UserError(f"nodes not ready after {timeout:.0f}s: {waiting[0]}{more}{hint}")
        time.sleep(0.5)
