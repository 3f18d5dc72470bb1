"""`cluster status`: the nodes, and which pod runs on which node."""
from __future__ import annotations

import re
from collections.abc import Sequence

from quikapp_charts.cluster.config import NODE_ROLE_LABEL
from quikapp_charts.cluster.kube import kubectl_json
from quikapp_charts.core.resources import GPU


def pods_table(namespaces: Sequence[str] | None = None) -> str:
    nodes = {n["metadata"]["name"]: n for n in kubectl_json("get", "nodes")["items"]}
    if namespaces:
        pods = [p for ns in namespaces for p in kubectl_json("get", "pods", "-n", ns)["items"]]
    else:
        pods = [p for p in kubectl_json("get", "pods", "-A")["items"]]
    rows = [("NAMESPACE", "POD", "PHASE", "NODE", "POOL")]
    for pod in sorted(pods, key=lambda p: (p["metadata"]["namespace"], natural(p.get("spec", {}).get("nodeName", "")),
                                           p["metadata"]["name"])):
        node = pod.get("spec", {}).get("nodeName") or "-"
        pool = nodes.get(node, {}).get("metadata", {}).get("labels", {}).get(NODE_ROLE_LABEL, "-")
        rows.append((pod["metadata"]["namespace"], pod["metadata"]["name"],
                     pod.get("status", {}).get("phase", "?"), node, pool))
    return format_table(rows)


def nodes_table() -> str:
    pods = kubectl_json("get", "pods", "-A", "--field-selector=status.phase!=Succeeded")["items"]
    per_node: dict[str, int] = {}
    for pod in pods:
        node = pod.get("spec", {}).get("nodeName")
        if node:
            per_node[node] = per_node.get(node, 0) + 1
    rows = [("NODE", "POOL", "READY", "CPU", "MEMORY", "GPU", "PODS")]
    for node in sorted(kubectl_json("get", "nodes")["items"], key=lambda n: natural(n["metadata"]["name"])):
        meta, status = node["metadata"], node.get("status", {})
        ready = any(c["type"] == "Ready" and c["status"] == "True" for c in status.get("conditions", []))
        alloc = status.get("allocatable", {})
        rows.append((meta["name"], meta.get("labels", {}).get(NODE_ROLE_LABEL, "-"), "yes" if ready else "no",
                     alloc.get("cpu", "-"), alloc.get("memory", "-"), alloc.get(GPU, "-"),
                     f"{per_node.get(meta['name'], 0)}/{alloc.get('pods', '-')}"))
    return format_table(rows)


def natural(name: str) -> tuple:
    """Sort key that puts quikapp-cpu-2 before quikapp-cpu-10."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name or ""))


def format_table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)
