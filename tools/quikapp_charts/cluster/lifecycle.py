"""`cluster up` and `cluster down`, for either provider."""
from __future__ import annotations

import time

from quikapp_charts.cluster.config import (
    CLUSTER_NAME,
    DEFAULT_CPU_NODES,
    DEFAULT_GPU_NODES,
    GPUS_PER_NODE,
    KUBECONFIG,
    KWOK_WORKDIR,
    STATE_FILE,
    State,
)
from quikapp_charts.cluster.kind import kind_down, kind_shape_nodes, kind_up
from quikapp_charts.cluster.kube import api_ready, say
from quikapp_charts.cluster import secrets_driver
from quikapp_charts.cluster.kwok import local_cluster_exists, local_down, local_up
from quikapp_charts.cluster.nodes import local_nodes, wait_for_nodes
from quikapp_charts.cluster.platform import prepare_environments
from quikapp_charts.cluster.processes import CLUSTER_DIR
from quikapp_charts.cluster.storage import ensure_secrets_store, ensure_storage_class
from quikapp_charts.core import paths
from quikapp_charts.core.errors import UserError
from quikapp_charts.core.resources import GPU


def up(provider: str = "local", nodes: int = DEFAULT_CPU_NODES, gpu_nodes: int = DEFAULT_GPU_NODES) -> None:
    if nodes < 1 or gpu_nodes < 0:
        raise UserError("--nodes must be at least 1 and --gpu-nodes at least 0")
    state = State.load()
    if state and state.provider != provider and (api_ready() or local_cluster_exists()):
        raise UserError(f"a {state.provider} cluster is running; `quikapp-charts cluster down` first")
    start = time.monotonic()
    if provider == "local":
        local_up()
        State(provider, nodes, gpu_nodes).save()
        say(f"creating {nodes} CPU nodes and {gpu_nodes} GPU nodes ({GPUS_PER_NODE} x {GPU} each)")
        local_nodes(nodes, gpu_nodes)
    else:
        kind_up(nodes, gpu_nodes)
        State(provider, nodes, gpu_nodes).save()
        kind_shape_nodes(nodes, gpu_nodes)
    logs = KWOK_WORKDIR / "clusters" / CLUSTER_NAME / "logs" / "kwok-controller.log"
    wait_for_nodes(nodes, gpu_nodes, hint=f" (see {logs.relative_to(paths.ROOT)})" if provider == "local" else "")
    ensure_storage_class()
    ensure_secrets_store()
    if provider == "local":
        secrets_driver.start(CLUSTER_DIR)  # kind's nodes run the real kubelet, still with no driver
    prepare_environments()
    say(f"cluster {CLUSTER_NAME} ({provider}) is up in {time.monotonic() - start:.0f}s; "
        f"KUBECONFIG={KUBECONFIG.relative_to(paths.ROOT)}")


def down() -> None:
    state = State.load()
    if state and state.provider == "kind":
        kind_down()
    else:
        local_down()
    STATE_FILE.unlink(missing_ok=True)
    KUBECONFIG.unlink(missing_ok=True)
    say(f"cluster {CLUSTER_NAME} is down")
