"""The kind provider, for machines with Docker: one control plane and a worker per node, the GPU
mock applied to the last workers."""
from __future__ import annotations

import shutil

import yaml

from quikapp_charts.cluster.config import CLUSTER_NAME, KUBECONFIG, NODE_ROLE_LABEL
from quikapp_charts.cluster.kube import kubectl, kubectl_json, require_binaries, run, say
from quikapp_charts.cluster.nodes import mock_gpu
from quikapp_charts.core import paths
from quikapp_charts.core.errors import UserError
from quikapp_charts.core.files import write_atomically


def kind_up(nodes: int, gpu_nodes: int) -> None:
    require_binaries(["kind", "kubectl"])
    if shutil.which("docker") is None and shutil.which("podman") is None:
        raise UserError("the kind provider needs Docker or Podman; use --provider local")
    existing = run([paths.tool("kind"), "get", "clusters"], check=False).stdout.split()
    if CLUSTER_NAME in existing:
        say(f"kind cluster {CLUSTER_NAME} is already running")
        run([paths.tool("kind"), "export", "kubeconfig", "--name", CLUSTER_NAME,
             "--kubeconfig", str(KUBECONFIG)])
        return
    config_path = paths.CACHE / "kind-config.yaml"
    write_atomically(config_path, yaml.safe_dump(kind_config(nodes, gpu_nodes), sort_keys=False))
    say(f"creating kind cluster {CLUSTER_NAME} with {nodes + gpu_nodes} workers")
    run([paths.tool("kind"), "create", "cluster", "--name", CLUSTER_NAME, "--config", str(config_path),
         "--kubeconfig", str(KUBECONFIG), "--wait", "5m"], stream=True)


def kind_config(nodes: int, gpu_nodes: int) -> dict:
    """One control plane and a worker per CPU and GPU node, the API server on 127.0.0.1."""
    return {
        "kind": "Cluster",
        "apiVersion": "kind.x-k8s.io/v1alpha4",
        "networking": {"apiServerAddress": "127.0.0.1"},
        "nodes": [{"role": "control-plane"}] + [{"role": "worker"} for _ in range(nodes + gpu_nodes)],
    }


def kind_shape_nodes(nodes: int, gpu_nodes: int) -> None:
    """Label the first workers as CPU nodes and the last ones as mock GPU nodes."""
    workers = sorted(
        n["metadata"]["name"] for n in kubectl_json("get", "nodes")["items"]
        if "node-role.kubernetes.io/control-plane" not in n["metadata"].get("labels", {})
    )
    for name in workers[:nodes]:
        kubectl("label", "node", name, "--overwrite", f"{NODE_ROLE_LABEL}=cpu")
    for name in workers[nodes:nodes + gpu_nodes]:
        mock_gpu(name)


def kind_down() -> None:
    run([paths.tool("kind"), "delete", "cluster", "--name", CLUSTER_NAME,
         "--kubeconfig", str(KUBECONFIG)], check=False)
