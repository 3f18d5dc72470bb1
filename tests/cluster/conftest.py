"""Cluster tests: a real control plane (kwokctl --runtime binary) with fake CPU and GPU nodes.

One session-scoped cluster serves every test here, sized from the rendered environments so all
of them fit at once; each environment is installed once, into its own namespace, the first time
a test asks for it. Tests read the cluster with kubectl and wait, as `kubectl wait` would, for
the state they assert (clusterlib.wait_at_floor, on pytest-helm-charts' wait helper). `make test`
builds the cluster tools first, so these tests always run; they are never skipped.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_helm_charts.clusters import Cluster, ExistingCluster

from clusterlib import Installer, Shape, apply_argocd_crds, cluster_shape, render
from quikapp_charts.cluster.config import KUBECONFIG
from quikapp_charts.cluster.kube import api_ready
from quikapp_charts.cluster.lifecycle import down, up
from quikapp_charts.core import paths


@pytest.fixture(scope="session")
def renders() -> dict[str, list[dict]]:
    """Every environment rendered (helm template) into its namespace."""
    return {env: render(env) for env in paths.environments()}


@pytest.fixture(scope="session")
def shape(renders) -> Shape:
    return cluster_shape(renders)


@pytest.fixture(scope="session")
def local_cluster(shape):
    """The local cluster, up for the whole session and down (nothing left running) at its end; a
    cluster that ran before the session runs after it too (the last test, of `cluster down`, stops it)."""
    was_running = api_ready()
    up("local", shape.cpu_nodes, shape.gpu_nodes)
    apply_argocd_crds()
    yield KUBECONFIG
    if not was_running:
        down()
    elif not api_ready():
        up("local", shape.cpu_nodes, shape.gpu_nodes)


@pytest.fixture(scope="session")
def kube_cluster(local_cluster) -> Iterator[Cluster]:
    """pytest-helm-charts' cluster, here the local one for the whole session: tests read it through
    kube_cluster.kube_client (pykube) and wait with the plugin's helpers."""
    cluster = ExistingCluster(str(local_cluster))
    cluster.create()
    yield cluster
    cluster.destroy()


@pytest.fixture(scope="session")
def installed(kube_cluster, renders) -> Installer:
    """installed(env) installs ENV once per session and returns what was installed where."""
    return Installer(renders, kube_cluster.kube_client)
