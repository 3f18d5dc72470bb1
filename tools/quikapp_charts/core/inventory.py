"""What an environment deploys, read from its rendered objects (what Argo CD would apply), never
by re-doing the values merge: per Deployment its replica floor, HPA range, PDB, GPUs, ingress hosts
and images. The replica floor is the HPA's minReplicas when an HPA targets the Deployment, else
spec.replicas; ingress hosts are found through the Ingress backend's Service and its selector."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from quikapp_charts.core import paths
from quikapp_charts.core.resources import GPU


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
    return str((obj.get("metadata") or {}).get("name", ""))


def _spec(obj: dict) -> dict:
    """An object's spec, {} when it has none or not a mapping (a render is read, never trusted)."""
    spec = obj.get("spec")
    return spec if isinstance(spec, dict) else {}


def _selects(selector: dict | None, labels: dict | None) -> bool:
    selector, labels = selector or {}, labels or {}
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def pod_gpus(pod_spec: dict) -> int:
    """nvidia.com/gpu limits summed over a pod's containers."""
    return sum(int(((c.get("resources") or {}).get("limits") or {}).get(GPU, 0))
               for c in pod_spec.get("containers") or [])


def hpa_specs(objects: list[dict], kind: str = "Deployment") -> dict[str, dict]:
    """Workload name -> the spec of the HorizontalPodAutoscaler that scales it (Deployments, or
    the workloads of another kind)."""
    found = {}
    for hpa in objects:
        if hpa.get("kind") == "HorizontalPodAutoscaler":
            target = _spec(hpa).get("scaleTargetRef") or {}
            if target.get("kind") == kind:
                found[target.get("name")] = _spec(hpa)
    return found


def replica_floors(objects: list[dict]) -> dict[str, int]:
    """Deployment name -> its replica floor: the HPA's minReplicas when an HPA scales it (the
    HPA owns the count; the Deployment's replicas are only where it starts), else spec.replicas."""
    hpas = hpa_specs(objects)
    return {_name(d): replica_floor(_spec(d), hpas.get(_name(d)))
            for d in objects if d.get("kind") == "Deployment"}


def replica_floor(workload_spec: dict, hpa_spec: dict | None) -> int:
    """The floor of one workload: its HPA's minReplicas (1 when unset), else its replicas (1)."""
    return hpa_spec.get("minReplicas", 1) if hpa_spec else workload_spec.get("replicas", 1)


def stack_order(stack: str) -> tuple[int, str]:
    return (paths.STACKS.index(stack) if stack in paths.STACKS else len(paths.STACKS), stack)


def inventory(env: str, namespace: str, objects: list[dict]) -> Inventory:
    """What the rendered objects of one environment deploy, per Deployment."""
    by_kind: dict[str, list[dict]] = {}
    for obj in objects:
        by_kind.setdefault(obj.get("kind", ""), []).append(obj)
    hpas = hpa_specs(objects)
    services_by_name = {_name(s): s for s in by_kind.get("Service", [])}
    hosts_by_service: dict[str, set[str]] = {}
    for ingress in by_kind.get("Ingress", []):
        for rule in _spec(ingress).get("rules") or []:
            for path in (rule.get("http") or {}).get("paths") or []:
                backend = ((path.get("backend") or {}).get("service") or {}).get("name")
                if backend and rule.get("host"):
                    hosts_by_service.setdefault(backend, set()).add(rule["host"])

    services = []
    for deployment in by_kind.get("Deployment", []):
        name = _name(deployment)
        spec = _spec(deployment)
        template = spec.get("template") or {}
        pod_labels = (template.get("metadata") or {}).get("labels") or {}
        labels = (deployment.get("metadata") or {}).get("labels") or {}
        hpa = hpas.get(name)
        floor = replica_floor(spec, hpa)
        pdb = next(({k: v for k, v in _spec(p).items() if k in ("minAvailable", "maxUnavailable")}
                    for p in by_kind.get("PodDisruptionBudget", [])
                    if _selects((_spec(p).get("selector") or {}).get("matchLabels"), pod_labels)), None)
        hosts = set()
        for service_name, service_hosts in hosts_by_service.items():
            service = services_by_name.get(service_name)
            if service and _selects(_spec(service).get("selector"), pod_labels):
                hosts |= service_hosts
        pod_spec = template.get("spec") or {}
        services.append(ServiceInfo(
            name=name, stack=labels.get("stack", ""), tier=labels.get("tier", ""), replicas=floor,
            hpa={"min": hpa.get("minReplicas", 1), "max": hpa.get("maxReplicas")} if hpa else None,
            pdb=pdb, gpu=pod_gpus(pod_spec), hosts=sorted(hosts),
            images=[c.get("image", "") for c in pod_spec.get("containers") or []],
        ))
    services.sort(key=lambda s: (stack_order(s.stack), s.name))
    kinds: dict[str, int] = {}
    for kind, objs in by_kind.items():
        kinds[kind] = len(objs)
    return Inventory(env, namespace, len(objects), kinds, services)
