"""Upgrade an installed environment with changed values, then roll it back.

dev has HPAs, so a Deployment's replica floor lives in its HPA's minReplicas; a config value
changes the shared ConfigMap and, through the pods' checksum annotation, rolls every Deployment
(which the ResourceQuota must admit with the rolling-update surge).
"""
from __future__ import annotations

import json

import pytest

from clusterlib import HELM_TIMEOUT, helm, kubectl, kubectl_json, wait_at_floor
from quikapp_charts.cluster.config import RELEASE
from quikapp_charts.core import paths
from support import floors

pytestmark = pytest.mark.cluster

ENV = "dev"
CONFIG_KEY = "LOG_LEVEL"


def history(namespace: str) -> list[dict]:
    return json.loads(helm("history", RELEASE, "-n", namespace, "-o", "json").stdout)


def config_map(namespace: str) -> dict:
    maps = [c for c in kubectl_json("get", "configmap", "-n", namespace)["items"]
            if CONFIG_KEY in (c.get("data") or {})]
    assert len(maps) == 1, [c["metadata"]["name"] for c in maps]
    return maps[0]["data"]


def hpa_min(namespace: str, deployment: str) -> int:
    for hpa in kubectl_json("get", "hpa", "-n", namespace)["items"]:
        if hpa["spec"]["scaleTargetRef"]["name"] == deployment:
            return hpa["spec"]["minReplicas"]
    raise AssertionError(f"no HPA for {deployment}")


def test_upgrade_with_changed_values_then_rollback(installed):
    inst = installed(ENV)
    ns = inst.namespace
    floor = floors(inst.rendered)
    # A Deployment with an HPA, outside the GPU pool.
    scaled = {h["spec"]["scaleTargetRef"]["name"] for h in inst.of_kind("HorizontalPodAutoscaler")}
    target = next(d for d in inst.of_kind("Deployment")
                  if d["metadata"]["name"] in scaled and "nodeSelector" not in d["spec"]["template"]["spec"])
    # Another one, which the HPA has scaled above its floor (as it would under load): no upgrade
    # may take those replicas away, since the HPA owns the count.
    grown = next(d["metadata"]["name"] for d in inst.of_kind("Deployment")
                 if d["metadata"]["name"] in scaled - {target["metadata"]["name"]}
                 and "nodeSelector" not in d["spec"]["template"]["spec"])
    grown_to = floor[grown] + 2
    kubectl("scale", "deployment", grown, "-n", ns, f"--replicas={grown_to}")
    wait_at_floor(installed.kube_client, ns, {grown: grown_to})
    name, stack = target["metadata"]["name"], target["metadata"]["labels"]["stack"]
    before_rev = history(ns)[-1]["revision"]
    before_config = config_map(ns)[CONFIG_KEY]
    new_config = "warn" if before_config != "warn" else "error"
    new_floor = floor[name] + 1

    helm("upgrade", RELEASE, str(paths.UMBRELLA), "-f", str(paths.env_values_file(ENV)), "-n", ns,
         "--set", f"{stack}.services.{name}.replicas={new_floor}",
         "--set", f"global.config.{CONFIG_KEY}={new_config}",
         "--wait", "--timeout", HELM_TIMEOUT)
    revs = history(ns)
    assert revs[-1]["revision"] == before_rev + 1 and revs[-1]["status"] == "deployed"
    assert revs[-2]["status"] == "superseded"
    assert config_map(ns)[CONFIG_KEY] == new_config
    assert hpa_min(ns, name) == new_floor
    upgraded_floor = dict(floor, **{name: new_floor, grown: grown_to})
    deployments = wait_at_floor(installed.kube_client, ns, upgraded_floor)
    counts = {d["metadata"]["name"]: d["spec"]["replicas"] for d in deployments}
    # The HPA reached the raised floor; the Deployment it had scaled kept its replicas.
    assert counts[name] == new_floor and counts[grown] == grown_to
    # The config change rolled every Deployment: each runs only its new ReplicaSet's pods.
    for d in deployments:
        assert int(d["status"]["updatedReplicas"]) == int(d["status"]["replicas"]) == counts[d["metadata"]["name"]]

    # Helm 4 applies server-side: the revision's recorded count of the Deployment the HPA scaled
    # conflicts with the HPA's ownership of the field, so a rollback takes it back explicitly.
    helm("rollback", RELEASE, str(before_rev), "-n", ns, "--wait", "--timeout", HELM_TIMEOUT, "--force-conflicts")
    revs = history(ns)
    assert revs[-1]["revision"] == before_rev + 2 and revs[-1]["status"] == "deployed"
    assert revs[-1]["description"] == f"Rollback to {before_rev}"
    assert config_map(ns)[CONFIG_KEY] == before_config
    assert hpa_min(ns, name) == floor[name]
    # A rollback re-applies the revision's recorded counts (at least each floor); without metrics
    # the HPA keeps the Deployments there.
    wait_at_floor(installed.kube_client, ns, floor)
    helm("test", RELEASE, "-n", ns, "--timeout", "2m")
