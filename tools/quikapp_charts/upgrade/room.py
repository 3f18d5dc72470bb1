"""Room for a rollout: the surge pods of every Deployment that restarts, against the free
allocatable of the nodes its pods may use (node selector and tolerations; GPUs included) and
against the namespace's ResourceQuota; and the PodDisruptionBudgets that allow no eviction now, which
would hold up a rollout done by draining nodes."""
from __future__ import annotations

import math
from decimal import Decimal

from quikapp_charts.core.resources import GPU, quantity

KEYS = ("cpu", "memory", GPU, "pods")


def surge_of(deployment: dict) -> int:
    """Extra pods while DEPLOYMENT rolls: its maxSurge (25% by default), percentages rounded up."""
    strategy = deployment["spec"].get("strategy") or {}
    if strategy.get("type") == "Recreate":
        return 0
    value = (strategy.get("rollingUpdate") or {}).get("maxSurge", "25%")
    replicas = int(deployment["spec"].get("replicas", 1))
    if isinstance(value, str) and value.endswith("%"):
        return math.ceil(replicas * int(value[:-1]) / 100)
    return int(value)


def pod_requests(pod_spec: dict) -> dict[str, Decimal]:
    found = {k: Decimal(0) for k in KEYS}
    found["pods"] = Decimal(1)
    for c in pod_spec.get("containers") or []:
        for k, v in ((c.get("resources") or {}).get("requests") or {}).items():
            if k in found:
                found[k] += quantity(str(v))
    return found


def tolerates(tolerations: list[dict], taint: dict) -> bool:
    for t in tolerations:
        if t.get("effect") and t["effect"] != taint.get("effect"):
            continue
        if t.get("operator") == "Exists" and (not t.get("key") or t["key"] == taint["key"]):
            return True
        if t.get("key") == taint["key"] and t.get("value", "") == taint.get("value", ""):
            return True
    return False


def eligible(node: dict, pod_spec: dict) -> bool:
    if node["spec"].get("unschedulable"):
        return False
    labels = node["metadata"].get("labels") or {}
    if any(labels.get(k) != v for k, v in (pod_spec.get("nodeSelector") or {}).items()):
        return False
    return all(tolerates(pod_spec.get("tolerations") or [], t) for t in node["spec"].get("taints") or []
               if t.get("effect") in ("NoSchedule", "NoExecute"))


def free_per_node(nodes: list[dict], pods: list[dict]) -> dict[str, dict[str, Decimal]]:
    free = {}
    for node in nodes:
        alloc = node.get("status", {}).get("allocatable") or {}
        free[node["metadata"]["name"]] = {k: quantity(str(alloc.get(k, "0"))) for k in KEYS}
    for pod in pods:
        node = pod["spec"].get("nodeName")
        if node in free and pod.get("status", {}).get("phase") not in ("Succeeded", "Failed"):
            for k, v in pod_requests(pod["spec"]).items():
                free[node][k] -= v
    return free


def _show(key: str, amount: Decimal) -> str:
    if key == "memory":
        return f"{amount / 2**30:.4g}Gi"
    return f"{amount.normalize():f}"


def nodes_room(restarting: list[dict], nodes: list[dict], pods: list[dict]) -> list[dict]:
    """Per set of nodes the restarting Deployments may use: their surge against its free room."""
    free = free_per_node(nodes, pods)
    groups: dict[tuple[str, ...], list[dict]] = {}
    for d in restarting:
        if surge_of(d):
            spec = d["spec"]["template"]["spec"]
            names = tuple(sorted(n["metadata"]["name"] for n in nodes if eligible(n, spec)))
            groups.setdefault(names, []).append(d)
    rows = []
    for names, deployments in groups.items():
        need = {k: Decimal(0) for k in KEYS}
        for d in deployments:
            for k, v in pod_requests(d["spec"]["template"]["spec"]).items():
                need[k] += v * surge_of(d)
        have = {k: sum((free[n][k] for n in names), Decimal(0)) for k in KEYS}
        short = [f"{k} needs {_show(k, need[k])}, {_show(k, max(have[k], Decimal(0)))} free"
                 for k in KEYS if need[k] > have[k]]
        rows.append({"deployments": sorted(d["metadata"]["name"] for d in deployments), "nodes": len(names),
                     "surgePods": int(need["pods"]), "need": {k: _show(k, need[k]) for k in KEYS},
                     "free": {k: _show(k, have[k]) for k in KEYS}, "fits": not short, "short": short})
    return rows


def quota_room(restarting: list[dict], quotas: list[dict]) -> list[dict]:
    """Each ResourceQuota's hard less used against the surge of every restarting Deployment at once."""
    need: dict[str, Decimal] = {}
    for d in restarting:
        surge = surge_of(d)
        spec = d["spec"]["template"]["spec"]
        need["pods"] = need.get("pods", Decimal(0)) + surge
        for c in spec.get("containers") or []:
            for kind in ("requests", "limits"):
                for k, v in ((c.get("resources") or {}).get(kind) or {}).items():
                    key = f"{kind}.{k}"
                    need[key] = need.get(key, Decimal(0)) + quantity(str(v)) * surge
    rows = []
    for q in quotas:
        hard, used = q.get("status", {}).get("hard") or {}, q.get("status", {}).get("used") or {}
        short = []
        for key, amount in need.items():
            if key in hard and amount > quantity(str(hard[key])) - quantity(str(used.get(key, "0"))):
                room = quantity(str(hard[key])) - quantity(str(used.get(key, "0")))
                short.append(f"{key} needs {_show(key.split('.')[-1], amount)}, "
                             f"{_show(key.split('.')[-1], room)} left")
        rows.append({"quota": q["metadata"]["name"], "fits": not short, "short": short})
    return rows


def blocking_budgets(budgets: list[dict]) -> list[dict]:
    """The PodDisruptionBudgets that allow no eviction right now."""
    return [{"name": b["metadata"]["name"], "disruptionsAllowed": b.get("status", {}).get("disruptionsAllowed", 0),
             "currentHealthy": b.get("status", {}).get("currentHealthy", 0)}
            for b in budgets if int(b.get("status", {}).get("disruptionsAllowed", 0)) < 1]
