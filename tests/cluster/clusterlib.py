"""Helpers for the cluster tests (imported by conftest.py and the test modules)."""
from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any

import yaml

from quikapp_charts import cluster, paths

# Large enough for every environment at once: live runs elixir-realtime at 10 replicas with
# required anti-affinity on kubernetes.io/hostname, and the GPU services of all environments
# together need more GPUs than one environment does.
TEST_CPU_NODES = 14
TEST_GPU_NODES = 6


def run(*cmd: str, check: bool = True, input: str | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    proc = subprocess.run(list(cmd), capture_output=True, text=True, env=cluster.tool_env(),
                          input=input, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def kubectl(*args: str, check: bool = True, input: str | None = None) -> subprocess.CompletedProcess:
    return run(paths.tool("kubectl"), "--kubeconfig", str(cluster.KUBECONFIG), *args, check=check, input=input)


def kubectl_json(*args: str) -> Any:
    return json.loads(kubectl(*args, "-o", "json").stdout)


def helm(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return run(paths.tool("helm"), "--kubeconfig", str(cluster.KUBECONFIG), *args, check=check)


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


class Installer:
    def __init__(self) -> None:
        self.done: dict[str, Installed] = {}

    def __call__(self, env: str) -> Installed:
        if env not in self.done:
            namespace = cluster.values_namespace(env)
            # Two environments that share a namespace name get one each here.
            if any(i.namespace == namespace for i in self.done.values()):
                namespace = f"{namespace}-{env}"
            start = time.monotonic()
            cluster.apply([cluster.namespace_object(namespace)])
            rendered = cluster.render(env, namespace, [])
            claims = [o for o in rendered if o.get("kind") == "PersistentVolumeClaim"]
            if claims:
                cluster.volumes_for_claims(claims, namespace)
            proc = helm("upgrade", "--install", cluster.RELEASE, str(paths.UMBRELLA),
                        "-f", str(paths.env_values_file(env)), "-n", namespace,
                        "--wait", "--timeout", "5m")
            self.done[env] = Installed(env, namespace, rendered, proc.stdout + proc.stderr,
                                       time.monotonic() - start)
        return self.done[env]


def expected_replicas(inst: Installed) -> dict[str, int]:
    """Deployment name -> replicas: spec.replicas, or the HPA's minReplicas when an HPA owns it."""
    hpa_min = {
        h["spec"]["scaleTargetRef"]["name"]: h["spec"].get("minReplicas", 1)
        for h in inst.of_kind("HorizontalPodAutoscaler")
        if h["spec"]["scaleTargetRef"].get("kind") == "Deployment"
    }
    out = {}
    for dep in inst.of_kind("Deployment"):
        name = dep["metadata"]["name"]
        out[name] = hpa_min.get(name, dep["spec"].get("replicas", 1))
    return out


def load_yaml_docs(text: str) -> list[dict]:
    return [d for d in yaml.safe_load_all(text) if isinstance(d, dict)]
