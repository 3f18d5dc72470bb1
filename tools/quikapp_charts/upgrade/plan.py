"""What upgrading a release to a new render would do to the running cluster, before it runs:
per object created, changed (field paths) or deleted, from a server-side apply dry run against the
live objects; the Deployments that restart and why, and changes that reach no pod; what the API
server refuses in place (blocked, with the remedy); room for the rolling surge on the nodes and in
the quota; budgets that allow no eviction; NetworkPolicy flows opened and closed; APIs of the stored
release the cluster no longer serves. Reads only: the dry run writes nothing."""
from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor

from quikapp_charts.netpol import flows
from quikapp_charts.upgrade import changes, releases, room
from quikapp_charts.upgrade.api import Api
from quikapp_charts.upgrade.target import Target

HOOK = "helm.sh/hook"


def _is_hook(obj: dict) -> bool:
    return HOOK in ((obj.get("metadata") or {}).get("annotations") or {})


def field_manager(live_objects: list[dict]) -> str:
    """The field manager helm applies with, as the live objects record it (helm 4: server-side)."""
    for obj in live_objects:
        for entry in obj["metadata"].get("managedFields") or []:
            if entry.get("operation") == "Apply" and entry.get("manager", "").startswith("helm"):
                return entry["manager"]
    return "helm"


def _as_helm_renders(obj: dict, live: dict | None) -> dict:
    """OBJ as `helm upgrade` renders it against the cluster: a Deployment keeps its live replicas
    (the chart's lookup; `helm template` cannot look up and renders the floor)."""
    if obj["kind"] == "Deployment" and live is not None:
        obj = copy.deepcopy(obj)
        obj["spec"]["replicas"] = live["spec"].get("replicas", obj["spec"].get("replicas"))
    return obj


def object_changes(api: Api, namespace: str, objects: list[dict]) -> tuple[list[changes.Change], list[dict]]:
    """Each object's change, and the restarting Deployments as the API server would make them."""
    lives = api.lives(objects, namespace)
    manager = field_manager([live for live in lives if live])

    def one(pair: tuple[dict, dict | None]) -> tuple[changes.Change, dict | None]:
        obj, live = pair
        applied, refusal = api.apply_dry_run(_as_helm_renders(obj, live), namespace, manager)
        kind, name = obj["kind"], obj["metadata"]["name"]
        if refusal is not None:
            return (changes.blocked(kind, name, refusal)
                    or changes.Change(kind, name, "blocked", message=refusal, remedy="see the message")), None
        return changes.compare(kind, name, live, applied), applied

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(one, zip(objects, lives, strict=True)))
    found = [c for c, _ in results]
    restarting = [applied for c, applied in results if c.restarts and applied is not None]
    return found, restarting


def flows_between(env: str, namespace: str, values: dict, old: list[dict], new: list[dict]) -> dict:
    """The NetworkPolicy flows (netpol's model on both renders) that the upgrade opens and closes."""
    def open_flows(objects: list[dict]) -> set[str]:
        if not any(o["kind"] == "Deployment" for o in objects):
            return set()
        _, _, report = flows.analyse(env, objects, namespace, values)
        return {str(report.flow(v)) for v in report.verdicts if v.open}

    if _network_shape(old) == _network_shape(new):
        return {"opened": [], "closed": []}  # the same policies over the same pods: nothing to compute
    before, after = open_flows(old), open_flows(new)
    return {"opened": sorted(after - before), "closed": sorted(before - after)}


def _network_shape(objects: list[dict]) -> list:
    """What reachability depends on: the policies, the pods' labels and ports, the Services."""
    shape = []
    for o in objects:
        if o["kind"] in ("NetworkPolicy", "Service", "Ingress"):
            shape.append((o["kind"], o["metadata"]["name"], o.get("spec")))
        elif o["kind"] == "Deployment":
            template = o["spec"]["template"]
            shape.append((o["kind"], o["metadata"]["name"], template["metadata"].get("labels"),
                          template["metadata"].get("annotations", {}).get("prometheus.io/port"),
                          [c.get("ports") for c in template["spec"]["containers"]],
                          [c.get("env") for c in template["spec"]["containers"]]))
    return sorted(shape, key=lambda t: (t[0], t[1]))


def unserved(api: Api, objects: list[dict]) -> list[str]:
    served = api.served()
    return sorted({f"{o['apiVersion']} {o['kind']}" for o in objects if (o["apiVersion"], o["kind"]) not in served})


def plan(target: Target, api: Api, env: str, rendered: list[dict], values: dict) -> dict:
    ns = target.namespace
    history = releases.revisions(target)
    deployed = next((r for r in reversed(history) if r.status == "deployed"), None)
    stored = [o for o in (deployed.objects() if deployed else []) if not _is_hook(o)]
    new = [o for o in rendered if not _is_hook(o)]
    found, restarting = object_changes(api, ns, new)
    keys = {(o["kind"], o["metadata"]["name"]) for o in new}
    found += [changes.Change(o["kind"], o["metadata"]["name"], "deleted") for o in stored
              if (o["kind"], o["metadata"]["name"]) not in keys]
    pods = api.list("/api/v1/pods")
    nodes = api.list("/api/v1/nodes")
    quotas = api.list(f"/api/v1/namespaces/{ns}/resourcequotas")
    budgets = api.list(f"/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets")
    restarts = [c for c in found if c.restarts]
    config_changed = [c for c in found if c.kind in ("ConfigMap", "Secret") and c.action == "changed"]
    reach_no_pod = [f"{c.kind}/{c.name}: {', '.join(c.paths)}" for c in config_changed
                    if not any("checksum/config" in r.causes() for r in restarts)]
    report = {
        "env": env, "namespace": ns, "release": target.release,
        "revision": deployed.number if deployed else None,
        "pending": history[-1].status if history and history[-1].pending else None,
        "changes": [c.as_dict() for c in found if c.action != "unchanged"],
        "restarts": [{"name": c.name, "causes": c.causes()} for c in restarts],
        "reachNoPod": reach_no_pod,
        "blocked": [c.as_dict() for c in found if c.action == "blocked"],
        "room": room.nodes_room(restarting, nodes, pods),
        "quota": room.quota_room(restarting, quotas),
        "budgets": room.blocking_budgets(budgets),
        "flows": flows_between(env, ns, values, stored, new),
        "unservedApis": unserved(api, stored),
    }
    report["verdict"] = verdict(report)
    return report


def verdict(report: dict) -> str | None:
    """None when nothing blocks the upgrade; else why, in one line."""
    reasons = []
    if report["pending"]:
        reasons.append(f"the release is {report['pending']} (quikapp-charts recover {report['env']})")
    if report["blocked"]:
        reasons.append(f"{len(report['blocked'])} changes refused in place ("
                       + ", ".join(f"{b['kind']}/{b['name']}" for b in report["blocked"][:3]) + ")")
    for row in report["room"]:
        if not row["fits"]:
            reasons.append(f"the surge of {', '.join(row['deployments'])} does not fit its nodes: "
                           + "; ".join(row["short"]))
    for row in report["quota"]:
        if not row["fits"]:
            reasons.append(f"the surge does not fit ResourceQuota {row['quota']}: " + "; ".join(row["short"]))
    if report["unservedApis"]:
        reasons.append("the stored release uses APIs the cluster no longer serves: "
                       + ", ".join(report["unservedApis"]))
    if not reasons:
        return None
    return f"{report['env']}: the upgrade is blocked: " + "; ".join(reasons)
