"""The capacity report as data (the JSON document of `quikapp-charts capacity -o json`), and the
verdict: whether the environment fits at the asked point, and if not, why, in one line."""
from __future__ import annotations

from decimal import Decimal

from quikapp_charts.capacity import node_pool
from quikapp_charts.capacity.demand import Demand, Figures, point_label, show
from quikapp_charts.core import report_templates
from quikapp_charts.core.resources import GPU


def _number(key: str, amount: Decimal) -> float | int:
    """JSON figures: cores as floats, memory and storage in GiB, counts as integers."""
    if key in ("requests.memory", "limits.memory", "requests.storage"):
        return float(round(amount / Decimal(2**30), 3))
    if key.endswith("cpu"):
        return float(round(amount, 3))
    return int(amount)


def _figures(figures: Figures) -> dict:
    return {"total": {k: _number(k, v) for k, v in figures.total.items()},
            "stacks": {s: {k: _number(k, v) for k, v in f.items()} for s, f in figures.per_stack.items()}}


def points_of(point: str) -> list[str]:
    """The points a report shows: the floor, the HPA ceilings and the asked point between them."""
    return list(dict.fromkeys(["floor", point, "max"]))


def verdict(model: Demand, point: str, pool_problems: list[str] | None = None,
            schedule: dict | None = None) -> str | None:
    """None when the environment fits at the point (with its rolling-update surge, in the pool, on
    the scheduler); else the reason, one line."""
    reasons = []
    over = model.over_quota(model.figures(point))
    if over:
        reasons.append("quota " + ", ".join(f"{k} {show(k, used)} > {show(k, hard)}" for k, used, hard in over))
    else:
        over_surge = model.over_quota(model.figures(point, surge=True))
        if over_surge:
            reasons.append("quota during a rolling update " + ", ".join(
                f"{k} {show(k, used)} > {show(k, hard)}" for k, used, hard in over_surge))
    if pool_problems:
        reasons.append("pool: " + "; ".join(pool_problems))
    if schedule and schedule.get("pending"):
        first = schedule["pending"][0]
        reasons.append(f"scheduler: {len(schedule['pending'])} pods pending, e.g. {first['pod']}: "
                       f"{first['message']}")
    if not reasons:
        return None
    return f"{model.env} does not fit at {point_label(point)}: " + "; ".join(reasons)


def gpu_nodes(model: Demand, point: str, pools: list[node_pool.Pool] | None) -> dict | None:
    """The GPU nodes the point needs with its surge: its GPUs over the GPUs of a node of --pool's
    GPU pool (the default pool's shape without --pool). None when nothing asks for a GPU."""
    gpus = int(model.figures(point, surge=True).total.get(f"requests.{GPU}", Decimal(0)))
    if not gpus:
        return None
    shapes = [p for p in pools or node_pool.parse(node_pool.DEFAULT_SPEC) if p.gpus]
    per_node = shapes[0].gpus if shapes else max(p.gpus for p in node_pool.parse(node_pool.DEFAULT_SPEC))
    return {"gpus": gpus, "perNode": per_node, "nodes": -(-gpus // per_node)}


def report(model: Demand, point: str, pools: list[node_pool.Pool] | None = None,
           schedule: dict | None = None) -> dict:
    """Everything the text, JSON and HTML outputs show."""
    points = points_of(point)
    workloads = []
    for w in sorted(model.workloads, key=lambda w: (model.stacks.index(w.stack), w.name)):
        workloads.append({
            "name": w.name, "stack": w.stack, "floor": w.floor, "max": w.ceiling,
            "at": w.replicas(point), "surge": w.surge(w.replicas(point)), "autoscaled": w.autoscaled,
            "gpus": w.gpus, "antiAffinity": w.anti_affinity,
            "perPod": {k: _number(k, v) for k, v in w.per_pod.items()},
        })
    quota = []
    for key in model.quota_keys:
        hard = model.quota[key]
        row = {"key": key, "hard": _number(key, hard), "hardText": show(key, hard), "used": {}}
        for p in points:
            for surge in (False, True):
                used = model.figures(p, surge).total.get(key, Decimal(0))
                row["used"][point_label(p) + ("+surge" if surge else "")] = {
                    "amount": _number(key, used), "text": show(key, used),
                    "share": float(round(used / hard, 4)) if hard else None, "fits": used <= hard}
        quota.append(row)
    pool_problems = node_pool.check(model, pools, point, surge=True) if pools else None
    return {
        "env": model.env, "namespace": model.namespace, "point": point_label(point),
        "points": [point_label(p) for p in points],
        "quotaName": model.quota_name,
        "figures": {point_label(p) + (" +surge" if s else ""): _figures(model.figures(p, s))
                    for p in points for s in (False, True)},
        "quota": quota,
        "unreachable": model.unreachable(),
        "workloads": workloads,
        "claims": [{"name": c["name"], "stack": c["stack"], "storageGi": _number("requests.storage", c["storage"])}
                   for c in model.claims],
        "pool": None if pools is None else {
            "pools": [{"name": p.name, "count": p.count, "cores": p.cores, "memoryGi": p.memory_gib,
                       "gpus": p.gpus, "pods": p.pods} for p in pools],
            "problems": pool_problems},
        "gpuNodes": gpu_nodes(model, point, pools),
        "schedule": schedule and {**schedule, "pools": pool_summary(schedule["nodes"])},
        "verdict": verdict(model, point, pool_problems, schedule),
    }


def pool_summary(nodes: list[dict]) -> list[dict]:
    """Per pool of the scheduler's placement: nodes, pods, nodes left without a pod, the share of
    allocatable CPU, memory and GPUs requested, and the busiest node's CPU and memory shares."""
    pools = []
    for name in dict.fromkeys(n["pool"] for n in nodes):
        mine = [n for n in nodes if n["pool"] == name]

        def share(key: str, mine: list[dict] = mine) -> float | None:
            have = sum(n[key]["allocatable"] for n in mine)
            return round(sum(n[key]["used"] for n in mine) / have, 4) if have else None
        pools.append({"pool": name, "nodes": len(mine), "pods": sum(n["pods"] for n in mine),
                      "emptyNodes": sum(1 for n in mine if not n["pods"]),
                      "cpu": share("cpu"), "memory": share("memory"), "gpu": share("gpu"),
                      "busiestCpu": max(n["cpu"]["share"] or 0 for n in mine),
                      "busiestMemory": max(n["memory"]["share"] or 0 for n in mine)})
    return pools


COLUMNS = [("pods", "Pods"), ("requests.cpu", "CPU req"), ("requests.memory", "Mem req (GiB)"),
           (f"requests.{GPU}", "GPUs"), ("limits.cpu", "CPU lim"), ("limits.memory", "Mem lim (GiB)")]


def html(data: dict) -> str:
    """The report as one self-contained HTML page: tables and inline SVG charts."""
    points, figures = data["points"], data["figures"]
    stacks = list(figures[points[0]]["stacks"])

    def series(key: str) -> list[dict]:
        return [{"label": stack, "bars": [{"name": p, "value": figures[p]["stacks"][stack][key]} for p in points]}
                for stack in stacks]

    def cells(rows: list[dict]) -> dict[str, list]:
        return {key: [_short(row[key]) for row in rows] for key, _ in COLUMNS}

    pending_groups: dict[tuple, int] = {}
    for pod in (data["schedule"] or {}).get("pending", []):
        key = (pod["deployment"], pod["message"])
        pending_groups[key] = pending_groups.get(key, 0) + 1
    return report_templates.render(
        "capacity.html.j2", r=data, columns=COLUMNS, stacks=stacks,
        charts={"pods": series("pods"), "cpu": series("requests.cpu"), "memory": series("requests.memory"),
                "gpus": series(f"requests.{GPU}")},
        per_stack={s: cells([figures[p]["stacks"][s] for p in points]) for s in stacks},
        totals=cells([figures[p]["total"] for p in points]),
        surged=cells([figures[p + " +surge"]["total"] for p in points]),
        pending_groups=[{"deployment": d, "message": m, "count": n} for (d, m), n in pending_groups.items()],
    )


def _short(value: float | int) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
