"""`quikapp-charts plan live` against live installed on the local cluster: it names exactly the
Deployments an image change, a config change and a change of only HPA ceilings restart (the last:
none), refuses a claim shrink as blocked, and reports a GPU surge that does not fit on GPU nodes
with no free GPU. The plan only reads: the release's revision and objects are as before."""
from __future__ import annotations

import json
import subprocess

import pytest
import yaml

from clusterlib import kubectl, kubectl_json, run, wait_until_namespace_gone
from quikapp_charts.cluster.config import KUBECONFIG, RELEASE
from quikapp_charts.core import paths
from quikapp_charts.core.resources import GPU
from support import gpu_deployments

pytestmark = pytest.mark.cluster

ENV = "live"
FILLER_NAMESPACE = "quikapp-plan-filler"


def plan(*args: str) -> tuple[subprocess.CompletedProcess, dict]:
    proc = run(str(paths.CACHE / "venv" / "bin" / "quikapp-charts"), "plan", ENV, "--kubeconfig", str(KUBECONFIG),
               "-o", "json", *args, check=False)
    assert proc.returncode in (0, 1), proc.stderr
    return proc, json.loads(proc.stdout)


def restarts(report: dict) -> dict[str, list[str]]:
    return {d["name"]: d["causes"] for d in report["restarts"]}


def revision(namespace: str) -> str:
    secrets = kubectl_json("get", "secrets", "-n", namespace, "-l", f"owner=helm,name={RELEASE}")["items"]
    return max(s["metadata"]["labels"]["version"] for s in secrets)


def fill_gpu_nodes() -> int:
    """A pod on every GPU node holding its free GPUs; returns how many it took."""
    nodes = [n for n in kubectl_json("get", "nodes")["items"] if int(n["status"]["allocatable"].get(GPU, 0))]
    used: dict[str, int] = {}
    for pod in kubectl_json("get", "pods", "-A")["items"]:
        if pod["status"].get("phase") not in ("Succeeded", "Failed") and pod["spec"].get("nodeName"):
            for c in pod["spec"]["containers"]:
                used[pod["spec"]["nodeName"]] = used.get(pod["spec"]["nodeName"], 0) + int(
                    ((c.get("resources") or {}).get("requests") or {}).get(GPU, 0))
    # A filler left by an earlier run on this cluster may still be terminating (it is deleted without waiting).
    wait_until_namespace_gone(FILLER_NAMESPACE)
    kubectl("create", "namespace", FILLER_NAMESPACE)
    pods, taken = [], 0
    for node in nodes:
        name = node["metadata"]["name"]
        free = int(node["status"]["allocatable"][GPU]) - used.get(name, 0)
        if free > 0:
            taken += free
            pods.append({"apiVersion": "v1", "kind": "Pod",
                         "metadata": {"name": f"filler-{name}", "namespace": FILLER_NAMESPACE},
                         "spec": {"nodeName": name, "tolerations": [{"operator": "Exists"}],
                                  "containers": [{"name": "filler", "image": "registry.k8s.io/pause:3.10",
                                                  "resources": {"limits": {GPU: str(free)}}}]}})
    kubectl("apply", "--server-side", "-f", "-", input=yaml.safe_dump_all(pods))
    return taken


def test_plan_names_restarts_blocks_and_room(installed):
    inst = installed(ENV)
    deployments = set(inst.names("Deployment"))
    before = revision(inst.namespace)

    proc, same = plan()
    assert proc.returncode == 0 and same["verdict"] is None, proc.stderr
    assert same["restarts"] == [] and same["blocked"] == [] and same["unservedApis"] == []

    # An image change and a change of only HPA ceilings in one plan: the image restarts its
    # Deployment, the ceilings restart none (search-service's is its only change).
    _, image = plan("--set", "python.services.ml-service.image.tag=2.6.4",
                    "--set", "python.services.ml-service.autoscaling.maxReplicas=12",
                    "--set", "go.services.search-service.autoscaling.maxReplicas=25")
    assert restarts(image) == {"ml-service": ["image"]}
    assert [c["name"] for c in image["changes"] if c["kind"] == "Deployment"] == ["ml-service"]
    assert {(c["kind"], c["name"], tuple(c["paths"])) for c in image["changes"] if c["kind"] != "Deployment"} == {
        ("HorizontalPodAutoscaler", "ml-service-hpa", ("spec.maxReplicas",)),
        ("HorizontalPodAutoscaler", "search-service-hpa", ("spec.maxReplicas",))}

    _, config = plan("--set", "global.config.LOG_LEVEL=debug")
    assert set(restarts(config)) == deployments
    assert all(causes == ["checksum/config"] for causes in restarts(config).values())
    assert [c["paths"] for c in config["changes"] if c["kind"] == "ConfigMap"] == [["data.LOG_LEVEL"]]

    proc, shrink = plan("--set", "python.services.ml-service.modelStorage.size=1Gi")
    assert proc.returncode == 1
    (blocked,) = shrink["blocked"]
    assert (blocked["kind"], blocked["name"]) == ("PersistentVolumeClaim", "ml-models-pvc")
    assert "less than" in blocked["message"] and "grows" in blocked["remedy"]
    assert "changes refused in place (PersistentVolumeClaim/ml-models-pvc)" in proc.stderr

    gpu_names = gpu_deployments(inst.rendered)
    try:
        assert fill_gpu_nodes() > 0
        proc, surge = plan("--set", "global.image.tag=2.6.4", "--set", "python.gpuDefaults.rollout.maxSurge=1")
        assert proc.returncode == 1
        rows = [r for r in surge["room"] if set(r["deployments"]) & gpu_names]
        assert len(rows) == 1 and set(rows[0]["deployments"]) == gpu_names and not rows[0]["fits"]
        assert rows[0]["short"][0].startswith(f"{GPU} needs {len(gpu_names)}, 0 free")
        assert "does not fit its nodes" in proc.stderr
        # Without the surge (the chart's maxSurge 0) the same image change fits on the same nodes.
        proc, no_surge = plan("--set", "global.image.tag=2.6.4")
        assert proc.returncode == 0 and set(restarts(no_surge)) == deployments, proc.stderr
    finally:
        # Not waited for: the pods go at once, the namespace controller's sweep takes seconds more.
        kubectl("delete", "namespace", FILLER_NAMESPACE, "--ignore-not-found", "--wait=false", check=False)
    assert revision(inst.namespace) == before
