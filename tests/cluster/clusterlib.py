"""Helpers for the cluster tests (imported by conftest.py and the test modules)."""
from __future__ import annotations

import json
import math
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any

import pykube
import pytest
import yaml
from pytest_helm_charts.utils import wait_for_objects_condition

from quikapp_charts.cluster import install
from quikapp_charts.cluster.config import (
    CPU_NODE_CAPACITY,
    DEFAULT_CPU_NODES,
    DEFAULT_GPU_NODES,
    GPUS_PER_NODE,
    KUBECONFIG,
    RELEASE,
)
from quikapp_charts.cluster.kube import apply, tool_env
from quikapp_charts.cluster.storage import volumes_for_claims
from quikapp_charts.core import paths, rendering
from quikapp_charts.core.resources import GPU
from support import floors

# `make test` installs three environments: local (what `make up` installs), dev (non-production;
# the upgrade and secrets tests change it) and live (production: protected, the largest). The other
# five are cases marked `matrix`: tools/benchmarks/soak_cluster_tests.sh runs every environment.
REPRESENTATIVES = ("local", "dev", "live")


def environment_params() -> list:
    """Every environment, those not among the representatives marked `matrix`."""
    return [env if env in REPRESENTATIVES else pytest.param(env, marks=pytest.mark.matrix)
            for env in paths.environments()]


# Bounds on a hang, not expectations: a loaded 2-core CI machine can take minutes for what a quiet
# one does in seconds, and a wait that ends early fails a test that would have passed.
HELM_TIMEOUT = "10m"
WAIT_SECONDS = 600


def run(*cmd: str, check: bool = True, input: str | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    proc = subprocess.run(list(cmd), capture_output=True, text=True, env=tool_env(),
                          input=input, timeout=timeout, cwd=paths.ROOT)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def kubectl(*args: str, check: bool = True, input: str | None = None) -> subprocess.CompletedProcess:
    return run(paths.tool("kubectl"), "--kubeconfig", str(KUBECONFIG), *args, check=check, input=input)


def kubectl_json(*args: str) -> Any:
    return json.loads(kubectl(*args, "-o", "json").stdout)


def helm(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return run(paths.tool("helm"), "--kubeconfig", str(KUBECONFIG), *args, check=check)


def wait_until_namespace_gone(name: str, timeout: int = 300) -> None:
    """Wait for a namespace that an earlier run on this cluster deleted without waiting to be gone
    (at once when there is none)."""
    kubectl("wait", "--for=delete", f"namespace/{name}", f"--timeout={timeout}s", check=False)


def load_yaml_docs(text: str) -> list[dict]:
    return [d for d in yaml.safe_load_all(text) if isinstance(d, dict)]


def is_hook(obj: dict) -> bool:
    return "helm.sh/hook" in (obj.get("metadata", {}).get("annotations") or {})


def cpu_cores(text: str) -> float:
    return float(text[:-1]) / 1000 if str(text).endswith("m") else float(text)


def rolled_out(deployment: dict, floor: int, exact: bool = False) -> bool:
    """What `kubectl rollout status` waits for, at the floor: the controller has seen the latest
    spec, every replica (at least the floor, or exactly it) is updated and available, and no pod of
    an older ReplicaSet is left."""
    status = deployment.get("status") or {}
    replicas = int(deployment["spec"].get("replicas", 1))
    return (int(status.get("observedGeneration", 0)) >= int(deployment["metadata"]["generation"])
            and (replicas == floor if exact else replicas >= floor)
            and int(status.get("replicas", 0)) == replicas
            and int(status.get("updatedReplicas", 0)) == replicas
            and int(status.get("availableReplicas", 0)) == replicas
            and int(status.get("unavailableReplicas", 0)) == 0)


def wait_at_floor(kube_client: pykube.HTTPClient, namespace: str, floor: dict[str, int], exact: bool = False,
                  timeout: int = WAIT_SECONDS) -> list[dict]:
    """Wait until every Deployment named in floor is rolled out at its floor; returns them."""
    try:
        found = wait_for_objects_condition(kube_client, pykube.Deployment, sorted(floor), namespace,
                                           lambda d: rolled_out(d.obj, floor[d.name], exact), timeout, missing_ok=True)
    except TimeoutError:
        found = {d["metadata"]["name"]: d for d in kubectl_json("get", "deployments", "-n", namespace)["items"]}
        behind = sorted(name for name, count in floor.items()
                        if name not in found or not rolled_out(found[name], count, exact))
        raise AssertionError(f"{namespace}: {len(behind)} Deployments not rolled out at their floor "
                             f"after {timeout}s, e.g. {behind[:1]}: {found.get(behind[0], {}).get('status') if behind else ''}"
                             ) from None
    return sorted((d.obj for d in found), key=lambda d: d["metadata"]["name"])


def argocd_crd_files() -> list:
    """Argo CD's CRDs (tools/bootstrap.sh copies them from the pinned argo-cd module)."""
    return paths.module_files("argocd-crds", "ARGOCD_VERSION")


def apply_argocd_crds() -> None:
    """Argo CD's CRDs into the cluster. At the session's start: the garbage collector looks for new
    resource types every 30 s, and deletes an ApplicationSet's Applications only once it watches both."""
    for crd in argocd_crd_files():
        # Server-side: the ApplicationSet CRD is too large for the last-applied annotation.
        kubectl("apply", "--server-side", "--force-conflicts", "-f", str(crd))


@dataclass
class Shape:
    cpu_nodes: int
    gpu_nodes: int


def cluster_shape(renders: dict[str, list[dict]]) -> Shape:
    """Nodes enough for every environment at once, each at its replica floor plus a rolling surge.

    Required anti-affinity on kubernetes.io/hostname needs as many CPU nodes as the largest
    Deployment has replicas (live: elixir-realtime at 10) plus one for the surge pod; the GPU
    nodes must hold every environment's GPU pods together.
    """
    gpus, cores, widest = 0, 0.0, 0
    for rendered in renders.values():
        replicas = floors(rendered)
        env_surge = 0
        for dep in (o for o in rendered if o.get("kind") == "Deployment"):
            count = replicas[dep["metadata"]["name"]]
            widest = max(widest, count)
            pod_gpus = 0
            for container in dep["spec"]["template"]["spec"].get("containers", []):
                res = container.get("resources") or {}
                pod_gpus += int((res.get("limits") or {}).get(GPU, 0))
                cores += count * cpu_cores((res.get("requests") or {}).get("cpu", "0"))
            gpus += count * pod_gpus
            env_surge += pod_gpus
        gpus += env_surge  # one surge pod per GPU Deployment while an environment rolls
    cpu_nodes = max(DEFAULT_CPU_NODES, widest + 2,
                    math.ceil(cores * 1.5 / float(CPU_NODE_CAPACITY["cpu"])) + 1)
    gpu_nodes = max(DEFAULT_GPU_NODES, math.ceil(gpus / GPUS_PER_NODE) + 1)
    return Shape(cpu_nodes, gpu_nodes)


@dataclass
class Installed:
    """One environment installed into the cluster."""

    env: str
    namespace: str
    rendered: list[dict]
    output: str  # helm's stdout and stderr (warnings from admission land there)
    seconds: float
    extra: dict = field(default_factory=dict)

    def of_kind(self, kind: str) -> list[dict]:
        return [o for o in self.rendered if o.get("kind") == kind]

    def names(self, kind: str) -> list[str]:
        return sorted(o["metadata"]["name"] for o in self.of_kind(kind))


def namespace_for(env: str) -> str:
    return rendering.namespace_of(env)


def render(env: str) -> list[dict]:
    return install.render(env, namespace_for(env), [])


class Installer:
    """installed(env): `helm upgrade --install` of ENV into its namespace, once per session."""

    def __init__(self, renders: dict[str, list[dict]], kube_client: pykube.HTTPClient) -> None:
        self.renders, self.kube_client = renders, kube_client
        self.done: dict[str, Installed] = {}
        self.failed: dict[str, str] = {}

    def __call__(self, env: str) -> Installed:
        if env in self.failed:
            raise AssertionError(f"{env} did not install (see its first test): {self.failed[env][:2000]}")
        if env not in self.done:
            try:
                self.done[env] = self._install(env)
            except AssertionError as exc:
                self.failed[env] = str(exc)
                raise
        return self.done[env]

    def _install(self, env: str) -> Installed:
        namespace = namespace_for(env)
        rendered = self.renders.get(env) or render(env)
        start = time.monotonic()
        apply([install.namespace_object(namespace)])
        claims = [o for o in rendered if o.get("kind") == "PersistentVolumeClaim"]
        if claims:
            volumes_for_claims(claims, namespace)
        proc = helm("upgrade", "--install", RELEASE, str(paths.UMBRELLA),
                    "-f", str(paths.env_values_file(env)), "-n", namespace,
                    "--wait", "--timeout", HELM_TIMEOUT, check=False)
        if proc.returncode != 0:
            errors = "\n".join(line for line in proc.stderr.splitlines() if not line.startswith("level=INFO"))
            raise AssertionError(f"helm upgrade --install for {env} failed: {errors}\n"
                                 f"{not_running(namespace)}")
        seconds = time.monotonic() - start
        # What the Deployments were the moment helm said the release was ready.
        at_ready = {d["metadata"]["name"]: d for d in kubectl_json("get", "deployments", "-n", namespace)["items"]}
        # Every test reads the environment settled: each Deployment rolled out at its floor.
        wait_at_floor(self.kube_client, namespace, floors(rendered))
        return Installed(env, namespace, rendered, proc.stdout + proc.stderr, seconds,
                         extra={"deployments_at_ready": at_ready})


def not_running(namespace: str) -> str:
    """Why pods of a namespace are not running: their latest scheduling or admission warnings."""
    lines = []
    for pod in kubectl_json("get", "pods", "-n", namespace)["items"]:
        if pod.get("status", {}).get("phase") != "Running" and not is_hook(pod):
            lines.append(f"pod {pod['metadata']['name']}: {pod.get('status', {}).get('phase')}")
    events = kubectl_json("get", "events", "-n", namespace, "--field-selector", "type=Warning")["items"]
    seen = set()
    for event in events:
        if event.get("reason", "").startswith("FailedGet") or "metrics" in event.get("message", ""):
            continue
        msg = f"{event['involvedObject']['kind']}/{event['involvedObject']['name']}: {event.get('message')}"
        if msg not in seen:
            seen.add(msg)
            lines.append(msg)
    return "\n".join(lines[:40])
