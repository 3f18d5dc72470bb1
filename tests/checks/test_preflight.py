"""preflight without a cluster to ask: one row says so, exit 1, one error line (the cluster tests
check a complete local cluster and one with pieces removed)."""
from __future__ import annotations

import subprocess
import sys

from quikapp_charts.checks import preflight
from quikapp_charts.core import paths, rendering
from support import cli


def test_a_cluster_that_does_not_answer(tmp_path):
    config = tmp_path / "kubeconfig"
    config.write_text("apiVersion: v1\nkind: Config\nclusters:\n- name: x\n  cluster: {server: 'https://127.0.0.1:9'}\n"
                      "contexts:\n- name: x\n  context: {cluster: x, user: x}\nusers:\n- name: x\n  user: {}\n"
                      "current-context: x\n")
    result = subprocess.run([sys.executable, "-m", "quikapp_charts", "preflight", "dev", "--kubeconfig", str(config)],
                            capture_output=True, text=True, cwd=paths.ROOT)
    assert result.returncode == 1
    assert "MISSING" in result.stdout
    assert result.stderr.strip().splitlines()[-1] == "error: dev: 1 prerequisite(s) missing: cluster API server"


def test_staging_and_live_name_the_empty_key_vault_identity_even_so(tmp_path):
    result = cli("preflight", "live", "--kubeconfig", "/dev/null")  # in this process: the messages are the point
    assert result.code == 1
    assert "global.keyVault.tenantId and clientId empty" in result.stdout
    assert "Key Vault identity quikapp-prod-kv" in result.stderr


class FakeCluster:
    """A cluster that answers `get` from a dict of (kind, name) -> object."""

    def __init__(self, objects: dict):
        self.objects = objects

    def get(self, kind: str, name: str) -> dict | None:
        return self.objects.get((kind, name))


def available(status: str) -> dict:
    return {"status": {"conditions": [{"type": "Available", "status": status}]}}


def test_the_metrics_apis_the_hpas_read_must_be_served():
    """elixir-realtime scales on a Pods metric (custom.metrics.k8s.io), the others on cpu and memory
    (metrics.k8s.io): each API registered and Available, else named with the HPAs that read it."""
    objects = rendering.render("dev").objects
    cluster = FakeCluster({("apiservice", "v1beta1.metrics.k8s.io"): available("True")})
    rows = {c.subject: c for c in preflight.metrics_apis(cluster, objects)}
    assert set(rows) == {"v1beta1.metrics.k8s.io", "v1beta1.custom.metrics.k8s.io"}
    assert rows["v1beta1.metrics.k8s.io"].ok and rows["v1beta1.metrics.k8s.io"].detail == "available; read by 33 HPAs"
    custom = rows["v1beta1.custom.metrics.k8s.io"]
    assert (custom.ok, custom.detail) == (False, "not registered; read by elixir-realtime-hpa")
    cluster.objects[("apiservice", "v1beta1.custom.metrics.k8s.io")] = available("False")
    custom = {c.subject: c for c in preflight.metrics_apis(cluster, objects)}["v1beta1.custom.metrics.k8s.io"]
    assert (custom.ok, custom.detail) == (False, "not available; read by elixir-realtime-hpa")


def test_the_priority_class_the_pods_name_must_exist():
    objects = rendering.render("live", extra=rendering.argocd("production")).objects
    (row,) = preflight.priority_classes(FakeCluster({}), objects)
    assert (row.subject, row.ok) == ("quikapp-production", False)
    assert row.detail == "not in the cluster (kubectl apply -f deploy/priorityclasses.yaml)"
    (row,) = preflight.priority_classes(FakeCluster({("priorityclass", "quikapp-production"): {}}), objects)
    assert row.ok
    assert preflight.priority_classes(FakeCluster({}), rendering.render("live").objects) == []
