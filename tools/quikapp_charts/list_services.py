"""`quikapp-charts list [ENV]`: the services an environment deploys, by stack, with their replica
floor, HPA range, GPUs and ingress hosts.

Everything is read from the rendered objects (what Argo CD would apply), never by re-doing the
values merge: a Deployment's floor is its HPA's minReplicas when an HPA targets it, else
spec.replicas; ingress hosts are found through the Ingress backend's Service and its selector.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import click
from rich import box
from rich.table import Table

from . import console, paths, rendering
from .render import load_objects

GPU = "nvidia.com/gpu"


@dataclass
class ServiceInfo:
    name: str
    stack: str
    tier: str
    replicas: int  # the floor: HPA minReplicas, else spec.replicas
    hpa: dict | None  # {"min": n, "max": m}
    pdb: dict | None  # {"minAvailable": ...} or {"maxUnavailable": ...}
    gpu: int  # nvidia.com/gpu limits summed over the pod's containers
    hosts: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)


@dataclass
class Inventory:
    env: str
    namespace: str
    objects: int
    kinds: dict[str, int]
    services: list[ServiceInfo]

    @property
    def summary(self) -> dict:
        return {
            "objects": self.objects,
            "deployments": self.kinds.get("Deployment", 0),
            "hpas": self.kinds.get("HorizontalPodAutoscaler", 0),
            "pdbs": self.kinds.get("PodDisruptionBudget", 0),
            "ingresses": self.kinds.get("Ingress", 0),
            "networkPolicies": self.kinds.get("NetworkPolicy", 0),
            "gpuDeployments": sum(1 for s in self.services if s.gpu),
            "replicaFloor": sum(s.replicas for s in self.services),
        }

    def to_json(self) -> dict:
        return {"env": self.env, "namespace": self.namespace, "summary": self.summary,
                "kinds": dict(sorted(self.kinds.items())),
                "services": [asdict(s) for s in self.services]}


def _name(obj: dict) -> str:
    return (obj.get("metadata") or {}).get("name", "")


def _selects(selector: dict | None, labels: dict | None) -> bool:
    selector, labels = selector or {}, labels or {}
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def _gpus(pod_spec: dict) -> int:
    total = 0
    for container in pod_spec.get("containers") or []:
        limit = ((container.get("resources") or {}).get("limits") or {}).get(GPU)
        if limit is not None:
            total += int(limit)
    return total


def _stack_order(stack: str) -> tuple[int, str]:
    return (paths.STACKS.index(stack) if stack in paths.STACKS else len(paths.STACKS), stack)


def inventory(env: str, namespace: str, objects: list[dict]) -> Inventory:
    """What the rendered objects of one environment deploy, per Deployment."""
    by_kind: dict[str, list[dict]] = {}
    for obj in objects:
        by_kind.setdefault(obj.get("kind", ""), []).append(obj)
    hpas = {}
    for hpa in by_kind.get("HorizontalPodAutoscaler", []):
        target = hpa["spec"].get("scaleTargetRef") or {}
        if target.get("kind") == "Deployment":
            hpas[target.get("name")] = hpa["spec"]
    services_by_name = {_name(s): s for s in by_kind.get("Service", [])}
    hosts_by_service: dict[str, set[str]] = {}
    for ingress in by_kind.get("Ingress", []):
        for rule in ingress["spec"].get("rules") or []:
            for path in (rule.get("http") or {}).get("paths") or []:
                backend = ((path.get("backend") or {}).get("service") or {}).get("name")
                if backend and rule.get("host"):
                    hosts_by_service.setdefault(backend, set()).add(rule["host"])

    services = []
    for deployment in by_kind.get("Deployment", []):
        name = _name(deployment)
        spec = deployment.get("spec") or {}
        template = spec.get("template") or {}
        pod_labels = (template.get("metadata") or {}).get("labels") or {}
        labels = (deployment.get("metadata") or {}).get("labels") or {}
        hpa = hpas.get(name)
        floor = hpa.get("minReplicas", 1) if hpa else spec.get("replicas", 1)
        pdb = next(({k: v for k, v in p["spec"].items() if k in ("minAvailable", "maxUnavailable")}
                    for p in by_kind.get("PodDisruptionBudget", [])
                    if _selects((p["spec"].get("selector") or {}).get("matchLabels"), pod_labels)), None)
        hosts = set()
        for service_name, service_hosts in hosts_by_service.items():
            service = services_by_name.get(service_name)
            if service and _selects((service.get("spec") or {}).get("selector"), pod_labels):
                hosts |= service_hosts
        pod_spec = template.get("spec") or {}
        services.append(ServiceInfo(
            name=name, stack=labels.get("stack", ""), tier=labels.get("tier", ""), replicas=floor,
            hpa={"min": hpa.get("minReplicas", 1), "max": hpa["maxReplicas"]} if hpa else None,
            pdb=pdb, gpu=_gpus(pod_spec), hosts=sorted(hosts),
            images=[c.get("image", "") for c in pod_spec.get("containers") or []],
        ))
    services.sort(key=lambda s: (_stack_order(s.stack), s.name))
    kinds: dict[str, int] = {}
    for kind, objs in by_kind.items():
        kinds[kind] = len(objs)
    return Inventory(env, namespace, len(objects), kinds, services)


def _pdb(pdb: dict | None) -> str:
    if not pdb:
        return "-"
    return ", ".join(f"min {v} up" if k == "minAvailable" else f"max {v} down" for k, v in pdb.items())


def table(inv: Inventory) -> list[Table]:
    """One table per stack, in the catalogue's order; narrow enough for 80 columns."""
    tables = []
    stacks = sorted({s.stack for s in inv.services}, key=_stack_order)
    for stack in stacks:
        rows = [s for s in inv.services if s.stack == stack]
        t = Table(title=f"{stack} ({len(rows)} services)", title_justify="left", title_style="bold",
                  box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        t.add_column("Service")
        t.add_column("Floor", justify="right")
        t.add_column("HPA", justify="right")
        t.add_column("PDB")
        t.add_column("GPU", justify="right")
        t.add_column("Ingress")
        for s in rows:
            t.add_row(s.name, str(s.replicas), f"{s.hpa['min']}-{s.hpa['max']}" if s.hpa else "-",
                      _pdb(s.pdb), str(s.gpu) if s.gpu else "-", ", ".join(s.hosts) or "-")
        tables.append(t)
    return tables


@click.command("list", epilog=console.EXIT_CODES)
@click.argument("env", default="local")
@console.output_option
def command(env: str, output: str) -> None:
    """The services ENV deploys (default local), by stack, read from its rendered objects:
    replica floor (the HPA's minimum when it autoscales), HPA range, PDB, GPUs, ingress hosts.
    --output json adds each service's tier and images."""
    rendered = rendering.render(env)
    inv = inventory(env, rendered.namespace, load_objects(rendered.text))
    if output == "json":
        console.emit_json(inv.to_json())
        return
    out = console.console()
    for t in table(inv):
        out.print(t)
        out.print()
    s = inv.summary
    out.print(f"{env} ({inv.namespace}): {s['deployments']} Deployments, {s['gpuDeployments']} on GPUs, "
              f"replica floor {s['replicaFloor']}, {s['hpas']} HPAs, {s['pdbs']} PDBs, "
              f"{s['ingresses']} Ingresses, {s['networkPolicies']} NetworkPolicies, {s['objects']} objects")
