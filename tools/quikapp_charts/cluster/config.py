"""What the local cluster is: its names and files, the node shapes, and the state `up` saves."""
from __future__ import annotations

import json
from dataclasses import dataclass

from quikapp_charts.core import paths
from quikapp_charts.core.files import write_atomically
from quikapp_charts.core.resources import GPU

CLUSTER_NAME = "quikapp"
RELEASE = "quikapp"
KWOK_WORKDIR = paths.CACHE / "kwok"
KUBECONFIG = paths.CACHE / "kubeconfig"
STATE_FILE = paths.CACHE / "cluster.json"

STORAGE_CLASS = "quikapp-models"
GPU_LABEL_KEY = "kubernetes.io/accelerator"
GPU_LABEL_VALUE = "nvidia-tesla-v100"
GPU_TAINT = {"key": GPU, "value": "present", "effect": "NoSchedule"}
GPUS_PER_NODE = 4
CPU_NODE_CAPACITY = {"cpu": "32", "memory": "128Gi", "pods": "110", "ephemeral-storage": "500Gi"}
GPU_NODE_CAPACITY = {
    "cpu": "32", "memory": "256Gi", "pods": "110", "ephemeral-storage": "1Ti",
    GPU: str(GPUS_PER_NODE),
}
# live: elixir services use required pod anti-affinity on kubernetes.io/hostname and
# elixir-realtime runs 10 replicas; the GPU services need about 7 GPUs.
DEFAULT_CPU_NODES = 12
DEFAULT_GPU_NODES = 2
POD_SECURITY_LEVEL = "restricted"
NODE_ROLE_LABEL = "quikapp.io/node-pool"


@dataclass
class State:
    provider: str
    nodes: int
    gpu_nodes: int

    @classmethod
    def load(cls) -> State | None:
        try:
            data = json.loads(STATE_FILE.read_text())
            return cls(data["provider"], int(data["nodes"]), int(data["gpu_nodes"]))
        except (OSError, ValueError, KeyError):
            return None

    def save(self) -> None:
        write_atomically(STATE_FILE, json.dumps(self.__dict__, indent=2) + "\n")


def cpu_node_names(count: int) -> list[str]:
    return [f"{CLUSTER_NAME}-cpu-{i}" for i in range(count)]


def gpu_node_names(count: int) -> list[str]:
    return [f"{CLUSTER_NAME}-gpu-{i}" for i in range(count)]
