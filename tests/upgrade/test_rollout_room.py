"""Room for a rollout's surge on the nodes a Deployment may use (GPUs included) and in the quota."""
from __future__ import annotations

from quikapp_charts.upgrade import room

GPU_TAINT = {"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}


def node(name: str, gpus: int = 0, cpu: str = "4") -> dict:
    alloc = {"cpu": cpu, "memory": "16Gi", "pods": "110"} | ({"nvidia.com/gpu": str(gpus)} if gpus else {})
    return {"metadata": {"name": name, "labels": {"accel": "v100"} if gpus else {}},
            "spec": {"taints": [GPU_TAINT]} if gpus else {}, "status": {"allocatable": alloc}}


def deployment(name: str, replicas: int, surge, gpus: int = 0, cpu: str = "1") -> dict:
    requests = {"cpu": cpu, "memory": "1Gi"} | ({"nvidia.com/gpu": str(gpus)} if gpus else {})
    spec = {"containers": [{"name": name, "resources": {"requests": requests, "limits": requests}}]}
    if gpus:
        spec |= {"nodeSelector": {"accel": "v100"}, "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists"}]}
    return {"metadata": {"name": name},
            "spec": {"replicas": replicas, "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": surge}},
                     "template": {"spec": spec}}}


def pod(node_name: str, gpus: int) -> dict:
    return {"spec": {"nodeName": node_name, "containers": [{"resources": {"requests": {"nvidia.com/gpu": str(gpus)}}}]},
            "status": {"phase": "Running"}}


def test_surge_rounds_percentages_up_and_recreate_has_none():
    assert room.surge_of(deployment("a", 10, "25%")) == 3
    assert room.surge_of(deployment("a", 10, 0)) == 0
    recreate = deployment("a", 4, 1)
    recreate["spec"]["strategy"] = {"type": "Recreate"}
    assert room.surge_of(recreate) == 0


def test_a_gpu_surge_on_full_gpu_nodes_does_not_fit_and_a_cpu_one_goes_elsewhere():
    nodes = [node("cpu-0"), node("gpu-0", gpus=4), node("gpu-1", gpus=4)]
    pods = [pod("gpu-0", 4), pod("gpu-1", 3)]
    rows = {tuple(r["deployments"]): r for r in room.nodes_room(
        [deployment("ml", 7, 2, gpus=1), deployment("api", 4, "25%")], nodes, pods)}
    gpu = rows[("ml",)]
    assert gpu["nodes"] == 2 and gpu["surgePods"] == 2 and not gpu["fits"]
    assert gpu["short"] == ["nvidia.com/gpu needs 2, 1 free"]
    assert rows[("api",)]["fits"] and rows[("api",)]["nodes"] == 1
    assert room.nodes_room([deployment("ml", 7, 0, gpus=1)], nodes, pods) == []


def test_the_quota_left_against_the_surge():
    quota = {"metadata": {"name": "q"}, "status": {"hard": {"requests.nvidia.com/gpu": "8", "pods": "20"},
                                                   "used": {"requests.nvidia.com/gpu": "7", "pods": "10"}}}
    (row,) = room.quota_room([deployment("ml", 7, 2, gpus=1)], [quota])
    assert not row["fits"] and row["short"] == ["requests.nvidia.com/gpu needs 2, 1 left"]
    assert room.quota_room([deployment("ml", 7, 1, gpus=1)], [quota])[0]["fits"]


def test_budgets_that_allow_no_eviction():
    budgets = [{"metadata": {"name": "a"}, "status": {"disruptionsAllowed": 0, "currentHealthy": 2}},
               {"metadata": {"name": "b"}, "status": {"disruptionsAllowed": 1, "currentHealthy": 3}}]
    assert [b["name"] for b in room.blocking_budgets(budgets)] == ["a"]
