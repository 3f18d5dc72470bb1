"""`cluster install` refuses, in one line, an environment the cluster's nodes cannot hold."""
from __future__ import annotations

import pytest

from quikapp_charts.cluster import install
from quikapp_charts.cluster.config import cpu_node_names, gpu_node_names
from quikapp_charts.cluster.nodes import node_object
from quikapp_charts.core.errors import UserError


def deployment(name: str, replicas: int, gpus: int = 0, one_per_node: bool = False) -> dict:
    spec: dict = {"containers": [{"name": name, "resources": {"limits": {"nvidia.com/gpu": str(gpus)} if gpus else {}}}]}
    if one_per_node:
        spec["affinity"] = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": {"app": name}}}]}}
    return {"kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "template": {"spec": spec}}}


@pytest.fixture
def fake_cluster(monkeypatch):
    nodes = [node_object(n, gpu=False) for n in cpu_node_names(3)]
    nodes += [node_object(n, gpu=True) for n in gpu_node_names(1)]
    answers = {"nodes": {"items": nodes}, "pods": {"items": []}}
    monkeypatch.setattr(install, "kubectl_json", lambda *args: answers[args[1]])


def test_too_few_gpus(fake_cluster):
    with pytest.raises(UserError, match=r"live needs 7 nvidia.com/gpu .* 4 free; .*--gpu-nodes 2"):
        install.check_capacity("live", [deployment("ml-service", 7, gpus=1)], "quikapp-prod")


def test_too_few_nodes_for_one_pod_per_node(fake_cluster):
    with pytest.raises(UserError, match=r"elixir-realtime runs 10 replicas, one per node, .* 3 CPU nodes"):
        install.check_capacity("live", [deployment("elixir-realtime", 10, one_per_node=True)], "quikapp-prod")


def test_enough_room_passes(fake_cluster):
    install.check_capacity("local", [deployment("ml-service", 4, gpus=1),
                                     deployment("elixir-realtime", 3, one_per_node=True)], "quikapp-local")
