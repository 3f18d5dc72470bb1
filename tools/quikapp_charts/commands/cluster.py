"""`quikapp-charts cluster up|down|status|install`: a local Kubernetes cluster with fake CPU and
GPU nodes, and installs into it (the package's docstring says how it is built)."""
from __future__ import annotations

import sys

import click

from quikapp_charts.cluster.config import (
    CLUSTER_NAME,
    DEFAULT_CPU_NODES,
    DEFAULT_GPU_NODES,
    GPUS_PER_NODE,
    KUBECONFIG,
    State,
)
from quikapp_charts.cluster.install import install
from quikapp_charts.cluster.kube import api_ready
from quikapp_charts.cluster.lifecycle import down, up
from quikapp_charts.cluster.status import nodes_table, pods_table
from quikapp_charts.core.resources import GPU


@click.group("cluster")
def command() -> None:
    """A local Kubernetes cluster with fake CPU and GPU nodes, and installs into it."""


@command.command("up")
@click.option("--provider", type=click.Choice(["local", "kind"]), default="local", show_default=True,
              help="local: kwok with the control plane from .cache/bin; kind: needs Docker.")
@click.option("--nodes", type=int, default=DEFAULT_CPU_NODES, show_default=True, help="CPU nodes.")
@click.option("--gpu-nodes", type=int, default=DEFAULT_GPU_NODES, show_default=True,
              help=f"GPU nodes, each with {GPUS_PER_NODE} {GPU}.")
def up_command(provider: str, nodes: int, gpu_nodes: int) -> None:
    """Start the cluster (harmless when it already runs)."""
    up(provider, nodes, gpu_nodes)


@command.command("down")
def down_command() -> None:
    """Stop the cluster; no process or listening port is left behind."""
    down()


@command.command("status")
def status_command() -> None:
    """Show the nodes and which pods run on which node."""
    state = State.load()
    if not api_ready():
        click.echo(f"cluster {CLUSTER_NAME}: not running")
        sys.exit(3)
    click.echo(f"cluster {CLUSTER_NAME}: running ({state.provider if state else 'unknown provider'}), "
               f"KUBECONFIG={KUBECONFIG}")
    click.echo(nodes_table())
    click.echo()
    click.echo(pods_table())


@command.command("install")
@click.argument("env")
@click.option("-n", "--namespace", help="Namespace (default: the values file's global.namespace).")
@click.option("-f", "--values", "values", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Extra values file after values/ENV.yaml.")
@click.option("--set", "sets", multiple=True, help="Extra helm --set.")
@click.option("--timeout", default="5m", show_default=True, help="helm --timeout.")
def install_command(env: str, namespace: str | None, values: tuple[str, ...], sets: tuple[str, ...],
                    timeout: str) -> None:
    """helm upgrade --install QuikApp for ENV (values/ENV.yaml) and show where its pods run."""
    install(env, namespace=namespace, values=values, sets=sets, timeout=timeout)
