"""`quikapp-charts preflight ENV` against the local cluster, complete (as `cluster up` prepares it)
and with pieces removed: each missing piece is named, exit 1; put back, exit 0 again."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from clusterlib import kubectl, kubectl_json
from quikapp_charts.cluster.config import KUBECONFIG
from quikapp_charts.core import paths

pytestmark = pytest.mark.cluster


def preflight(env: str) -> tuple[int, dict]:
    result = subprocess.run([sys.executable, "-m", "quikapp_charts", "preflight", env, "--kubeconfig", str(KUBECONFIG),
                             "-o", "json"], capture_output=True, text=True, cwd=paths.ROOT)
    assert "Traceback" not in result.stderr
    return result.returncode, json.loads(result.stdout)


def missing(report: dict) -> set[tuple[str, str]]:
    return {(c["check"], c["subject"]) for c in report["checks"] if not c["ok"]}


# kwok runs no containers, so the local cluster serves no metrics API (its HPAs stay at their floors).
NO_METRICS = {("metrics API", "v1beta1.metrics.k8s.io"), ("metrics API", "v1beta1.custom.metrics.k8s.io")}


def test_the_local_cluster_holds_what_dev_needs_but_metrics(local_cluster):
    code, report = preflight("dev")
    assert (code, missing(report)) == (1, NO_METRICS)
    checks = {c["check"] for c in report["checks"]}
    assert {"namespace", "pod security", "CRD", "CSI driver", "StorageClass", "IngressClass", "ClusterIssuer",
            "GPU nodes", "GPU taint", "GPUs", "PriorityClass", "Key Vault identity"} <= checks
    assert {c["subject"] for c in report["checks"] if c["check"] == "PriorityClass"} == {"quikapp-non-production"}


@pytest.mark.parametrize("env", ["staging", "live"])
def test_staging_and_live_need_the_key_vault_identity(local_cluster, env):
    code, report = preflight(env)
    assert code == 1
    vault = {"staging": "quikapp-staging-kv", "live": "quikapp-prod-kv"}[env]
    assert missing(report) == {("Key Vault identity", vault)} | NO_METRICS


@pytest.fixture
def pieces_removed(local_cluster):
    namespace = "quikapp-uat3"
    gpu_node = next(n["metadata"]["name"] for n in kubectl_json("get", "nodes")["items"]
                    if n["metadata"].get("labels", {}).get("kubernetes.io/accelerator"))
    ingress_class = kubectl_json("get", "ingressclass", "nginx")
    issuer = kubectl_json("get", "clusterissuers.cert-manager.io", "letsencrypt-prod")
    kubectl("delete", "ingressclass", "nginx")
    kubectl("delete", "clusterissuers.cert-manager.io", "letsencrypt-prod")
    kubectl("label", "namespace", namespace, "pod-security.kubernetes.io/enforce-")
    kubectl("taint", "node", gpu_node, "nvidia.com/gpu=present:NoSchedule-")
    kubectl("create", "quota", "platform-cap", "-n", namespace, "--hard=requests.cpu=1")
    yield namespace
    kubectl("delete", "quota", "platform-cap", "-n", namespace, check=False)
    kubectl("taint", "node", gpu_node, "nvidia.com/gpu=present:NoSchedule", check=False)
    kubectl("label", "namespace", namespace, "pod-security.kubernetes.io/enforce=restricted", check=False)
    for obj in (ingress_class, issuer):
        obj["metadata"] = {"name": obj["metadata"]["name"], "labels": obj["metadata"].get("labels", {})}
        kubectl("apply", "-f", "-", input=json.dumps(obj), check=False)


def test_missing_pieces_are_named(pieces_removed):
    namespace = pieces_removed
    code, report = preflight("uat3")
    assert code == 1
    assert missing(report) == {("pod security", namespace), ("IngressClass", "nginx"),
                               ("ClusterIssuer", "letsencrypt-prod"), ("GPU taint", "nvidia.com/gpu:NoSchedule"),
                               ("quota room", f"{namespace}/platform-cap")} | NO_METRICS
    quota = next(c for c in report["checks"] if c["check"] == "quota room")
    assert quota["detail"].startswith("requests.cpu ") and " left, needs " in quota["detail"]
