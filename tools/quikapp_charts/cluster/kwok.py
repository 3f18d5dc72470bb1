"""The local provider: kwokctl --runtime binary with the control plane built into .cache/bin, bound
to 127.0.0.1, and kwok's stages (its defaults plus ours, tools/kwok/*.yaml)."""
from __future__ import annotations

import os
import shutil

import yaml

from quikapp_charts.cluster.config import CLUSTER_NAME, KUBECONFIG, KWOK_WORKDIR
from quikapp_charts.cluster.kube import api_ready, require_binaries, run, say, wait_for
from quikapp_charts.cluster.processes import CLUSTER_DIR, cluster_pids, cluster_ports, stop
from quikapp_charts.core import paths
from quikapp_charts.core.errors import UserError
from quikapp_charts.core.files import write_atomically

KWOK_CONFIG = KWOK_WORKDIR / "quikapp-kwok.yaml"
SERVICE_CIDR = "10.96.0.0/16"
POD_CIDR = "10.244.0.1/16"
# The control plane collects garbage at 4 times its live heap instead of 2: the API server spent a
# sixth of its CPU in Go's garbage collector (a CPU profile of the cluster tests, /debug/pprof);
# with this, a sixth less, for about twice the memory at its peak (tools/benchmarks/control_plane_bench.py).
CONTROL_PLANE_GOGC = "400"
GOGC_VARIABLE = "QUIKAPP_CHARTS_CONTROL_PLANE_GOGC"  # another value for `cluster up`: 100 is Go's default

OUR_STAGES = paths.ROOT / "tools" / "kwok"  # our own Stage files, added to the defaults
LOCAL_BINARIES = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler",
                  "kubectl", "kwok", "kwokctl")


def kwok_stages() -> list[dict]:
    """kwok's default stages (what kwokctl uses when its config holds no Stage; a config holding
    any Stage replaces them all), as tools/bootstrap.sh took them from the kwok module, plus ours
    (tools/kwok/*.yaml)."""
    stages = []
    for path in [*paths.module_files(*paths.KWOK_STAGE_FILES), *sorted(OUR_STAGES.glob("*.yaml"))]:
        stages.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    names = [s["metadata"]["name"] for s in stages]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise UserError(f"tools/kwok: stage names {', '.join(duplicates)} clash with kwok's defaults")
    return stages


def control_plane_gogc() -> str:
    value = os.environ.get(GOGC_VARIABLE) or CONTROL_PLANE_GOGC
    if not (value.isdigit() or value == "off"):
        raise UserError(f"{GOGC_VARIABLE}={value!r}: not a percentage (such as 100) or off")
    return value


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
             "extraArgs": [{"key": "service-cluster-ip-range", "value": SERVICE_CIDR},
                           # A namespace's pods go in one delete of the collection, one pod after
                           # the other by default: 448 pods of a capacity run took 19 s, 14 s with 8.
                           {"key": "delete-collection-workers", "value": "8"}]},
            {"name": "kwok-controller", "extraArgs": [{"key": "cidr", "value": POD_CIDR}]},
            # The HPA controller keeps its default sync of 15 s: each sync of an HPA reads its
            # Deployment's scale and, with no metrics API here, writes a warning event, so a
            # 3-second sync over three environments' HPAs kept a fifth of a core busy.
            {"name": "kube-controller-manager"}, {"name": "kube-scheduler"}, {"name": "etcd"},
        ],
    }
    gogc = control_plane_gogc()
    for patch in config["componentsPatches"]:
        patch["extraEnvs"] = [{"name": "GOGC", "value": gogc}]
    return [config, *kwok_stages()]


def local_cluster_exists() -> bool:
    return (CLUSTER_DIR / "kwok.yaml").is_file()


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


def local_down(quiet: bool = False) -> None:
    pids, ports = cluster_pids(), cluster_ports()
    if local_cluster_exists() or pids:
        if not quiet:
            say(f"stopping the local cluster {CLUSTER_NAME}")
        run([paths.tool("kwokctl"), "delete", "cluster", "--name", CLUSTER_NAME,
             "--kubeconfig", str(KUBECONFIG)], check=False, timeout=180)
    # kwokctl stops what it started; make sure, by the pids it recorded and nothing broader.
    stop(pids, ports)
    shutil.rmtree(CLUSTER_DIR, ignore_errors=True)
