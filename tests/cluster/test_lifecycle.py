"""`quikapp-charts cluster up|down|status`: idempotent, fake GPU nodes, nothing left after down.

The last cluster tests of a session (tests/conftest.py orders them): the last of them stops the cluster."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from clusterlib import kubectl, kubectl_json
from quikapp_charts.cluster.config import GPU_LABEL_KEY, GPU_LABEL_VALUE, GPUS_PER_NODE, KUBECONFIG
from quikapp_charts.cluster.kube import api_ready, tool_env
from quikapp_charts.cluster.kwok import CONTROL_PLANE_GOGC, kwok_config
from quikapp_charts.cluster.processes import alive, cluster_pids, cluster_ports, cluster_processes, listening
from quikapp_charts.core import paths

pytestmark = pytest.mark.cluster


def cli(*args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "quikapp-charts"
    return subprocess.run([str(exe), *args], capture_output=True,
                          text=True, env=tool_env(), cwd=paths.ROOT, timeout=600)


def test_the_control_plane_runs_with_its_garbage_collector_setting(local_cluster):
    environs = {name: Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
                for name, pid in cluster_processes().items()}
    patched = {patch["name"] for patch in kwok_config()[0]["componentsPatches"]}
    assert patched <= set(environs), sorted(environs)
    for name in patched:
        assert f"GOGC={CONTROL_PLANE_GOGC}".encode() in environs[name], name
    assert f"`GOGC={CONTROL_PLANE_GOGC}`" in (paths.ROOT / "README.md").read_text()  # the setting it names


def test_nodes_have_the_gpu_mock(local_cluster, shape):
    nodes = kubectl_json("get", "nodes")["items"]
    gpu = [n for n in nodes if n["metadata"]["labels"].get(GPU_LABEL_KEY) == GPU_LABEL_VALUE]
    cpu = [n for n in nodes if n not in gpu]
    assert len(gpu) == shape.gpu_nodes and len(cpu) == shape.cpu_nodes
    for node in gpu:
        assert {"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"} in node["spec"]["taints"]
        assert node["status"]["capacity"]["nvidia.com/gpu"] == str(GPUS_PER_NODE)
        assert node["status"]["allocatable"]["nvidia.com/gpu"] == str(GPUS_PER_NODE)
    for node in cpu:
        assert "nvidia.com/gpu" not in node["status"]["allocatable"]
        assert not node["spec"].get("taints")
    for node in nodes:
        ready = {c["type"]: c["status"] for c in node["status"]["conditions"]}["Ready"]
        assert ready == "True", node["metadata"]["name"]


def test_the_control_plane_is_ours_and_local(local_cluster):
    version = kubectl_json("version")
    pin = paths.versions()["KUBERNETES_VERSION"]
    assert version["serverVersion"]["gitVersion"] == pin
    assert version["clientVersion"]["gitVersion"] == pin
    server = kubectl("config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}").stdout
    assert server.startswith("https://127.0.0.1:")
    for port in cluster_ports():
        listeners = open("/proc/net/tcp").read().splitlines()[1:]
        wildcard = f"00000000:{port:04X}"
        assert not any(line.split()[1] == wildcard and line.split()[3] == "0A" for line in listeners), \
            f"port {port} listens on every address, not only 127.0.0.1"


def test_up_twice_is_harmless(local_cluster, shape):
    before = kubectl_json("get", "nodes")["items"]
    result = cli("cluster", "up", "--nodes", str(shape.cpu_nodes), "--gpu-nodes", str(shape.gpu_nodes))
    assert result.returncode == 0, result.stderr
    assert "already running" in result.stderr
    after = kubectl_json("get", "nodes")["items"]
    assert {n["metadata"]["uid"] for n in after} == {n["metadata"]["uid"] for n in before}


def test_status_shows_nodes_and_pods(local_cluster):
    result = cli("cluster", "status")
    assert result.returncode == 0, result.stderr
    assert "quikapp-gpu-0" in result.stdout and "quikapp-cpu-0" in result.stdout
    assert "NODE" in result.stdout and "POD" in result.stdout


def test_install_of_an_unknown_environment_is_one_line(local_cluster):
    result = cli("cluster", "install", "no-such-env")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "values/no-such-env.yaml" in result.stderr and "Traceback" not in result.stderr


def test_down_leaves_no_process_and_no_port(local_cluster):
    pids, ports = cluster_pids(), cluster_ports()
    assert len(pids) >= 5, "etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok"
    assert ports and all(listening(p) for p in ports)
    result = cli("cluster", "down")
    assert result.returncode == 0, result.stderr
    assert [p for p in pids if alive(p)] == []
    assert [p for p in ports if listening(p)] == []
    assert not KUBECONFIG.exists()
    # down twice is harmless too
    assert cli("cluster", "down").returncode == 0
    assert not api_ready()
