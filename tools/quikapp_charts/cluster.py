"""`quikapp-charts cluster`: a local Kubernetes cluster with fake CPU and GPU nodes.

The local provider runs a real control plane (etcd, kube-apiserver, kube-controller-manager,
kube-scheduler, all built by `make cluster-tools`) through `kwokctl --runtime binary`, bound to
127.0.0.1, with its state in .cache/kwok and its kubeconfig in .cache/kubeconfig. Nodes are kwok
fake Node objects: the scheduler, quotas, admission and controllers are real; containers are not.
The kind provider (needs Docker) builds the same shape from kind worker nodes.

GPU mock: GPU nodes are labelled kubernetes.io/accelerator=nvidia-tesla-v100, tainted
nvidia.com/gpu=present:NoSchedule and advertise nvidia.com/gpu in capacity and allocatable.
Storage mock: a default StorageClass `quikapp-models`, and before each install one static
PersistentVolume pre-bound to every PersistentVolumeClaim the release renders, so claims bind
whatever class an environment names (the real kube-controller-manager binds them).
Secrets: the Secrets Store CSI driver's SecretProviderClass CRD and CSIDriver object, from the
driver's Go module. Containers never run, so pods mounting its volumes start regardless.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import click
import yaml

from . import paths
from .errors import UserError, write_atomically

CLUSTER_NAME = "quikapp"
RELEASE = "quikapp"
KWOK_WORKDIR = paths.CACHE / "kwok"
KUBECONFIG = paths.CACHE / "kubeconfig"
STATE_FILE = paths.CACHE / "cluster.json"
KWOK_CONFIG = KWOK_WORKDIR / "quikapp-kwok.yaml"

STORAGE_CLASS = "quikapp-models"
GPU_RESOURCE = "nvidia.com/gpu"
GPU_LABEL_KEY = "kubernetes.io/accelerator"
GPU_LABEL_VALUE = "nvidia-tesla-v100"
GPU_TAINT = {"key": GPU_RESOURCE, "value": "present", "effect": "NoSchedule"}
GPUS_PER_NODE = 4
CPU_NODE_CAPACITY = {"cpu": "32", "memory": "128Gi", "pods": "110", "ephemeral-storage": "500Gi"}
GPU_NODE_CAPACITY = {
    "cpu": "32", "memory": "256Gi", "pods": "110", "ephemeral-storage": "1Ti",
    GPU_RESOURCE: str(GPUS_PER_NODE),
}
# live: elixir services use required pod anti-affinity on kubernetes.io/hostname and
# elixir-realtime runs 10 replicas; the GPU services need about 7 GPUs.
DEFAULT_CPU_NODES = 12
DEFAULT_GPU_NODES = 2
POD_SECURITY_LEVEL = "restricted"
SERVICE_CIDR = "10.96.0.0/16"
POD_CIDR = "10.244.0.1/16"
NODE_ROLE_LABEL = "quikapp.io/node-pool"

# kwok's default stages (what kwokctl uses when its config holds no Stage), read from the kwok
# module in the Go module cache; a config holding any Stage replaces them all.
KWOK_DEFAULT_STAGES = (
    "kustomize/stage/node/fast/node-initialize.yaml",
    "kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
    "kustomize/stage/pod/fast/pod-ready.yaml",
    "kustomize/stage/pod/fast/pod-complete.yaml",
    "kustomize/stage/pod/fast/pod-delete.yaml",
)
OUR_STAGES = paths.ROOT / "tools" / "kwok"  # our own Stage files, added to the defaults

# The Secrets Store CSI driver's SecretProviderClass CRD and CSIDriver object (the charts mount
# Azure Key Vault secrets through it), read from the driver's Go module.
SECRETS_STORE_MODULE = "sigs.k8s.io/secrets-store-csi-driver"
SECRETS_STORE_DEFAULT_VERSION = "v1.4.8"  # until tools/versions.env pins SECRETS_STORE_CSI_DRIVER_VERSION
SECRETS_STORE_FILES = (
    "deploy/secrets-store.csi.x-k8s.io_secretproviderclasses.yaml",
    "deploy/csidriver.yaml",
)

LOCAL_BINARIES = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler",
                  "kubectl", "kwok", "kwokctl")


def say(message: str) -> None:
    click.echo(f"[cluster] {message}", err=True)


# --------------------------------------------------------------------------------------------
# Running tools

def tool_env() -> dict[str, str]:
    """The environment for every tool: our builds first on PATH, our kubeconfig and kwok workdir."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(paths.CACHE_BIN), env.get("PATH", "")])
    env["KUBECONFIG"] = str(KUBECONFIG)
    env["KWOK_WORKDIR"] = str(KWOK_WORKDIR)
    # helm --wait polls every object of the release; its client-side default of 5 queries a
    # second turns a 10-second rollout of 33 Deployments into a minute. The local API server
    # runs without QPS limits.
    env.setdefault("HELM_QPS", "100")
    env.setdefault("HELM_BURST_LIMIT", "300")
    return env


def run(cmd: Sequence[str], *, input: str | None = None, check: bool = True,
        stream: bool = False, timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run a tool; on failure raise UserError with one line naming the tool and its last error."""
    try:
        proc = subprocess.run(
            list(cmd), input=input, text=True, env=tool_env(), timeout=timeout,
            stdout=None if stream else subprocess.PIPE,
            stderr=None if stream else subprocess.PIPE,
        )
    except FileNotFoundError:
        raise UserError(f"{cmd[0]}: not found; run `make cluster-tools` (tools/bootstrap.sh cluster-tools)")
    except subprocess.TimeoutExpired:
        raise UserError(f"{Path(cmd[0]).name} {' '.join(cmd[1:3])}: no answer within {timeout:.0f}s")
    if check and proc.returncode != 0:
        raise UserError(f"{Path(cmd[0]).name} {' '.join(cmd[1:3])} failed: {last_line(proc.stderr or proc.stdout)}")
    return proc


def last_line(text: str | None) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else "no message (see the output above)"


def kubectl(*args: str, input: str | None = None, check: bool = True,
            timeout: float | None = 120) -> subprocess.CompletedProcess:
    return run([paths.tool("kubectl"), "--kubeconfig", str(KUBECONFIG), *args],
               input=input, check=check, timeout=timeout)


def kubectl_json(*args: str) -> Any:
    return json.loads(kubectl(*args, "-o", "json").stdout)


def helm(*args: str, check: bool = True, stream: bool = False,
         timeout: float | None = None) -> subprocess.CompletedProcess:
    return run([paths.tool("helm"), "--kubeconfig", str(KUBECONFIG), *args],
               check=check, stream=stream, timeout=timeout)


def apply(objects: Iterable[dict]) -> None:
    manifest = yaml.safe_dump_all(list(objects), sort_keys=False)
    kubectl("apply", "-f", "-", input=manifest)


# --------------------------------------------------------------------------------------------
# State

@dataclass
class State:
    provider: str
    nodes: int
    gpu_nodes: int

    @classmethod
    def load(cls) -> State | None:
        try:
            data = json.loads(STATE_FILE.read_text())
            return cls(data["provider"], int(data["nodes"]), int(data["gpu_nodes"]))
        except (OSError, ValueError, KeyError):
            return None

    def save(self) -> None:
        write_atomically(STATE_FILE, json.dumps(self.__dict__, indent=2) + "\n")


def cpu_node_names(count: int) -> list[str]:
    return [f"{CLUSTER_NAME}-cpu-{i}" for i in range(count)]


def gpu_node_names(count: int) -> list[str]:
    return [f"{CLUSTER_NAME}-gpu-{i}" for i in range(count)]


def api_ready() -> bool:
    if not KUBECONFIG.is_file():
        return False
    proc = kubectl("get", "--raw", "/readyz", check=False, timeout=10)
    return proc.returncode == 0 and proc.stdout.strip() == "ok"


def wait_for(what: str, condition, timeout: float, interval: float = 1.0, hint: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise UserError(f"{what}: not ready after {timeout:.0f}s{hint}")


# --------------------------------------------------------------------------------------------
# The local provider: kwokctl --runtime binary

def require_binaries(names: Iterable[str]) -> None:
    missing = [n for n in names if not (paths.CACHE_BIN / n).exists()]
    if missing:
        raise UserError(f".cache/bin lacks {', '.join(missing)}; run `make cluster-tools` first")


def go_module_dir(module: str, version: str) -> Path:
    """A Go module's folder in the module cache (downloaded through the module proxy if need be)."""
    env = tool_env()
    env.setdefault("GOFLAGS", "-mod=mod")
    try:
        proc = subprocess.run(["go", "mod", "download", "-json", f"{module}@{version}"],
                              capture_output=True, text=True, env=env, cwd=paths.CACHE)
    except FileNotFoundError:
        raise UserError(f"go: not found; the cluster reads {module}'s files from the Go module cache")
    try:
        info = json.loads(proc.stdout or "{}")
    except ValueError:
        info = {}
    if proc.returncode != 0 or "Dir" not in info:
        raise UserError(f"go mod download {module}@{version} failed: "
                        f"{info.get('Error') or last_line(proc.stderr)}")
    return Path(info["Dir"])


def kwok_module_dir() -> Path:
    return go_module_dir("sigs.k8s.io/kwok", paths.versions()["KWOK_VERSION"])


def kwok_stages() -> list[dict]:
    """kwok's default stages plus ours (tools/kwok/*.yaml)."""
    module = kwok_module_dir()
    stages = []
    for rel in KWOK_DEFAULT_STAGES:
        stages.extend(d for d in yaml.safe_load_all((module / rel).read_text()) if d)
    ours = sorted(OUR_STAGES.glob("*.yaml"))
    for path in ours:
        stages.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    names = [s["metadata"]["name"] for s in stages]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise UserError(f"tools/kwok: stage names {', '.join(duplicates)} clash with kwok's defaults")
    return stages


def kwok_config() -> list[dict]:
    pins = paths.versions()
    config = {
        "apiVersion": "config.kwok.x-k8s.io/v1alpha1",
        "kind": "KwokctlConfiguration",
        "options": {
            "runtime": "binary",
            "bindAddress": "127.0.0.1",
            "kubeVersion": pins["KUBERNETES_VERSION"],
            "kwokVersion": pins["KWOK_VERSION"],
            "etcdVersion": pins["ETCD_VERSION"].lstrip("v"),
            "kubeAdmission": True,
            "kubeAuthorization": True,
            "disableQPSLimits": True,
        },
        # Every environment at once: about 40 Services and 100 pods each, far more than the
        # defaults' /24s (which also overlap: kube-apiserver's 10.0.0.0/24, kwok's 10.0.0.1/24).
        "componentsPatches": [
            {"name": "kube-apiserver",
             "extraArgs": [{"key": "service-cluster-ip-range", "value": SERVICE_CIDR}]},
            {"name": "kwok-controller", "extraArgs": [{"key": "cidr", "value": POD_CIDR}]},
            # An HPA raises a Deployment to its minReplicas at its next sync: every 3s, not 15s.
            {"name": "kube-controller-manager",
             "extraArgs": [{"key": "horizontal-pod-autoscaler-sync-period", "value": "3s"}]},
        ],
    }
    return [config, *kwok_stages()]


def local_cluster_exists() -> bool:
    return (KWOK_WORKDIR / "clusters" / CLUSTER_NAME / "kwok.yaml").is_file()


def local_up() -> None:
    require_binaries(LOCAL_BINARIES)
    if local_cluster_exists():
        if api_ready():
            say(f"local cluster {CLUSTER_NAME} is already running")
            return
        say(f"local cluster {CLUSTER_NAME} exists but does not answer: starting its processes")
        proc = run([paths.tool("kwokctl"), "start", "cluster", "--name", CLUSTER_NAME],
                   check=False, timeout=180)
        if proc.returncode == 0:
            try:
                wait_for("kube-apiserver", api_ready, 60)
                return
            except UserError:
                pass
        say("restart failed: recreating the cluster")
        local_down(quiet=True)
    KWOK_WORKDIR.mkdir(parents=True, exist_ok=True)
    write_atomically(KWOK_CONFIG, yaml.safe_dump_all(kwok_config(), sort_keys=False))
    bin_ = paths.CACHE_BIN
    say("starting etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok "
        "(kwokctl --runtime binary, 127.0.0.1)")
    run([
        str(bin_ / "kwokctl"), "create", "cluster",
        "--name", CLUSTER_NAME,
        "--config", str(KWOK_CONFIG),
        "--runtime", "binary",
        "--kubeconfig", str(KUBECONFIG),
        "--kube-apiserver-binary", str(bin_ / "kube-apiserver"),
        "--kube-controller-manager-binary", str(bin_ / "kube-controller-manager"),
        "--kube-scheduler-binary", str(bin_ / "kube-scheduler"),
        "--etcd-binary", str(bin_ / "etcd"),
        "--kwok-controller-binary", str(bin_ / "kwok"),
        "--wait", "2m",
        "--quiet-pull",
    ], timeout=300)
    wait_for("kube-apiserver", api_ready, 60)


def cluster_pids() -> list[int]:
    """The processes kwokctl started for the cluster (by its pid files; a pid since reused by
    another program is left out)."""
    cluster_dir = str(KWOK_WORKDIR / "clusters" / CLUSTER_NAME)
    pids = []
    for pidfile in (KWOK_WORKDIR / "clusters" / CLUSTER_NAME / "pids").glob("*.pid"):
        try:
            pid = int(pidfile.read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except (OSError, ValueError):
            continue
        if cluster_dir in cmdline:
            pids.append(pid)
    return pids


def cluster_ports() -> list[int]:
    """The ports the local cluster's processes listen on (from kwokctl's saved configuration)."""
    ports: set[int] = set()
    try:
        docs = list(yaml.safe_load_all((KWOK_WORKDIR / "clusters" / CLUSTER_NAME / "kwok.yaml").read_text()))
    except (OSError, yaml.YAMLError):
        return []
    for doc in docs:
        if not isinstance(doc, dict) or doc.get("kind") != "KwokctlConfiguration":
            continue
        for key, value in (doc.get("options") or {}).items():
            if key.endswith("Port") and type(value) is int and value > 0:
                ports.add(value)
        for component in doc.get("components") or []:
            for port in component.get("ports") or []:
                for key in ("port", "hostPort"):
                    if port.get(key):
                        ports.add(int(port[key]))
            for arg in component.get("args") or []:
                for flag in ("--secure-port=", "--port="):
                    if arg.startswith(flag) and arg[len(flag):].isdigit() and int(arg[len(flag):]) > 0:
                        ports.add(int(arg[len(flag):]))
    return sorted(ports)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie is not alive
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def local_down(quiet: bool = False) -> None:
    pids, ports = cluster_pids(), cluster_ports()
    if local_cluster_exists() or pids:
        if not quiet:
            say(f"stopping the local cluster {CLUSTER_NAME}")
        run([paths.tool("kwokctl"), "delete", "cluster", "--name", CLUSTER_NAME,
             "--kubeconfig", str(KUBECONFIG)], check=False, timeout=180)
    # kwokctl stops what it started; make sure, by the pids it recorded and nothing broader.
    leftovers = [pid for pid in pids if alive(pid)]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in leftovers:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(alive(p) for p in leftovers):
            time.sleep(0.2)
        leftovers = [pid for pid in leftovers if alive(pid)]
    if leftovers:
        raise UserError(f"cluster processes {', '.join(map(str, leftovers))} did not stop")
    deadline = time.monotonic() + 10
    busy = ports
    while busy and time.monotonic() < deadline:
        busy = [p for p in ports if listening(p)]
        if busy:
            time.sleep(0.2)
    if busy:
        raise UserError(f"ports {', '.join(map(str, busy))} still listen after the cluster stopped")
    shutil.rmtree(KWOK_WORKDIR / "clusters" / CLUSTER_NAME, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# The kind provider (needs Docker)

def kind_up(nodes: int, gpu_nodes: int) -> None:
    require_binaries(["kind", "kubectl"])
    if shutil.which("docker") is None and shutil.which("podman") is None:
        raise UserError("the kind provider needs Docker or Podman; use --provider local")
    existing = run([paths.tool("kind"), "get", "clusters"], check=False).stdout.split()
    if CLUSTER_NAME in existing:
        say(f"kind cluster {CLUSTER_NAME} is already running")
        run([paths.tool("kind"), "export", "kubeconfig", "--name", CLUSTER_NAME,
             "--kubeconfig", str(KUBECONFIG)])
        return
    config_path = paths.CACHE / "kind-config.yaml"
    write_atomically(config_path, yaml.safe_dump(kind_config(nodes, gpu_nodes), sort_keys=False))
    say(f"creating kind cluster {CLUSTER_NAME} with {nodes + gpu_nodes} workers")
    run([paths.tool("kind"), "create", "cluster", "--name", CLUSTER_NAME, "--config", str(config_path),
         "--kubeconfig", str(KUBECONFIG), "--wait", "5m"], stream=True)


def kind_config(nodes: int, gpu_nodes: int) -> dict:
    """One control plane and a worker per CPU and GPU node, the API server on 127.0.0.1."""
    return {
        "kind": "Cluster",
        "apiVersion": "kind.x-k8s.io/v1alpha4",
        "networking": {"apiServerAddress": "127.0.0.1"},
        "nodes": [{"role": "control-plane"}] + [{"role": "worker"} for _ in range(nodes + gpu_nodes)],
    }


def kind_shape_nodes(nodes: int, gpu_nodes: int) -> None:
    """Label the first workers as CPU nodes and the last ones as mock GPU nodes."""
    workers = sorted(
        n["metadata"]["name"] for n in kubectl_json("get", "nodes")["items"]
        if "node-role.kubernetes.io/control-plane" not in n["metadata"].get("labels", {})
    )
    for name in workers[:nodes]:
        kubectl("label", "node", name, "--overwrite", f"{NODE_ROLE_LABEL}=cpu")
    for name in workers[nodes:nodes + gpu_nodes]:
        mock_gpu(name)


# --------------------------------------------------------------------------------------------
# Nodes and storage, the same for both providers

def node_object(name: str, gpu: bool) -> dict:
    labels = {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "type": "kwok",
        NODE_ROLE_LABEL: "gpu" if gpu else "cpu",
    }
    spec: dict = {}
    if gpu:
        labels[GPU_LABEL_KEY] = GPU_LABEL_VALUE
        spec["taints"] = [GPU_TAINT]
    capacity = GPU_NODE_CAPACITY if gpu else CPU_NODE_CAPACITY
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": labels,
            "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
        },
        "spec": spec,
        "status": {"capacity": dict(capacity), "allocatable": dict(capacity)},
    }


def mock_gpu(name: str) -> None:
    """Make a node look like a GPU node: label, taint, and nvidia.com/gpu in its status."""
    kubectl("label", "node", name, "--overwrite", f"{GPU_LABEL_KEY}={GPU_LABEL_VALUE}",
            f"{NODE_ROLE_LABEL}=gpu")
    kubectl("taint", "node", name, "--overwrite",
            f"{GPU_TAINT['key']}={GPU_TAINT['value']}:{GPU_TAINT['effect']}")
    count = str(GPUS_PER_NODE)
    patch = {"status": {"capacity": {GPU_RESOURCE: count}, "allocatable": {GPU_RESOURCE: count}}}
    kubectl("patch", "node", name, "--subresource=status", "--type=merge", "-p", json.dumps(patch))


def local_nodes(nodes: int, gpu_nodes: int) -> None:
    want = {n: False for n in cpu_node_names(nodes)} | {n: True for n in gpu_node_names(gpu_nodes)}
    apply(node_object(name, gpu) for name, gpu in want.items())
    # Capacity lives in status, which `apply` cannot change on an existing node.
    for name, gpu in want.items():
        capacity = GPU_NODE_CAPACITY if gpu else CPU_NODE_CAPACITY
        patch = {"status": {"capacity": capacity, "allocatable": capacity}}
        kubectl("patch", "node", name, "--subresource=status", "--type=merge", "-p", json.dumps(patch))
    # Nodes of an earlier, larger `up` go away.
    for node in kubectl_json("get", "nodes", "-l", "type=kwok")["items"]:
        name = node["metadata"]["name"]
        if name not in want:
            kubectl("delete", "node", name, "--wait=false")


def nodes_ready(expected: int) -> bool:
    items = kubectl_json("get", "nodes")["items"]
    ready = [
        n for n in items
        if any(c["type"] == "Ready" and c["status"] == "True" for c in n.get("status", {}).get("conditions", []))
        and not n["spec"].get("unschedulable")
    ]
    return len(ready) >= expected


def storage_class(name: str, default: bool) -> dict:
    annotations = {"storageclass.kubernetes.io/is-default-class": "true"} if default else {}
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": name, "annotations": annotations,
                     "labels": {"app.kubernetes.io/managed-by": "quikapp-charts-cluster"}},
        "provisioner": "kubernetes.io/no-provisioner",
        "volumeBindingMode": "Immediate",
        "reclaimPolicy": "Retain",
    }


def ensure_storage_class() -> None:
    apply([storage_class(STORAGE_CLASS, default=True)])


def ensure_secrets_store() -> None:
    """The SecretProviderClass CRD and the secrets-store CSIDriver, as the driver's release ships them."""
    version = paths.versions().get("SECRETS_STORE_CSI_DRIVER_VERSION", SECRETS_STORE_DEFAULT_VERSION)
    module = go_module_dir(SECRETS_STORE_MODULE, version)
    objects = [d for rel in SECRETS_STORE_FILES for d in yaml.safe_load_all((module / rel).read_text())
               if isinstance(d, dict)]
    apply(objects)
    kubectl("wait", "--for=condition=Established", "--timeout=60s",
            "crd/secretproviderclasses.secrets-store.csi.x-k8s.io")


def persistent_volume(name: str, claim_spec: dict, storage_class: str, claim_ref: dict | None) -> dict:
    spec = {
        "capacity": {"storage": (claim_spec.get("resources", {}).get("requests") or {}).get("storage", "1Gi")},
        "accessModes": claim_spec.get("accessModes") or ["ReadWriteOnce"],
        "volumeMode": claim_spec.get("volumeMode", "Filesystem"),
        "storageClassName": storage_class,
        "persistentVolumeReclaimPolicy": "Retain",
        "hostPath": {"path": f"/var/lib/quikapp-models/{name}", "type": "DirectoryOrCreate"},
    }
    if claim_ref:
        spec["claimRef"] = claim_ref
    return {"apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "quikapp-charts-cluster"}},
            "spec": spec}


def storage_classes_for(claims: list[dict]) -> list[dict]:
    """A no-provisioner StorageClass for each class the claims name that the cluster lacks."""
    classes = {sc["metadata"]["name"] for sc in kubectl_json("get", "storageclass")["items"]}
    wanted = {c.get("spec", {}).get("storageClassName") or STORAGE_CLASS for c in claims}
    return [storage_class(name, default=False) for name in sorted(wanted - classes)]


def volumes_for_claims(claims: list[dict], namespace: str) -> None:
    """One static PersistentVolume pre-bound to each claim (and its StorageClass if missing)."""
    objects = storage_classes_for(claims)
    for claim in claims:
        name = claim["metadata"]["name"]
        spec = claim.get("spec", {})
        ref = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "namespace": namespace, "name": name}
        objects.append(persistent_volume(f"{namespace}-{name}"[:253], spec,
                                         spec.get("storageClassName") or STORAGE_CLASS, ref))
    # A volume released by an earlier install of the same claim binds again.
    for pv in kubectl_json("get", "pv", "-l", "app.kubernetes.io/managed-by=quikapp-charts-cluster")["items"]:
        ref = pv["spec"].get("claimRef") or {}
        if pv.get("status", {}).get("phase") == "Released" and ref.get("namespace") == namespace:
            kubectl("patch", "pv", pv["metadata"]["name"], "--type=json",
                    "-p", '[{"op":"remove","path":"/spec/claimRef/uid"},'
                          '{"op":"remove","path":"/spec/claimRef/resourceVersion"}]', check=False)
    if objects:
        apply(objects)


def spare_volumes(claims: list[dict], copies: int = 1) -> None:
    """Unbound PersistentVolumes that COPIES installs of these claims can bind, in any namespace
    (for installs whose namespace is not known beforehand, such as `ct install`'s)."""
    objects = storage_classes_for(claims)
    available: dict[tuple, int] = {}
    for pv in kubectl_json("get", "pv", "-l", "quikapp.io/spare=true")["items"]:
        if pv.get("status", {}).get("phase") == "Available":
            key = (pv["spec"]["storageClassName"], pv["spec"]["capacity"]["storage"],
                   tuple(pv["spec"]["accessModes"]))
            available[key] = available.get(key, 0) + 1
    needed: dict[tuple, tuple[int, dict]] = {}
    for claim in claims:
        spec = claim.get("spec", {})
        pv = persistent_volume("x", spec, spec.get("storageClassName") or STORAGE_CLASS, None)
        key = (pv["spec"]["storageClassName"], pv["spec"]["capacity"]["storage"], tuple(pv["spec"]["accessModes"]))
        count, _ = needed.get(key, (0, spec))
        needed[key] = (count + copies, spec)
    for key, (count, spec) in needed.items():
        for _ in range(count - available.get(key, 0)):
            name = f"spare-{key[0]}-{os.urandom(4).hex()}"
            pv = persistent_volume(name, spec, key[0], None)
            pv["metadata"]["labels"]["quikapp.io/spare"] = "true"
            objects.append(pv)
    if objects:
        apply(objects)


# --------------------------------------------------------------------------------------------
# Install

def values_namespace(env: str) -> str:
    path = paths.env_values_file(env)
    if not path.is_file():
        known = ", ".join(paths.environments()) or "none"
        raise UserError(f"{path.relative_to(paths.ROOT)}: no such environment (known: {known})")
    try:
        values = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise UserError(f"{path.relative_to(paths.ROOT)}: not valid YAML: {str(exc).splitlines()[0]}")
    namespace = (values.get("global") or {}).get("namespace") if isinstance(values, dict) else None
    if not namespace or not isinstance(namespace, str):
        raise UserError(f"{path.relative_to(paths.ROOT)}: key global.namespace is missing")
    return namespace


def namespace_object(name: str) -> dict:
    labels = {"kubernetes.io/metadata.name": name}
    for mode in ("enforce", "warn", "audit"):
        labels[f"pod-security.kubernetes.io/{mode}"] = POD_SECURITY_LEVEL
        labels[f"pod-security.kubernetes.io/{mode}-version"] = "latest"
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def render(env: str, namespace: str, extra: Sequence[str]) -> list[dict]:
    proc = helm("template", RELEASE, str(paths.UMBRELLA), "-f", str(paths.env_values_file(env)),
                "-n", namespace, *extra)
    return [d for d in yaml.safe_load_all(proc.stdout) if isinstance(d, dict)]


def helm_args(values: Sequence[str], sets: Sequence[str]) -> list[str]:
    args: list[str] = []
    for v in values:
        args += ["-f", v]
    for s in sets:
        args += ["--set", s]
    return args


def install(env: str, *, namespace: str | None = None, values: Sequence[str] = (),
            sets: Sequence[str] = (), timeout: str = "5m", show: bool = True) -> str:
    """helm upgrade --install the umbrella chart for ENV; returns the namespace."""
    if not api_ready():
        raise UserError("the cluster is not running; start it with `quikapp-charts cluster up`")
    namespace = namespace or values_namespace(env)
    extra = helm_args(values, sets)
    rendered = render(env, namespace, extra)
    check_capacity(env, rendered, namespace)
    apply([namespace_object(namespace)])
    claims = [o for o in rendered if o.get("kind") == "PersistentVolumeClaim"]
    if claims:
        volumes_for_claims(claims, namespace)
    say(f"installing {RELEASE} for {env} into namespace {namespace} (helm upgrade --install --wait)")
    start = time.monotonic()
    proc = helm("upgrade", "--install", RELEASE, str(paths.UMBRELLA), "-f", str(paths.env_values_file(env)),
                "-n", namespace, *extra, "--wait", "--timeout", timeout, check=False)
    if proc.returncode != 0:
        raise UserError(f"helm upgrade --install {RELEASE} for {env} failed: {last_line(proc.stderr)}"
                        f"{why_not_running(namespace)}")
    say(f"{env}: installed and ready in {time.monotonic() - start:.0f}s")
    if show:
        click.echo(pods_table([namespace]))
    return namespace


def floor_replicas(rendered: list[dict]) -> dict[str, int]:
    """Deployment name -> replicas at the floor (the HPA's minReplicas when an HPA owns it)."""
    hpa_min = {h["spec"]["scaleTargetRef"]["name"]: h["spec"].get("minReplicas", 1)
               for h in rendered if h.get("kind") == "HorizontalPodAutoscaler"}
    return {d["metadata"]["name"]: hpa_min.get(d["metadata"]["name"], d["spec"].get("replicas", 1))
            for d in rendered if d.get("kind") == "Deployment"}


def pod_gpus(pod_spec: dict) -> int:
    return sum(int(((c.get("resources") or {}).get("limits") or {}).get(GPU_RESOURCE, 0))
               for c in pod_spec.get("containers", []))


def check_capacity(env: str, rendered: list[dict], namespace: str) -> None:
    """Fail early, in one line, when the cluster's nodes cannot hold ENV at its replica floor."""
    replicas = floor_replicas(rendered)
    deployments = [d for d in rendered if d.get("kind") == "Deployment"]
    need_gpus = sum(replicas[d["metadata"]["name"]] * pod_gpus(d["spec"]["template"]["spec"])
                    for d in deployments)
    nodes = [n for n in kubectl_json("get", "nodes")["items"] if not n["spec"].get("unschedulable")]
    total = sum(int(n.get("status", {}).get("allocatable", {}).get(GPU_RESOURCE, 0)) for n in nodes)
    used = sum(pod_gpus(p["spec"]) for p in kubectl_json("get", "pods", "-A")["items"]
               if p["metadata"]["namespace"] != namespace
               and p.get("status", {}).get("phase") not in ("Succeeded", "Failed"))
    if need_gpus > total - used:
        raise UserError(f"{env} needs {need_gpus} {GPU_RESOURCE} at its replica floor and the cluster has "
                        f"{total - used} free; add GPU nodes: quikapp-charts cluster up --gpu-nodes "
                        f"{-(-(need_gpus + used) // GPUS_PER_NODE)}")
    plain = [n for n in nodes if not n["spec"].get("taints")]
    for dep in deployments:
        affinity = dep["spec"]["template"]["spec"].get("affinity", {}).get("podAntiAffinity", {})
        hard = any(t.get("topologyKey") == "kubernetes.io/hostname"
                   for t in affinity.get("requiredDuringSchedulingIgnoredDuringExecution", []))
        name = dep["metadata"]["name"]
        if hard and not pod_gpus(dep["spec"]["template"]["spec"]) and replicas[name] > len(plain):
            raise UserError(f"{env}: {name} runs {replicas[name]} replicas, one per node, and the cluster has "
                            f"{len(plain)} CPU nodes; quikapp-charts cluster up --nodes {replicas[name] + 1}")


def why_not_running(namespace: str) -> str:
    """'; N pods not running, e.g. POD: REASON' for a failed install's one-line error."""
    stuck = [p for p in kubectl_json("get", "pods", "-n", namespace)["items"]
             if p.get("status", {}).get("phase") != "Running"
             and "helm.sh/hook" not in (p["metadata"].get("annotations") or {})]
    if not stuck:
        return ""
    pod = stuck[0]
    reason = next((c.get("message") for c in pod.get("status", {}).get("conditions", [])
                   if c.get("status") == "False" and c.get("message")), pod.get("status", {}).get("phase"))
    return f"; {len(stuck)} pods not running, e.g. {pod['metadata']['name']}: {reason}"


# --------------------------------------------------------------------------------------------
# Status

def pods_table(namespaces: Sequence[str] | None = None) -> str:
    nodes = {n["metadata"]["name"]: n for n in kubectl_json("get", "nodes")["items"]}
    if namespaces:
        pods = [p for ns in namespaces for p in kubectl_json("get", "pods", "-n", ns)["items"]]
    else:
        pods = [p for p in kubectl_json("get", "pods", "-A")["items"]]
    rows = [("NAMESPACE", "POD", "PHASE", "NODE", "POOL")]
    for pod in sorted(pods, key=lambda p: (p["metadata"]["namespace"], natural(p.get("spec", {}).get("nodeName", "")),
                                           p["metadata"]["name"])):
        node = pod.get("spec", {}).get("nodeName") or "-"
        pool = nodes.get(node, {}).get("metadata", {}).get("labels", {}).get(NODE_ROLE_LABEL, "-")
        rows.append((pod["metadata"]["namespace"], pod["metadata"]["name"],
                     pod.get("status", {}).get("phase", "?"), node, pool))
    return format_table(rows)


def nodes_table() -> str:
    pods = kubectl_json("get", "pods", "-A", "--field-selector=status.phase!=Succeeded")["items"]
    per_node: dict[str, int] = {}
    for pod in pods:
        node = pod.get("spec", {}).get("nodeName")
        if node:
            per_node[node] = per_node.get(node, 0) + 1
    rows = [("NODE", "POOL", "READY", "CPU", "MEMORY", "GPU", "PODS")]
    for node in sorted(kubectl_json("get", "nodes")["items"], key=lambda n: natural(n["metadata"]["name"])):
        meta, status = node["metadata"], node.get("status", {})
        ready = any(c["type"] == "Ready" and c["status"] == "True" for c in status.get("conditions", []))
        alloc = status.get("allocatable", {})
        rows.append((meta["name"], meta.get("labels", {}).get(NODE_ROLE_LABEL, "-"), "yes" if ready else "no",
                     alloc.get("cpu", "-"), alloc.get("memory", "-"), alloc.get(GPU_RESOURCE, "-"),
                     f"{per_node.get(meta['name'], 0)}/{alloc.get('pods', '-')}"))
    return format_table(rows)


def natural(name: str) -> tuple:
    """Sort key that puts quikapp-cpu-2 before quikapp-cpu-10."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name or ""))


def format_table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


# --------------------------------------------------------------------------------------------
# The commands

def up(provider: str = "local", nodes: int = DEFAULT_CPU_NODES, gpu_nodes: int = DEFAULT_GPU_NODES) -> None:
    if nodes < 1 or gpu_nodes < 0:
        raise UserError("--nodes must be at least 1 and --gpu-nodes at least 0")
    state = State.load()
    if state and state.provider != provider and (api_ready() or local_cluster_exists()):
        raise UserError(f"a {state.provider} cluster is running; `quikapp-charts cluster down` first")
    start = time.monotonic()
    if provider == "local":
        local_up()
        State(provider, nodes, gpu_nodes).save()
        say(f"creating {nodes} CPU nodes and {gpu_nodes} GPU nodes ({GPUS_PER_NODE} x {GPU_RESOURCE} each)")
        local_nodes(nodes, gpu_nodes)
    else:
        kind_up(nodes, gpu_nodes)
        State(provider, nodes, gpu_nodes).save()
        kind_shape_nodes(nodes, gpu_nodes)
    logs = KWOK_WORKDIR / "clusters" / CLUSTER_NAME / "logs" / "kwok-controller.log"
    wait_for("nodes", lambda: nodes_ready(nodes + gpu_nodes), 90,
             hint=f" (see {logs.relative_to(paths.ROOT)})" if provider == "local" else "")
    ensure_storage_class()
    ensure_secrets_store()
    say(f"cluster {CLUSTER_NAME} ({provider}) is up in {time.monotonic() - start:.0f}s; "
        f"KUBECONFIG={KUBECONFIG.relative_to(paths.ROOT)}")


def down() -> None:
    state = State.load()
    if state and state.provider == "kind":
        run([paths.tool("kind"), "delete", "cluster", "--name", CLUSTER_NAME,
             "--kubeconfig", str(KUBECONFIG)], check=False)
    else:
        local_down()
    STATE_FILE.unlink(missing_ok=True)
    KUBECONFIG.unlink(missing_ok=True)
    say(f"cluster {CLUSTER_NAME} is down")


@click.group("cluster")
def command() -> None:
    """A local Kubernetes cluster with fake CPU and GPU nodes, and installs into it."""


@command.command("up")
@click.option("--provider", type=click.Choice(["local", "kind"]), default="local", show_default=True,
              help="local: kwok with the control plane from .cache/bin; kind: needs Docker.")
@click.option("--nodes", type=int, default=DEFAULT_CPU_NODES, show_default=True, help="CPU nodes.")
@click.option("--gpu-nodes", type=int, default=DEFAULT_GPU_NODES, show_default=True,
              help=f"GPU nodes, each with {GPUS_PER_NODE} {GPU_RESOURCE}.")
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
