"""What an environment asks of the cluster, read from its rendered objects: pod requests and limits
(CPU, memory, GPUs), pods and claims, per stack and in total, at the replica floor, at the HPA
ceilings or part-way between, each with and without a rolling-update surge; set against the
environment's ResourceQuota.

Everything comes from the objects `helm template` renders (what Argo CD applies), never from the
values: a Deployment's floor is its HPA's minReplicas (else spec.replicas), its ceiling the HPA's
maxReplicas, its surge the Deployment strategy's maxSurge (Kubernetes' default 25%, rounded up),
a pod's request per resource the larger of its containers' sum and its largest init container.

Points: `floor`, `max`, or a percentage `PCT` of the way from each floor to its ceiling (rounded
up, so `50` puts an HPA of 2-9 at 6). Quota keys understood: requests.cpu (or cpu), limits.cpu,
requests.memory (or memory), limits.memory, requests.<extended> such as requests.nvidia.com/gpu,
pods, persistentvolumeclaims, requests.storage (and their count/ forms).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from quikapp_charts.core.errors import UserError
from quikapp_charts.core.inventory import hpa_specs, replica_floor
from quikapp_charts.core.paths import STACKS
from quikapp_charts.core.resources import GPU, quantity

# The figures the model keeps, in the order reports show them; each is a quota key.
KEYS = ("requests.cpu", "limits.cpu", "requests.memory", "limits.memory",
        f"requests.{GPU}", "pods", "persistentvolumeclaims", "requests.storage")
ALIASES = {"cpu": "requests.cpu", "memory": "requests.memory", GPU: f"requests.{GPU}",
           f"limits.{GPU}": f"requests.{GPU}",  # extended resources: requests equal limits
           "count/pods": "pods", "count/persistentvolumeclaims": "persistentvolumeclaims"}
MEMORY_KEYS = ("requests.memory", "limits.memory", "requests.storage")

def show(key: str, amount: Decimal) -> str:
    """A figure for people: cores to 2 places, bytes in Gi, counts as integers."""
    if key in MEMORY_KEYS:
        gib = amount / Decimal(2**30)
        return f"{round(gib, 2).normalize():f}Gi"
    if key.endswith("cpu"):
        return f"{round(amount, 2).normalize():f}"
    return str(int(amount))


def quota_key(key: str) -> str:
    return ALIASES.get(key, key)


def point_label(point: str) -> str:
    return point if point in ("floor", "max") else f"{point}%"


def parse_point(text: str) -> str:
    """'floor', 'max', or a percentage 0-100 (with or without '%'); UserError otherwise."""
    text = text.strip().lower()
    if text in ("floor", "max"):
        return text
    number = text.removesuffix("%")
    if number.isdigit() and 0 <= int(number) <= 100:
        return {0: "floor", 100: "max"}.get(int(number), str(int(number)))
    raise UserError(f"--at: '{text}' is not floor, max or a percentage from 0 to 100")


@dataclass
class Workload:
    """One Deployment (or StatefulSet): per-pod requests and limits and its replica range."""

    name: str
    stack: str
    floor: int
    ceiling: int
    autoscaled: bool
    per_pod: dict[str, Decimal]  # quota key -> amount for one pod
    max_surge: str | int  # the strategy's maxSurge (0 for Recreate)
    anti_affinity: str  # required | preferred | none (on kubernetes.io/hostname)
    gpu_pool: bool  # selects GPU nodes

    def replicas(self, point: str) -> int:
        if point == "floor":
            return self.floor
        if point == "max":
            return self.ceiling
        return self.floor + math.ceil((self.ceiling - self.floor) * int(point) / 100)

    def surge(self, replicas: int) -> int:
        """Extra pods while this Deployment rolls at `replicas` (maxSurge, percentages rounded up)."""
        if isinstance(self.max_surge, int):
            return self.max_surge
        return math.ceil(replicas * int(str(self.max_surge).rstrip("%")) / 100)

    @property
    def gpus(self) -> int:
        return int(self.per_pod.get(f"requests.{GPU}", 0))


def _zero() -> dict[str, Decimal]:
    return {key: Decimal(0) for key in KEYS}


@dataclass
class Figures:
    """Totals of the quota keys at one point, per stack and over the environment."""

    point: str
    surge: bool
    per_stack: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    total: dict[str, Decimal] = field(default_factory=_zero)

    def add(self, stack: str, key: str, amount: Decimal) -> None:
        self.per_stack.setdefault(stack, _zero())[key] += amount
        self.total[key] += amount


@dataclass
class Demand:
    env: str
    namespace: str
    workloads: list[Workload]
    claims: list[dict]  # {"name", "stack", "storage"}
    quota: dict[str, Decimal]  # quota key (aliases resolved) -> hard
    quota_name: str | None

    def figures(self, point: str, surge: bool = False) -> Figures:
        result = Figures(point, surge)
        for stack in self.stacks:
            result.per_stack[stack] = _zero()
        for w in self.workloads:
            replicas = w.replicas(point)
            pods = replicas + (w.surge(replicas) if surge else 0)
            for key, amount in w.per_pod.items():
                result.add(w.stack, key, amount * pods)
        for claim in self.claims:
            result.add(claim["stack"], "persistentvolumeclaims", Decimal(1))
            result.add(claim["stack"], "requests.storage", claim["storage"])
        return result

    @property
    def stacks(self) -> list[str]:
        found = {w.stack for w in self.workloads} | {c["stack"] for c in self.claims}
        return sorted(found, key=lambda s: (STACKS.index(s) if s in STACKS else len(STACKS), s))

    def over_quota(self, figures: Figures) -> list[tuple[str, Decimal, Decimal]]:
        """(key, used, hard) for every quota key the figures exceed."""
        return [(key, figures.total.get(key, Decimal(0)), self.quota[key]) for key in self.quota_keys
                if figures.total.get(key, Decimal(0)) > self.quota[key]]

    @property
    def quota_keys(self) -> list[str]:
        """The quota's keys, in the order of KEYS, then any others by name."""
        return sorted(self.quota, key=lambda k: (KEYS.index(k) if k in KEYS else len(KEYS), k))

    def headroom(self, figures: Figures) -> dict[str, Decimal]:
        return {key: hard - figures.total.get(key, Decimal(0)) for key, hard in self.quota.items()}

    def alone_ceiling(self, workload: Workload) -> int:
        """The most replicas the quota admits for this workload with every other one at its floor."""
        spare = self.headroom(self.figures("floor"))
        room = workload.ceiling - workload.floor
        for key, left in spare.items():
            per_pod = workload.per_pod.get(key, Decimal(0))
            if per_pod > 0:
                room = min(room, max(-workload.floor, int(left // per_pod)))
        return workload.floor + room

    def unreachable(self) -> list[dict]:
        """HPA ceilings the quota makes unreachable: with every HPA at its ceiling, the quota keys
        exceeded that this workload consumes, and the replicas it could reach alone."""
        exceeded = {key for key, _, _ in self.over_quota(self.figures("max"))}
        found = []
        for w in self.workloads:
            if not w.autoscaled or w.ceiling == w.floor:
                continue
            keys = [k for k in KEYS if k in exceeded and w.per_pod.get(k, Decimal(0)) > 0]
            alone = self.alone_ceiling(w)
            if keys or alone < w.ceiling:
                found.append({"name": w.name, "stack": w.stack, "floor": w.floor, "ceiling": w.ceiling,
                              "together": keys, "alone": alone})
        return found


def _pod_amounts(pod_spec: dict, where: str) -> dict[str, Decimal]:
    """Quota keys for one pod: containers summed; an init container counts when it is larger."""

    def amounts(containers: list[dict]) -> list[dict[str, Decimal]]:
        out = []
        for c in containers or []:
            res = c.get("resources") or {}
            req, lim = res.get("requests") or {}, res.get("limits") or {}
            here = f"{where} container {c.get('name')}"
            one = {}
            for name in ("cpu", "memory"):
                if name in req or name in lim:  # a missing request defaults to the limit
                    one[f"requests.{name}"] = quantity(req.get(name, lim.get(name)), f"{here} requests.{name}")
                if name in lim:
                    one[f"limits.{name}"] = quantity(lim[name], f"{here} limits.{name}")
            for name, value in {**lim, **req}.items():
                if "/" in name:  # extended resources: requests equal limits
                    one[f"requests.{name}"] = quantity(value, f"{here} {name}")
            out.append(one)
        return out

    total: dict[str, Decimal] = {}
    for one in amounts(pod_spec.get("containers")):
        for key, value in one.items():
            total[key] = total.get(key, Decimal(0)) + value
    for one in amounts(pod_spec.get("initContainers")):
        for key, value in one.items():
            total[key] = max(total.get(key, Decimal(0)), value)
    total["pods"] = Decimal(1)
    return total


def _anti_affinity(pod_spec: dict) -> str:
    anti = (pod_spec.get("affinity") or {}).get("podAntiAffinity") or {}
    if any(t.get("topologyKey") == "kubernetes.io/hostname"
           for t in anti.get("requiredDuringSchedulingIgnoredDuringExecution") or []):
        return "required"
    if anti.get("preferredDuringSchedulingIgnoredDuringExecution"):
        return "preferred"
    return "none"


def model(env: str, namespace: str, objects: list[dict]) -> Demand:
    """The capacity model of one rendered environment."""
    hpas = {kind: hpa_specs(objects, kind) for kind in ("Deployment", "StatefulSet")}
    workloads = []
    for obj in objects:
        if obj.get("kind") not in ("Deployment", "StatefulSet"):
            continue
        meta, spec = obj.get("metadata") or {}, obj.get("spec") or {}
        name = meta.get("name", "")
        hpa = hpas[obj["kind"]].get(name)
        replicas = spec.get("replicas", 1)
        floor = replica_floor(spec, hpa)
        strategy = spec.get("strategy") or {}
        if obj["kind"] == "StatefulSet" or strategy.get("type") == "Recreate":
            surge: str | int = 0
        else:
            surge = (strategy.get("rollingUpdate") or {}).get("maxSurge", "25%")
        pod_spec = (spec.get("template") or {}).get("spec") or {}
        per_pod = _pod_amounts(pod_spec, f"{obj['kind']} {name}")
        workloads.append(Workload(
            name=name, stack=(meta.get("labels") or {}).get("stack", "other"), floor=floor,
            ceiling=hpa["maxReplicas"] if hpa else replicas, autoscaled=hpa is not None,
            per_pod=per_pod, max_surge=surge, anti_affinity=_anti_affinity(pod_spec),
            gpu_pool=bool(per_pod.get(f"requests.{GPU}")),
        ))
    claims = [{"name": o["metadata"]["name"], "stack": (o["metadata"].get("labels") or {}).get("stack", "other"),
               "storage": quantity(((o.get("spec") or {}).get("resources") or {}).get("requests", {})
                                   .get("storage", 0), f"PersistentVolumeClaim {o['metadata']['name']}")}
              for o in objects if o.get("kind") == "PersistentVolumeClaim"]
    quotas = [o for o in objects if o.get("kind") == "ResourceQuota"]
    hard: dict[str, Decimal] = {}
    for quota in quotas:  # several quotas: each applies, so the tightest wins
        for key, value in ((quota.get("spec") or {}).get("hard") or {}).items():
            amount = quantity(value, f"ResourceQuota {quota['metadata']['name']} {key}")
            key = quota_key(key)
            hard[key] = min(hard.get(key, amount), amount)
    return Demand(env, namespace, workloads, claims, hard,
                 ", ".join(q["metadata"]["name"] for q in quotas) or None)
