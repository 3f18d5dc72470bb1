"""Faults for upgrade_faults.py, on the local cluster (kwokctl --runtime binary): its control-plane
processes found by the pid files kwokctl keeps, stopped and started again with the same command
line, its pid file updated so that `cluster down` still stops it; a node deleted; helm killed."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

from quikapp_charts.cluster.kube import api_ready, kubectl, kubectl_json
from quikapp_charts.cluster.processes import CLUSTER_DIR, alive

PIDS = CLUSTER_DIR / "pids"
LOGS = CLUSTER_DIR / "logs"
HELD: set[str] = set()  # components a fault keeps down on purpose: the Supervisor leaves them be


def component_pid(name: str) -> int:
    return int((PIDS / f"{name}.pid").read_text().strip())


def _stop(name: str, sig: int) -> tuple[list[str], str]:
    """Stop component NAME with SIG; returns its command line and working directory."""
    pid = component_pid(name)
    cmdline = [a.decode() for a in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if a]
    cwd = os.readlink(f"/proc/{pid}/cwd")
    os.kill(pid, sig)
    deadline = time.monotonic() + 30
    while alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)
    return cmdline, cwd


def _start(name: str, cmdline: list[str], cwd: str) -> None:
    with open(LOGS / f"{name}.log", "ab") as log:
        proc = subprocess.Popen(cmdline, cwd=cwd, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    (PIDS / f"{name}.pid").write_text(str(proc.pid))


def _ports(cmdline: list[str]) -> list[int]:
    """The ports a component listens on, from its flags (--secure-port=N, --listen-*-urls=...:N)."""
    found = set()
    for arg in cmdline:
        if arg.startswith(("--secure-port=", "--port=")):
            found.add(int(arg.split("=", 1)[1]))
        elif arg.startswith("--listen-"):
            found.update(int(p) for p in re.findall(r":(\d+)", arg.split("=", 1)[1]))
    return sorted(p for p in found if p > 0)


def _hold(ports: list[int]) -> list[socket.socket]:
    """Bind the ports without listening: connections are refused, as with the component down, and
    no other cluster on a shared machine takes them meanwhile."""
    held = []
    for port in ports:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
            held.append(sock)
        except OSError:
            sock.close()
    return held


def restart(name: str, sig: int = signal.SIGTERM, down_seconds: float = 0) -> str:
    """Stop a control-plane component, leave it down for DOWN_SECONDS, start it again."""
    HELD.add(name)
    try:
        cmdline, cwd = _stop(name, sig)
        held = _hold(_ports(cmdline))
        time.sleep(down_seconds)
        for sock in held:
            sock.close()
        _start(name, cmdline, cwd)
    finally:
        HELD.discard(name)
    wait_api()
    return f"{name} {'killed' if sig == signal.SIGKILL else 'stopped'}, down {down_seconds:.0f}s, started again"


def wait_api(timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not api_ready():
        if time.monotonic() > deadline:
            raise RuntimeError(f"kube-apiserver not ready {timeout:.0f}s after the fault")
        time.sleep(0.5)


def delete_busy_node(namespace: str) -> str:
    """Delete the CPU node that runs the most pods of NAMESPACE (its pods go with it)."""
    counts: dict[str, int] = {}
    for pod in kubectl_json("get", "pods", "-n", namespace)["items"]:
        node = pod["spec"].get("nodeName")
        if node and "-gpu-" not in node and pod["status"].get("phase") == "Running":
            counts[node] = counts.get(node, 0) + 1
    node = max(counts, key=counts.get)
    kubectl("delete", "node", node, "--wait=false")
    return f"node {node} with {counts[node]} running pods deleted"


class Supervisor:
    """Starts again, with its command line of when the supervisor began, every control-plane
    process that exits: what the kubelet does for a control plane's static pods, and what kwokctl's
    binary runtime does not (kube-controller-manager and kube-scheduler exit when they cannot renew
    their leader lease, as while kube-apiserver or etcd is down)."""

    def __init__(self) -> None:
        self.saved = {}
        for pidfile in sorted(PIDS.glob("*.pid")):
            pid = int(pidfile.read_text().strip())
            cmdline = [a.decode() for a in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if a]
            self.saved[pidfile.stem] = (cmdline, os.readlink(f"/proc/{pid}/cwd"))
        self.revived: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.wait(1):
            for name, (cmdline, cwd) in self.saved.items():
                if name in HELD:
                    continue
                try:
                    running = alive(component_pid(name))
                except (OSError, ValueError):
                    running = False
                if not running:
                    _start(name, cmdline, cwd)
                    self.revived.append(name)

    def __enter__(self) -> Supervisor:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def take(self) -> list[str]:
        """The components started again since the last call."""
        taken, self.revived = self.revived, []
        return taken
