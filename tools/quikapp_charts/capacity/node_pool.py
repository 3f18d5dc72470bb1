"""Node pools shaped like production, from a one-line spec, and what a capacity model asks of them.

    cpu=40x16c64g,gpu=9x4gpu      40 nodes of 16 cores and 64 GiB; 9 nodes of 4 GPUs
    gpu=8x24c220g4gpu110p         cores, GiB, GPUs and the pod limit may all be given

A pool is NAME=COUNTxSHAPE; SHAPE is any of <n>c (cores), <n>g (GiB of memory), <n>gpu
(nvidia.com/gpu) and <n>p (pods a node admits, default 110). A pool with GPUs is a GPU pool: its
nodes carry the GPU label and taint the charts' GPU services select and tolerate, and its cores and
memory default to those of a GPU VM (32 cores, 256 GiB) when not given. Nodes are spread round-robin
over ZONES zones (label topology.kubernetes.io/zone).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from quikapp_charts.capacity.demand import Demand, show
from quikapp_charts.cluster.config import GPU_LABEL_KEY, GPU_LABEL_VALUE, GPU_TAINT
from quikapp_charts.cluster.config import NODE_ROLE_LABEL as POOL_LABEL
from quikapp_charts.core.errors import UserError
from quikapp_charts.core.resources import GPU

DEFAULT_SPEC = "cpu=40x16c64g,gpu=9x4gpu"
ZONE_LABEL = "topology.kubernetes.io/zone"
DEFAULT_ZONES = 3
_DEFAULTS = {"cpu": {"c": 16, "g": 64, "gpu": 0, "p": 110}, "gpu": {"c": 32, "g": 256, "gpu": 0, "p": 110}}
_TOKEN = re.compile(r"(\d+)(gpu|c|g|p)")


@dataclass(frozen=True)
class Pool:
    name: str
    count: int
    cores: int
    memory_gib: int
    gpus: int
    pods: int

    @property
    def allocatable(self) -> dict[str, str]:
        alloc = {"cpu": str(self.cores), "memory": f"{self.memory_gib}Gi", "pods": str(self.pods),
                 "ephemeral-storage": "500Gi"}
        if self.gpus:
            alloc[GPU] = str(self.gpus)
        return alloc

    def describe(self) -> str:
        gpu = f" {self.gpus} GPUs" if self.gpus else ""
        return f"{self.count} x {self.cores} cores {self.memory_gib} GiB{gpu}"


def parse(spec: str) -> list[Pool]:
    """The pools of a spec; UserError naming the part that is wrong."""
    pools: list[Pool] = []
    for part in (p.strip() for p in spec.split(",")):
        match = re.fullmatch(r"([a-z][a-z0-9-]{0,20})=(\d+)x((?:\d+(?:gpu|c|g|p))+)", part)
        if not match:
            raise UserError(f"--pool: '{part}' is not NAME=COUNTxSHAPE (e.g. cpu=40x16c64g or gpu=8x4gpu)")
        name, count, shape = match[1], int(match[2]), match[3]
        given: dict[str, int] = {}
        for number, unit in _TOKEN.findall(shape):
            if unit in given:
                raise UserError(f"--pool: '{part}' gives '{unit}' twice")
            given[unit] = int(number)
        fields = {**_DEFAULTS["gpu" if given.get("gpu") else "cpu"], **given}
        if count < 1 or fields["c"] < 1 or fields["g"] < 1 or fields["p"] < 1:
            raise UserError(f"--pool: '{part}' needs at least one node with cores, memory and pods")
        if any(p.name == name for p in pools):
            raise UserError(f"--pool: pool '{name}' is named twice")
        pools.append(Pool(name, count, fields["c"], fields["g"], fields["gpu"], fields["p"]))
    if not pools:
        raise UserError("--pool: no pool given")
    return pools


def node_names(pools: list[Pool], prefix: str) -> list[tuple[str, Pool, int]]:
    """(node name, pool, index) for every node of the pools."""
    return [(f"{prefix}-{pool.name}-{i}", pool, i) for pool in pools for i in range(pool.count)]


def node_object(name: str, pool: Pool, index: int, zones: int, extra_labels: dict[str, str]) -> dict:
    """A kwok fake Node of the pool (status applied separately: apply cannot set it)."""
    labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
              "type": "kwok", POOL_LABEL: pool.name, ZONE_LABEL: f"zone-{index % zones + 1}",
              **extra_labels}
    spec: dict = {}
    if pool.gpus:
        labels[GPU_LABEL_KEY] = GPU_LABEL_VALUE
        spec["taints"] = [dict(GPU_TAINT)]
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": labels,
                         "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"}},
            "spec": spec,
            "status": {"capacity": pool.allocatable, "allocatable": pool.allocatable}}


def check(model: Demand, pools: list[Pool], point: str, surge: bool) -> list[str]:
    """What the pools certainly cannot hold at the point, by arithmetic (the scheduler may find
    more: fragmentation, spread): GPU pods need GPU pools, other pods untainted pools, summed; a
    required one-per-node anti-affinity needs as many nodes as replicas."""
    problems = []
    gpu_pools = [p for p in pools if p.gpus]
    cpu_pools = [p for p in pools if not p.gpus]
    for label, group, workloads in (("GPU", gpu_pools, [w for w in model.workloads if w.gpu_pool]),
                                    ("CPU", cpu_pools, [w for w in model.workloads if not w.gpu_pool])):
        if workloads and not group:
            problems.append(f"{len(workloads)} Deployments need {label} nodes and the pool has none")
            continue
        need = {"requests.cpu": Decimal(0), "requests.memory": Decimal(0), f"requests.{GPU}": Decimal(0),
                "pods": Decimal(0)}
        for w in workloads:
            replicas = w.replicas(point)
            pods = replicas + (w.surge(replicas) if surge else 0)
            for key in need:
                need[key] += w.per_pod.get(key, Decimal(0)) * pods
            if w.anti_affinity == "required" and pods > sum(p.count for p in group):
                problems.append(f"{w.name} needs {pods} {label} nodes (one pod per node), "
                                f"the pool has {sum(p.count for p in group)}")
        have = {"requests.cpu": Decimal(sum(p.count * p.cores for p in group)),
                "requests.memory": Decimal(sum(p.count * p.memory_gib for p in group)) * 2**30,
                f"requests.{GPU}": Decimal(sum(p.count * p.gpus for p in group)),
                "pods": Decimal(sum(p.count * p.pods for p in group))}
        for key, amount in need.items():
            if amount > have[key]:
                problems.append(f"{label} pods request {show(key, amount)} {key.removeprefix('requests.')}, "
                                f"the {label} nodes have {show(key, have[key])}")
    return problems
