"""The real kube-scheduler's answer to "does ENV fit at this point?", on the local cluster.

A node pool shaped like production (node_pool.py) is added to the running local cluster as kwok
nodes labelled with the run's name, while the environment renders; a namespace of the run's own
(Pod Security `restricted`) gets copies of the rendered objects pods need to be admitted
(ServiceAccounts, ConfigMaps, claims bound to static volumes, the ResourceQuota) and of every
Deployment with spec.replicas set to the asked point and a nodeSelector for the pool. Copies, not
`helm install` and `kubectl scale`: an HPA would move the counts while we look, and the release's
Services, Ingresses, policies and hooks play no part in placement. The ResourceQuota is copied,
so pods the quota refuses are never created, as in production.

When every ReplicaSet has created its pods (or the quota refused them) and every pod is bound or
marked unschedulable by the scheduler, the placement is read back: pods pending with the
scheduler's own message, pods refused by the quota, utilisation per node, GPU nodes left idle,
and the spread over nodes and zones of every Deployment with pod anti-affinity. Afterwards, also
when the run fails, the pool's nodes are removed and the namespace with its volumes deleted (the
API server empties it in the background; the next run waits for it to be gone).
"""
from __future__ import annotations

import contextlib
import copy
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from quikapp_charts.capacity import node_pool
from quikapp_charts.capacity.demand import Demand
from quikapp_charts.cluster import api, kube, storage
from quikapp_charts.core.errors import UserError
from quikapp_charts.core.resources import GPU, quantity

RUN_LABEL = "quikapp.io/capacity-run"
COPIED_KINDS = ("ServiceAccount", "ConfigMap", "Secret", "PersistentVolumeClaim", "ResourceQuota",
                "LimitRange")
NODE_PREFIX = "capacity"
WAIT_S = 600  # bounds a hang; a loaded two-core machine takes minutes where an idle one takes seconds


def namespace_for(env: str) -> str:
    return f"quikapp-capacity-{env}"[:63]


def _is_hook(obj: dict) -> bool:
    return "helm.sh/hook" in ((obj.get("metadata") or {}).get("annotations") or {})


def copies(objects: list[dict], model: Demand, point: str, namespace: str, run: str) -> tuple[list, list]:
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
            # No container runs on a kwok node: the pods may go at once when the run is removed.
            # With their grace period (Elixir's is 90 s) each would be written twice on the way
            # out, and the namespace controller would look again only after half of it.
            pod["terminationGracePeriodSeconds"] = 0
            workloads.append(moved)
        else:
            support.append(moved)
    return support, workloads


def _namespace(name: str, run: str) -> dict:
    labels = {"kubernetes.io/metadata.name": name, RUN_LABEL: run}
    for mode in ("enforce", "warn", "audit"):
        labels[f"pod-security.kubernetes.io/{mode}"] = "restricted"
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def remove(run: str, namespace: str, timeout: float = WAIT_S) -> None:
    """Remove what a run left: the pool's nodes (gone when this returns), the namespace and its
    volumes (deleted; the API server's namespace controller empties it in the background, seconds
    for hundreds of pods, and the volumes go with their claims). A terminating namespace admits no
    new object, so its ReplicaSets recreate no pod; the pods (grace period 0) go at once."""
    kube.kubectl("delete", "namespace", namespace, "--ignore-not-found", "--wait=false")
    if volumes := _volumes(namespace):
        kube.kubectl("delete", "pv", "--ignore-not-found", "--wait=false", *volumes)
    if _pool_nodes(run):
        api.delete_collection("/api/v1/nodes", labelSelector=f"{RUN_LABEL}={run}")
    kube.wait_for("removing the pool's nodes", lambda: not _pool_nodes(run), timeout)


def clean(run: str, namespace: str, timeout: float = WAIT_S) -> None:
    """Before a run: what an earlier run (finished, failed or interrupted) left is removed and gone."""
    remove(run, namespace, timeout)
    kube.kubectl("wait", "--for=delete", f"namespace/{namespace}", f"--timeout={int(timeout)}s",
                 timeout=timeout + 10)
    kube.wait_for("removing the volumes of an earlier run", lambda: not _volumes(namespace), timeout)


def _volumes(namespace: str) -> list[str]:
    return [pv["metadata"]["name"] for pv in storage.claimed_volumes(namespace)]


def _pool_nodes(run: str) -> list[dict]:
    return api.get("/api/v1/nodes", labelSelector=f"{RUN_LABEL}={run}")["items"]


def _create(objects: list[dict], parallel: int = 4) -> None:
    """POST each object, a few at a time on one connection pool: the API server answers several at
    once."""
    with ThreadPoolExecutor(parallel) as pool:
        list(pool.map(api.create, objects))


def _pool_ready(run: str, count: int) -> bool:
    """Every node of the pool Ready (kwok's part) and rid of the not-ready taint the API server
    puts on a new node (the node controller's part): before both, the scheduler would turn the
    pods away."""
    nodes = _pool_nodes(run)
    return len(nodes) == count and all(
        (_condition(n, "Ready") or {}).get("status") == "True"
        and not any(t.get("key", "").startswith("node.kubernetes.io/") for t in n["spec"].get("taints") or [])
        for n in nodes)


def _condition(obj: dict, kind: str) -> dict | None:
    return next((c for c in (obj.get("status") or {}).get("conditions") or [] if c.get("type") == kind), None)


def _unschedulable(pod: dict) -> bool:
    return (_condition(pod, "PodScheduled") or {}).get("reason") == "Unschedulable"


def _settled(namespace: str, workloads: list[dict]) -> tuple[bool, list[dict]]:
    """Every ReplicaSet (StatefulSet) created its pods or was refused; every pod not bound to a
    node marked unschedulable by the scheduler. Asks only for the pods without a node: the list
    of every pod, hundreds, is read once at the end."""
    apps = f"/apis/apps/v1/namespaces/{namespace}"
    sets = [{**s, "kind": kind} for kind, path in (("ReplicaSet", "replicasets"), ("StatefulSet", "statefulsets"))
            if any(w["kind"] == ("Deployment" if kind == "ReplicaSet" else kind) for w in workloads)
            for s in api.get(f"{apps}/{path}")["items"]]
    unbound = api.get(f"/api/v1/namespaces/{namespace}/pods", fieldSelector="spec.nodeName=")["items"]
    if len(sets) < len(workloads) or not all(_unschedulable(pod) for pod in unbound):
        return False, sets
    stuck = {_owner(pod) for pod in unbound}  # a StatefulSet creates no pod after an unschedulable one
    for s in sets:
        status = s.get("status") or {}
        if status.get("observedGeneration", 0) < s["metadata"].get("generation", 1):
            return False, sets
        if (status.get("replicas", 0) < s["spec"].get("replicas", 0) and not _condition(s, "ReplicaFailure")
                and not (s["kind"] == "StatefulSet" and s["metadata"]["name"] in stuck)):
            return False, sets
    return True, sets


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


def _placement(model: Demand, state: dict, nodes: list[dict]) -> dict:
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


@contextlib.contextmanager
def schedule(env: str, render: Callable[[], tuple[Demand, list[dict]]], point: str, pools: list[node_pool.Pool],
             zones: int = node_pool.DEFAULT_ZONES, timeout: float = WAIT_S) -> Iterator[tuple[Demand, dict]]:
    """Place ENV at the point on the pools with the real scheduler: yields its model (from `render`,
    which renders ENV while the pool's nodes are created and kwok readies them) and the placement.
    The pool is removed and the namespace deleted when the block ends: the caller reports the
    answer first, and nobody waits for the namespace controller (seconds for hundreds of pods)."""
    if not kube.api_ready():
        raise UserError("the cluster is not running; start it with `quikapp-charts cluster up`")
    run, namespace = f"{NODE_PREFIX}-{env}"[:63], namespace_for(env)
    clean(run, namespace)
    try:
        kube.say(f"adding {sum(p.count for p in pools)} nodes ({', '.join(p.describe() for p in pools)}) "
                 f"in {zones} zones")
        started = time.monotonic()
        nodes = [node_pool.node_object(name, pool, i, zones, {RUN_LABEL: run})
                 for name, pool, i in node_pool.node_names(pools, run)]
        with ThreadPoolExecutor(1) as background:
            created = background.submit(_create, nodes)
            model, objects = render()
            created.result()
        support, workloads = copies(objects, model, point, namespace, run)
        api.create(_namespace(namespace, run))
        claims = [o for o in support if o["kind"] == "PersistentVolumeClaim"]
        if claims:
            storage.volumes_for_claims(claims, namespace)
        if support:
            _create(support, parallel=1)
        kube.wait_for("pool nodes", lambda: _pool_ready(run, len(nodes)), WAIT_S)
        if claims:
            kube.wait_for("claims", lambda: all(
                (c.get("status") or {}).get("phase") == "Bound"
                for c in api.get(f"/api/v1/namespaces/{namespace}/persistentvolumeclaims")["items"]), WAIT_S)
        pool_seconds = time.monotonic() - started
        kube.say(f"{len(nodes)} nodes ready in {pool_seconds:.0f}s; scaling {len(workloads)} Deployments to "
                 f"{sum(w['spec']['replicas'] for w in workloads)} pods in {namespace}; waiting for the scheduler")
        started = time.monotonic()
        _create(workloads)
        deadline, sets = started + timeout, []
        while True:
            done, sets = _settled(namespace, workloads)
            if done:
                break
            if time.monotonic() > deadline:
                raise UserError(f"{namespace}: the scheduler had not placed or refused every pod after "
                                f"{timeout:.0f}s")
            time.sleep(1)
        seconds = time.monotonic() - started
        state = {"replicaSets": sets, "pods": api.get(f"/api/v1/namespaces/{namespace}/pods")["items"]}
        result = _placement(model, state, _pool_nodes(run))
        result.update({"namespace": namespace, "seconds": round(seconds, 1), "poolSeconds": round(pool_seconds, 1),
                       "zones": zones, "poolNodes": len(nodes),
                       "otherNodes": len(api.get("/api/v1/nodes")["items"]) - len(nodes)})
        yield model, result
    finally:
        kube.say(f"removing the pool's nodes; namespace {namespace} is deleted in the background")
        remove(run, namespace)
