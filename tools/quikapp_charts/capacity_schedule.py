"""The real kube-scheduler's answer to "does ENV fit at this point?", on the local cluster.

A node pool shaped like production (node_pool.py) is added to the running local cluster as kwok
nodes, labelled with the run's name; a namespace of the run's own (Pod Security `restricted`) gets
copies of the rendered objects pods need to be admitted (ServiceAccounts, ConfigMaps, claims bound
to static volumes, the ResourceQuota) and of every Deployment with spec.replicas set to the asked
point and a nodeSelector for the pool. Copies, not `helm install` and `kubectl scale`: an HPA
would move the counts while we look, and the release's Services, Ingresses, policies and hooks
play no part in placement. The ResourceQuota is copied, so pods the quota refuses are never
created, as in production.

When every ReplicaSet has created its pods (or the quota refused them) and every pod is bound or
marked unschedulable by the scheduler, the placement is read back: pods pending with the
scheduler's own message, pods refused by the quota, utilisation per node, GPU nodes left idle,
and the spread over nodes and zones of every Deployment with pod anti-affinity. The namespace,
its volumes and the pool's nodes are removed afterwards, also when the run fails.
"""
from __future__ import annotations

import copy
import re
import time
from decimal import Decimal

import yaml

from . import node_pool
from .capacity_model import GPU, Model, quantity
from .cluster import kube, storage
from .errors import UserError

RUN_LABEL = "quikapp.io/capacity-run"
COPIED_KINDS = ("ServiceAccount", "ConfigMap", "Secret", "PersistentVolumeClaim", "ResourceQuota",
                "LimitRange")
NODE_PREFIX = "capacity"


def namespace_for(env: str) -> str:
    return f"quikapp-capacity-{env}"[:63]


def _is_hook(obj: dict) -> bool:
    return "helm.sh/hook" in ((obj.get("metadata") or {}).get("annotations") or {})


def copies(objects: list[dict], model: Model, point: str, namespace: str, run: str) -> tuple[list, list]:
    """(objects the pods need, the scaled Deployments), all moved into namespace."""
    replicas = {w.name: w.replicas(point) for w in model.workloads}
    support, workloads = [], []
    for obj in objects:
        kind = obj.get("kind")
        if _is_hook(obj) or kind not in (*COPIED_KINDS, "Deployment", "StatefulSet"):
            continue
        moved = copy.deepcopy(obj)
        moved["metadata"]["namespace"] = namespace
        if kind in ("Deployment", "StatefulSet"):
            moved["spec"]["replicas"] = replicas[moved["metadata"]["name"]]
            pod = moved["spec"]["template"]["spec"]
            pod["nodeSelector"] = {**(pod.get("nodeSelector") or {}), RUN_LABEL: run}
            workloads.append(moved)
        else:
            support.append(moved)
    return support, workloads


def _namespace(name: str, run: str) -> dict:
    labels = {"kubernetes.io/metadata.name": name, RUN_LABEL: run}
    for mode in ("enforce", "warn", "audit"):
        labels[f"pod-security.kubernetes.io/{mode}"] = "restricted"
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def clean(run: str, namespace: str, timeout: float = 180) -> None:
    """Remove what a run (this one or an interrupted earlier one) left: namespace, volumes, nodes."""
    kube.kubectl("delete", "namespace", namespace, "--ignore-not-found", "--wait=true",
                 f"--timeout={int(timeout)}s", timeout=timeout + 10)
    volumes = [pv["metadata"]["name"] for pv in kube.kubectl_json("get", "pv")["items"]
               if ((pv["spec"].get("claimRef") or {}).get("namespace")) == namespace]
    if volumes:
        kube.kubectl("delete", "pv", "--ignore-not-found", "--wait=false", *volumes)
    kube.kubectl("delete", "nodes", "-l", f"{RUN_LABEL}={run}", "--ignore-not-found", "--wait=true",
                 timeout=timeout)


def _ready_nodes(run: str) -> int:
    return sum(1 for n in kube.kubectl_json("get", "nodes", "-l", f"{RUN_LABEL}={run}")["items"]
               if any(c["type"] == "Ready" and c["status"] == "True"
                      for c in (n.get("status") or {}).get("conditions") or []))


def _condition(obj: dict, kind: str) -> dict | None:
    return next((c for c in (obj.get("status") or {}).get("conditions") or [] if c.get("type") == kind), None)


def _settled(namespace: str, deployments: int) -> tuple[bool, dict]:
    """Every ReplicaSet created its pods or was refused; every pod bound or unschedulable."""
    replica_sets = kube.kubectl_json("get", "replicasets", "-n", namespace)["items"]
    pods = kube.kubectl_json("get", "pods", "-n", namespace)["items"]
    state = {"replicaSets": replica_sets, "pods": pods}
    if len(replica_sets) < deployments:
        return False, state
    for rs in replica_sets:
        status = rs.get("status") or {}
        if status.get("observedGeneration", 0) < rs["metadata"].get("generation", 1):
            return False, state
        if status.get("replicas", 0) < rs["spec"].get("replicas", 0) and not _condition(rs, "ReplicaFailure"):
            return False, state
    for pod in pods:
        scheduled = _condition(pod, "PodScheduled")
        if not pod["spec"].get("nodeName") and not (scheduled and scheduled.get("reason") == "Unschedulable"):
            return False, state
    return True, state


def _requests(pod: dict) -> dict[str, Decimal]:
    total = {"cpu": Decimal(0), "memory": Decimal(0), GPU: Decimal(0)}
    for c in pod["spec"].get("containers") or []:
        res = c.get("resources") or {}
        req = {**(res.get("limits") or {}), **(res.get("requests") or {})}
        for key in total:
            if key in req:
                total[key] += quantity(req[key])
    return total


def _owner(pod: dict) -> str:
    """The Deployment a pod belongs to (its `app` label, which the charts set to the name)."""
    return (pod["metadata"].get("labels") or {}).get("app") or pod["metadata"]["name"].rsplit("-", 2)[0]


def _placement(model: Model, state: dict, nodes: list[dict]) -> dict:
    by_node = {n["metadata"]["name"]: n for n in nodes}
    used = {name: {"cpu": Decimal(0), "memory": Decimal(0), GPU: Decimal(0), "pods": 0} for name in by_node}
    pending, spread = [], {}
    for pod in state["pods"]:
        node = pod["spec"].get("nodeName")
        owner = _owner(pod)
        if not node:
            scheduled = _condition(pod, "PodScheduled") or {}
            pending.append({"pod": pod["metadata"]["name"], "deployment": owner,
                            "reason": scheduled.get("reason", ""), "message": scheduled.get("message", "")})
            continue
        if node in used:
            for key, amount in _requests(pod).items():
                used[node][key] += amount
            used[node]["pods"] += 1
            zone = (by_node[node]["metadata"].get("labels") or {}).get(node_pool.ZONE_LABEL, "")
            entry = spread.setdefault(owner, {"nodes": {}, "zones": {}})
            entry["nodes"][node] = entry["nodes"].get(node, 0) + 1
            entry["zones"][zone] = entry["zones"].get(zone, 0) + 1
    refused = []
    for rs in state["replicaSets"]:
        created, wanted = (rs.get("status") or {}).get("replicas", 0), rs["spec"].get("replicas", 0)
        if created < wanted:
            failure = _condition(rs, "ReplicaFailure") or {}
            refused.append({"deployment": (rs["metadata"].get("labels") or {}).get("app", rs["metadata"]["name"]),
                            "refused": wanted - created, "message": failure.get("message", "")})
    node_rows = []
    for name, node in sorted(by_node.items(), key=lambda item: _natural(item[0])):
        labels = node["metadata"].get("labels") or {}
        alloc = (node.get("status") or {}).get("allocatable") or {}
        row = {"name": name, "pool": labels.get(node_pool.POOL_LABEL, ""),
               "zone": labels.get(node_pool.ZONE_LABEL, ""), "pods": used[name]["pods"]}
        for key, short in (("cpu", "cpu"), ("memory", "memory"), (GPU, "gpu")):
            have = quantity(alloc.get(key, 0))
            row[short] = {"used": float(round(used[name][key] / (2**30 if key == "memory" else 1), 3)),
                          "allocatable": float(round(have / (2**30 if key == "memory" else 1), 3)),
                          "share": float(round(used[name][key] / have, 4)) if have else None}
        node_rows.append(row)
    anti = {w.name: w.anti_affinity for w in model.workloads}
    spread_rows = [{"deployment": name, "antiAffinity": anti.get(name, "none"), "pods": sum(e["nodes"].values()),
                    "nodes": len(e["nodes"]), "maxPerNode": max(e["nodes"].values()),
                    "zones": dict(sorted(e["zones"].items()))}
                   for name, e in sorted(spread.items()) if anti.get(name, "none") != "none"]
    gpu_nodes = [r for r in node_rows if r["gpu"]["allocatable"]]
    return {
        "pods": len(state["pods"]), "scheduled": len(state["pods"]) - len(pending),
        "pending": sorted(pending, key=lambda p: p["pod"]), "refusedByQuota": refused,
        "nodes": node_rows, "idleGpuNodes": [r["name"] for r in gpu_nodes if not r["gpu"]["used"]],
        "spread": spread_rows,
    }


def _natural(name: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name))


def schedule(model: Model, objects: list[dict], point: str, pools: list[node_pool.Pool],
             zones: int = node_pool.DEFAULT_ZONES, timeout: float = 300) -> dict:
    """Place ENV at the point on the pools with the real scheduler; the placement as data."""
    if not kube.api_ready():
        raise UserError("the cluster is not running; start it with `quikapp-charts cluster up`")
    run, namespace = f"{NODE_PREFIX}-{model.env}"[:63], namespace_for(model.env)
    clean(run, namespace)
    try:
        kube.say(f"adding {sum(p.count for p in pools)} nodes ({', '.join(p.describe() for p in pools)}) "
                 f"in {zones} zones")
        nodes = [node_pool.node_object(name, pool, i, zones, {RUN_LABEL: run})
                 for name, pool, i in node_pool.node_names(pools, run)]
        kube.kubectl("create", "-f", "-", input=yaml.safe_dump_all(nodes, sort_keys=False))  # create keeps the status (capacity)
        kube.wait_for("pool nodes", lambda: _ready_nodes(run) == len(nodes), 120)
        support, workloads = copies(objects, model, point, namespace, run)
        kube.apply([_namespace(namespace, run)])
        claims = [o for o in support if o["kind"] == "PersistentVolumeClaim"]
        if claims:
            storage.volumes_for_claims(claims, namespace)
        if support:
            kube.apply(support)
        if claims:
            kube.wait_for("claims", lambda: all(
                (c.get("status") or {}).get("phase") == "Bound"
                for c in kube.kubectl_json("get", "pvc", "-n", namespace)["items"]), 60)
        kube.say(f"scaling {len(workloads)} Deployments to {sum(w['spec']['replicas'] for w in workloads)} "
                 f"pods in {namespace}; waiting for the scheduler")
        started = time.monotonic()
        kube.apply(workloads)
        deadline, state = started + timeout, {}
        while True:
            done, state = _settled(namespace, len(workloads))
            if done:
                break
            if time.monotonic() > deadline:
                raise UserError(f"{namespace}: the scheduler had not placed or refused every pod after "
                                f"{timeout:.0f}s ({len(state.get('pods', []))} pods created)")
            time.sleep(1)
        seconds = time.monotonic() - started
        placed = kube.kubectl_json("get", "nodes", "-l", f"{RUN_LABEL}={run}")["items"]
        result = _placement(model, state, placed)
        result.update({"namespace": namespace, "seconds": round(seconds, 1), "zones": zones,
                       "poolNodes": len(nodes)})
        return result
    finally:
        kube.say(f"removing namespace {namespace} and the pool's nodes")
        clean(run, namespace)
