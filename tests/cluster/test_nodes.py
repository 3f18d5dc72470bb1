"""`cluster up` returns only when every node is what it promises: Ready, free of the node
controller's not-ready and unreachable taints, and a GPU node's nvidia.com/gpu allocatable."""
from __future__ import annotations

import copy

import pytest

from quikapp_charts.cluster import nodes
from quikapp_charts.cluster.config import cpu_node_names, gpu_node_names
from quikapp_charts.core.errors import UserError


def ready(node: dict, taints: list[dict] | None = None) -> dict:
    node = copy.deepcopy(node)
    node["status"]["conditions"] = [{"type": "Ready", "status": "True"}]
    node["spec"]["taints"] = node["spec"].get("taints", []) + (taints or [])
    return node


CPU = nodes.node_object("quikapp-cpu-0", gpu=False)
GPU = nodes.node_object("quikapp-gpu-0", gpu=True)
NOT_READY = {"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}
UNREACHABLE = {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}


def test_a_ready_cpu_and_gpu_node_are_ready():
    assert nodes.why_not_ready(ready(CPU)) is None
    assert nodes.why_not_ready(ready(GPU)) is None


def test_a_node_without_ready_true_is_not():
    assert nodes.why_not_ready(CPU) == "Ready is not reported"
    unknown = copy.deepcopy(CPU)
    unknown["status"]["conditions"] = [{"type": "Ready", "status": "Unknown"}]
    assert nodes.why_not_ready(unknown) == "Ready is Unknown"


@pytest.mark.parametrize("taint", [NOT_READY, UNREACHABLE], ids=lambda t: t["key"])
def test_ready_but_still_tainted_by_the_node_controller_is_not(taint):
    """The flake: a node reported Ready before the controller had lifted not-ready."""
    assert nodes.why_not_ready(ready(CPU, [taint])) == f"still tainted {taint['key']}"
    assert nodes.why_not_ready(ready(GPU, [taint])) == f"still tainted {taint['key']}"


def test_a_gpu_node_before_its_status_patch_is_not():
    node = ready(GPU)
    del node["status"]["allocatable"]["nvidia.com/gpu"]
    assert nodes.why_not_ready(node) == "nvidia.com/gpu allocatable is missing"


def test_a_gpu_node_without_its_taint_is_not():
    node = ready(GPU)
    node["spec"]["taints"] = []
    assert nodes.why_not_ready(node) == "no nvidia.com/gpu taint"


def test_a_cordoned_node_is_not():
    node = ready(CPU)
    node["spec"]["unschedulable"] = True
    assert nodes.why_not_ready(node) == "cordoned"


def cluster_of(monkeypatch, items: list[dict]) -> None:
    monkeypatch.setattr(nodes, "kubectl_json", lambda *args: {"items": items})


def test_up_waits_for_each_pool_at_its_size(monkeypatch):
    cluster_of(monkeypatch, [ready(nodes.node_object(n, gpu=False)) for n in cpu_node_names(4)])
    assert nodes.nodes_waiting(3, 1) == ["the cpu pool has 4 nodes, not 3", "the gpu pool has 0 nodes, not 1"]


def test_up_names_the_node_it_waits_for(monkeypatch):
    items = [ready(nodes.node_object(n, gpu=False)) for n in cpu_node_names(2)]
    items += [ready(nodes.node_object(gpu_node_names(1)[0], gpu=True), [NOT_READY])]
    cluster_of(monkeypatch, items)
    assert nodes.nodes_waiting(2, 1) == ["quikapp-gpu-0: still tainted node.kubernetes.io/not-ready"]
    with pytest.raises(UserError, match=r"^nodes not ready after 0s: quikapp-gpu-0: still tainted "):
        nodes.wait_for_nodes(2, 1, timeout=0)
    items[-1] = ready(nodes.node_object(gpu_node_names(1)[0], gpu=True))
    assert nodes.nodes_waiting(2, 1) == []
    nodes.wait_for_nodes(2, 1, timeout=0)
