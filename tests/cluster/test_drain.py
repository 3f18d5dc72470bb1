"""A node drain goes through: the PodDisruptionBudgets allow evictions, and every environment's
Deployments (the representative environments') come back to their replica floor on the other nodes.

(A PDB whose minAvailable equals the replica floor would block the drain for good.)
"""
from __future__ import annotations

import pytest

from clusterlib import REPRESENTATIVES, kubectl, kubectl_json, wait_at_floor
from quikapp_charts.cluster.config import CLUSTER_NAME
from support import floors

pytestmark = pytest.mark.cluster


def test_draining_the_busiest_node_respects_the_pdbs(installed):
    envs = [installed(env) for env in REPRESENTATIVES]
    with_pdbs = [inst for inst in envs if inst.of_kind("PodDisruptionBudget")]
    assert with_pdbs, "no environment renders a PodDisruptionBudget"
    namespaces = {inst.namespace for inst in with_pdbs}
    counts: dict[str, int] = {}
    for pod in kubectl_json("get", "pods", "-A")["items"]:
        node = pod["spec"].get("nodeName")
        if pod["metadata"]["namespace"] in namespaces and node and not node.startswith(f"{CLUSTER_NAME}-gpu"):
            counts[node] = counts.get(node, 0) + 1
    node = max(counts, key=counts.get)
    try:
        result = kubectl("drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=600s",
                         check=False)
        assert result.returncode == 0, result.stderr[-3000:]
        left = [p["metadata"]["name"] for p in kubectl_json("get", "pods", "-A", "--field-selector",
                                                            f"spec.nodeName={node}")["items"]]
        assert left == []
        for inst in envs:
            wait_at_floor(installed.kube_client, inst.namespace, floors(inst.rendered))
    finally:
        kubectl("uncordon", node)
