"""`quikapp-charts capacity live --at max --schedule`: the real kube-scheduler places live at its
HPA ceilings on a production-shaped pool of kwok nodes; the report's numbers are checked against
a hand count from the render, and the pool is gone and the namespace deleted afterwards."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest

from clusterlib import kubectl_json, render
from quikapp_charts.capacity import report as capacity_report
from quikapp_charts.cluster.storage import claimed_volumes
from quikapp_charts.core import paths

pytestmark = pytest.mark.cluster

CLI = [sys.executable, "-c", "from quikapp_charts.cli import main; main()"]
GPU = "nvidia.com/gpu"
NAMESPACE = "quikapp-capacity-live"


def capacity(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, "capacity", *args], capture_output=True, text=True, cwd=paths.ROOT,
                          timeout=900)


def peak(rendered: list[dict]) -> dict[str, dict]:
    """Deployment -> replicas at the HPA ceiling, GPUs per pod, and whether one pod per node."""
    ceilings = {h["spec"]["scaleTargetRef"]["name"]: h["spec"]["maxReplicas"]
                for h in rendered if h["kind"] == "HorizontalPodAutoscaler"}
    found = {}
    for dep in (o for o in rendered if o["kind"] == "Deployment"):
        name, pod = dep["metadata"]["name"], dep["spec"]["template"]["spec"]
        anti = (pod.get("affinity") or {}).get("podAntiAffinity") or {}
        found[name] = {
            "replicas": ceilings.get(name, dep["spec"].get("replicas", 1)),
            "gpus": sum(int(c["resources"]["limits"].get(GPU, 0)) for c in pod["containers"]),
            "cores": sum(cores(c["resources"]["requests"]["cpu"]) for c in pod["containers"]),
            "gib": sum(gib(c["resources"]["requests"]["memory"]) for c in pod["containers"]),
            "one_per_node": bool(anti.get("requiredDuringSchedulingIgnoredDuringExecution")),
        }
    return found


def cores(text: str) -> float:
    return float(text[:-1]) / 1000 if str(text).endswith("m") else float(text)


def gib(text: str) -> float:
    units = {"Mi": 1 / 1024, "Gi": 1}
    return float(text[:-2]) * units[text[-2:]]


def assert_cleaned_up() -> None:
    """The pool's nodes are gone; the namespace and its volumes are deleted (the API server empties
    the namespace in the background: the next run's clean-up waits for it)."""
    assert kubectl_json("get", "nodes", "-l", "quikapp.io/capacity-run")["items"] == []
    namespaces = {n["metadata"]["name"]: n for n in kubectl_json("get", "namespaces")["items"]}
    left = namespaces.get(NAMESPACE)
    assert left is None or left["metadata"].get("deletionTimestamp"), left
    volumes = claimed_volumes(NAMESPACE)
    assert all(pv["metadata"].get("deletionTimestamp") for pv in volumes), volumes


def test_live_at_its_ceilings_on_a_production_pool(local_cluster, tmp_path):
    expected = peak(render("live"))
    out = tmp_path / "live.json"
    result = capacity("live", "--at", "max", "--schedule", "--pool", "cpu=100x16c64g,gpu=9x4gpu",
                      "-o", "json", "--out", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(out.read_text())
    s = report["schedule"]
    total = sum(d["replicas"] for d in expected.values())
    assert s["poolNodes"] == 109 and len(s["nodes"]) == 109
    assert s["pods"] == s["scheduled"] == total
    assert s["pending"] == [] and s["refusedByQuota"] == []
    assert sum(n["pods"] for n in s["nodes"]) == total
    gpu_nodes = [n for n in s["nodes"] if n["pool"] == "gpu"]
    assert sum(n["gpu"]["used"] for n in gpu_nodes) == sum(d["replicas"] * d["gpus"] for d in expected.values())
    assert all(n["gpu"]["used"] <= 4 for n in gpu_nodes)
    assert s["idleGpuNodes"] == [n["name"] for n in gpu_nodes if n["gpu"]["used"] == 0]
    # GPU pods fill the GPU nodes and nothing else does: their CPU is that of the GPU pods alone.
    gpu_cores = sum(d["replicas"] * d["cores"] for d in expected.values() if d["gpus"])
    assert sum(n["cpu"]["used"] for n in gpu_nodes) == pytest.approx(gpu_cores)
    # Every node's requests, summed over the pool, are the render's at the ceilings.
    assert sum(n["cpu"]["used"] for n in s["nodes"]) == pytest.approx(
        sum(d["replicas"] * d["cores"] for d in expected.values()))
    assert sum(n["memory"]["used"] for n in s["nodes"]) == pytest.approx(
        sum(d["replicas"] * d["gib"] for d in expected.values()))
    pools = {p["pool"]: p for p in s["pools"]}
    gpu_pods = sum(d["replicas"] for d in expected.values() if d["gpus"])
    assert (pools["cpu"]["nodes"], pools["gpu"]["nodes"]) == (100, 9)
    assert (pools["cpu"]["pods"], pools["gpu"]["pods"]) == (total - gpu_pods, gpu_pods)
    assert pools["cpu"]["cpu"] == pytest.approx(
        sum(d["replicas"] * d["cores"] for d in expected.values() if not d["gpus"]) / (100 * 16), abs=1e-4)
    assert pools["gpu"]["gpu"] == pytest.approx(sum(d["replicas"] * d["gpus"] for d in expected.values()) / 36,
                                                abs=1e-4)
    assert pools["cpu"]["emptyNodes"] == sum(1 for n in s["nodes"] if n["pool"] == "cpu" and n["pods"] == 0)
    spread = {row["deployment"]: row for row in s["spread"]}
    for name, d in expected.items():
        if d["one_per_node"]:
            assert spread[name]["pods"] == spread[name]["nodes"] == d["replicas"], name
            assert spread[name]["maxPerNode"] == 1
            assert sum(spread[name]["zones"].values()) == d["replicas"]
    assert_cleaned_up()

    # The page of the same report, in a real browser.
    page = tmp_path / "live.html"
    page.write_text(capacity_report.html(report))
    chromium = shutil.which("chromium")
    assert chromium, "chromium is missing: run tools/bootstrap.sh browser"
    shot = tmp_path / "live.png"
    proc = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}",
                           "--window-size=1280,2600", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and shot.read_bytes()[:4] == b"\x89PNG", proc.stderr
    dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    assert f"On the scheduler: {total} of {total} pods placed on 109 nodes" in dom
    assert 'aria-label="Utilisation per node"' in dom
    assert "<th>Empty nodes</th>" in dom and "without the rolling-update surge" in dom


@pytest.mark.matrix  # the pool that fits, above, is the representative case in `make test`
def test_a_small_pool_leaves_pods_pending_with_the_schedulers_reasons(local_cluster, tmp_path):
    expected = peak(render("live"))
    cpu_nodes, gpus = 20, 2 * 4
    one_per_node = sum(max(0, d["replicas"] - cpu_nodes) for d in expected.values()
                       if d["one_per_node"] and not d["gpus"])
    gpu_short = sum(d["replicas"] * d["gpus"] for d in expected.values()) - gpus
    out = tmp_path / "small.json"
    result = capacity("live", "--at", "max", "--schedule", "--pool", f"cpu={cpu_nodes}x16c64g,gpu=2x4gpu",
                      "-o", "json", "--out", str(out))
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "Traceback" not in result.stderr
    assert f"scheduler: {one_per_node + gpu_short} pods pending" in errors[0]
    schedule = json.loads(out.read_text())["schedule"]
    pending = schedule["pending"]
    # The scheduler's "0/N nodes" counts the cluster's own nodes too; the report says how many.
    assert schedule["otherNodes"] == len(kubectl_json("get", "nodes")["items"])  # the pool is gone by now
    assert len(pending) == one_per_node + gpu_short
    by_kind = {"anti": 0, "gpu": 0}
    for pod in pending:
        assert pod["reason"] == "Unschedulable"
        assert re.match(r"0/\d+ nodes are available: ", pod["message"]), pod["message"]
        if expected[pod["deployment"]]["gpus"]:
            assert f"Insufficient {GPU}" in pod["message"]
            by_kind["gpu"] += 1
        else:
            assert "anti-affinity" in pod["message"]
            by_kind["anti"] += 1
    assert by_kind == {"anti": one_per_node, "gpu": gpu_short}
    assert_cleaned_up()
