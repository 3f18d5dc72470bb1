"""The local cluster's processes and ports, found by what kwokctl recorded and nothing broader."""
from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import yaml

from quikapp_charts.cluster.config import CLUSTER_NAME, KWOK_WORKDIR
from quikapp_charts.core.errors import UserError

CLUSTER_DIR = KWOK_WORKDIR / "clusters" / CLUSTER_NAME


def cluster_processes() -> dict[str, int]:
    """The processes kwokctl started for the cluster, by the name of their pid files (kube-apiserver,
    etcd, secrets-driver ...); a pid since reused by another program is left out."""
    found = {}
    for pidfile in sorted((CLUSTER_DIR / "pids").glob("*.pid")):
        try:
            pid = int(pidfile.read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except (OSError, ValueError):
            continue
        if str(CLUSTER_DIR) in cmdline:
            found[pidfile.stem] = pid
    return found


def cluster_pids() -> list[int]:
    return list(cluster_processes().values())


def cluster_ports() -> list[int]:
    """The ports the local cluster's processes listen on (from kwokctl's saved configuration)."""
    ports: set[int] = set()
    try:
        docs = list(yaml.safe_load_all((CLUSTER_DIR / "kwok.yaml").read_text()))
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


def stop(pids: list[int], ports: list[int]) -> None:
    """Make sure the given processes are gone (TERM, then KILL) and the given ports are free."""
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
