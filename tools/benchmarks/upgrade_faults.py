#!/usr/bin/env python3
"""Upgrades survive faults: ENV (live) is upgraded on the local cluster again and again, each time
with one fault injected at an early, a middle or a late point of the upgrade, and must converge.

    flock /work/team/cluster.lock python tools/benchmarks/upgrade_faults.py [--env live] [--kinds K,...] [--points P,...]

Faults: helm SIGKILLed; kube-apiserver stopped for 20 s and started again; etcd stopped and started
again; kube-controller-manager killed and restarted; a node with running pods deleted. Points:
early (helm has written its pending revision), middle (a third of the Deployments rolled out to
the new image), late (two thirds). After the fault, helm is waited for; a release left pending is
recovered (`quikapp-charts recover ENV`), and the upgrade runs again, which must converge: the new
revision deployed, every Deployment available at its floor on the new image, `helm history`
readable, every claim bound to the same volume as before, no object of the release that the
deployed revision lacks. Prints the table (fault x point: survived or not, and how); exit 1 when a
case did not survive. Starts the cluster when it is not running, and stops what it started.
"""
from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import faultlib

from quikapp_charts.cluster import lifecycle
from quikapp_charts.cluster.config import KUBECONFIG, RELEASE
from quikapp_charts.cluster.install import install
from quikapp_charts.cluster.kube import api_ready, helm, kubectl_json, tool_env
from quikapp_charts.core import paths, rendering
from quikapp_charts.core.inventory import replica_floors

POINTS = {"early": 0.0, "middle": 1 / 3, "late": 2 / 3}
HELM_WAIT_S = 420


@dataclass
class Case:
    kind: str
    point: str
    survived: bool = False
    how: str = ""


def faults(namespace: str) -> dict[str, Callable[[subprocess.Popen], str]]:
    def kill_helm(proc: subprocess.Popen) -> str:
        proc.send_signal(signal.SIGKILL)
        return "helm SIGKILLed"

    return {
        "helm-sigkill": kill_helm,
        "apiserver-stop-20s": lambda _: faultlib.restart("kube-apiserver", signal.SIGTERM, 20),
        "etcd-restart": lambda _: faultlib.restart("etcd", signal.SIGTERM, 2),
        "controller-manager-kill": lambda _: faultlib.restart("kube-controller-manager", signal.SIGKILL, 0),
        "node-delete": lambda _: faultlib.delete_busy_node(namespace),
    }


def helm_upgrade(env: str, namespace: str, tag: str) -> list[str]:
    return [str(paths.tool("helm")), "--kubeconfig", str(KUBECONFIG), "upgrade", RELEASE, str(paths.UMBRELLA),
            "-f", str(paths.env_values_file(env)), "-n", namespace, "--set", f"global.image.tag={tag}",
            "--wait", "--timeout", "5m"]


def deployments(namespace: str) -> list[dict]:
    return kubectl_json("get", "deployments", "-n", namespace)["items"]


def rolled_to(namespace: str, tag: str) -> float:
    """The share of Deployments rolled out on TAG (every replica updated and available)."""
    items = deployments(namespace)
    done = 0
    for d in items:
        s = d.get("status") or {}
        image = d["spec"]["template"]["spec"]["containers"][0]["image"]
        if (image.endswith(f":{tag}") and s.get("observedGeneration", 0) >= d["metadata"]["generation"]
                and s.get("updatedReplicas") == s.get("replicas") == s.get("availableReplicas")):
            done += 1
    return done / max(len(items), 1)


def last_revision(namespace: str) -> dict:
    secrets = kubectl_json("get", "secrets", "-n", namespace, "-l", f"owner=helm,name={RELEASE}")["items"]
    return max((s["metadata"]["labels"] for s in secrets), key=lambda labels: int(labels["version"]))


def reach(point: str, namespace: str, tag: str, before: int, proc: subprocess.Popen) -> None:
    """Wait until the upgrade is at POINT: its pending revision written, then the share rolled out."""
    deadline = time.monotonic() + 300
    while True:
        rev = last_revision(namespace)
        if int(rev["version"]) > before and (POINTS[point] == 0 or rolled_to(namespace, tag) >= POINTS[point]):
            return
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the upgrade ended ({proc.returncode}) before the {point} point")
        time.sleep(0.2)


def claims(namespace: str) -> dict[str, str]:
    return {c["metadata"]["name"]: c["spec"].get("volumeName", "")
            for c in kubectl_json("get", "pvc", "-n", namespace)["items"]}


def converged(env: str, namespace: str, tag: str, volumes: dict[str, str], rendered: list[dict]) -> list[str]:
    """What keeps the release from the state the upgrade promised (empty when it is there)."""
    problems = []
    rev = last_revision(namespace)
    if rev["status"] != "deployed":
        problems.append(f"revision {rev['version']} is {rev['status']}")
    history = helm("history", RELEASE, "-n", namespace, "-o", "json", check=False)
    if history.returncode != 0 or not json.loads(history.stdout):
        problems.append("helm history unreadable")
    floor = replica_floors(rendered)
    for d in deployments(namespace):
        s, name = d.get("status") or {}, d["metadata"]["name"]
        if not d["spec"]["template"]["spec"]["containers"][0]["image"].endswith(f":{tag}"):
            problems.append(f"{name} not on {tag}")
        elif int(s.get("availableReplicas", 0)) < floor.get(name, 1) or s.get("updatedReplicas") != s.get("replicas"):
            problems.append(f"{name} {s.get('availableReplicas', 0)}/{floor.get(name, 1)} available")
    if claims(namespace) != volumes:
        problems.append(f"claims moved: {claims(namespace)} != {volumes}")
    manifest = helm("get", "manifest", RELEASE, "-n", namespace).stdout
    names = {(o["kind"], o["metadata"]["name"]) for o in rendering.load_objects(manifest, keep=False)}
    for kind in ("deployments", "services", "configmaps", "horizontalpodautoscalers", "poddisruptionbudgets",
                 "networkpolicies", "persistentvolumeclaims"):
        for o in kubectl_json("get", kind, "-n", namespace, "-l", "app.kubernetes.io/managed-by=Helm")["items"]:
            if (o["kind"], o["metadata"]["name"]) not in names:
                problems.append(f"left over: {o['kind']}/{o['metadata']['name']}")
    return problems


def recover_if_pending(env: str, namespace: str) -> str:
    if not last_revision(namespace)["status"].startswith("pending-"):
        return "no recover needed"
    proc = subprocess.run([sys.executable, "-m", "quikapp_charts", "recover", env, "--timeout", "0s",
                           "--kubeconfig", str(KUBECONFIG)], capture_output=True, text=True, env=tool_env())
    if proc.returncode != 0:
        raise RuntimeError(f"recover exited {proc.returncode}: {proc.stderr.strip()}")
    done = [line.removeprefix("done: ") for line in proc.stdout.splitlines() if line.startswith("done: ")]
    return "recover: " + "; ".join(done)


def run_case(case: Case, env: str, namespace: str, tag: str, rendered: list[dict], shape: tuple[int, int],
             supervisor: faultlib.Supervisor) -> None:
    volumes, before = claims(namespace), int(last_revision(namespace)["version"])
    proc = subprocess.Popen(helm_upgrade(env, namespace, tag), env=tool_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    reach(case.point, namespace, tag, before, proc)
    what = faults(namespace)[case.kind](proc)
    try:
        proc.wait(timeout=HELM_WAIT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    steps = [what, f"helm exited {proc.returncode}"]
    faultlib.wait_api()
    revived = supervisor.take()
    if revived:
        steps.append(f"{', '.join(sorted(set(revived)))} exited and started again")
    if case.kind == "node-delete":
        lifecycle.up("local", *shape)  # the node back, as a node pool replaces a lost VM
    steps.append(recover_if_pending(env, namespace))
    again = subprocess.run(helm_upgrade(env, namespace, tag), env=tool_env(), capture_output=True, text=True)
    steps.append("upgrade again " + ("ok" if again.returncode == 0 else f"failed: {again.stderr.strip()[-300:]}"))
    problems = converged(env, namespace, tag, volumes, rendered) if again.returncode == 0 else ["upgrade failed"]
    case.survived, case.how = not problems, "; ".join(steps + problems)


def timed_case(kind: str, point: str, env: str, namespace: str, tag: str, rendered: list[dict],
               shape: tuple[int, int], supervisor: faultlib.Supervisor) -> Case:
    case = Case(kind, point)
    start = time.monotonic()
    try:
        run_case(case, env, namespace, tag, rendered, shape, supervisor)
    except (RuntimeError, subprocess.SubprocessError) as err:
        case.how = f"error: {err}"
    print(f"{kind} at {point}: {'survived' if case.survived else 'NOT survived'} in "
          f"{time.monotonic() - start:.0f}s ({case.how})", file=sys.stderr, flush=True)
    return case


def table(cases: list[Case], kinds: list[str], points: list[str]) -> str:
    by = {(c.kind, c.point): c for c in cases}
    lines = ["| fault | " + " | ".join(points) + " |", "|---|" + "---|" * len(points)]
    for kind in kinds:
        cells = [("survived" if by[(kind, p)].survived else "NOT survived") + f": {by[(kind, p)].how}"
                 for p in points]
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="live")
    parser.add_argument("--kinds", default=",".join(faults("").keys()))
    parser.add_argument("--points", default=",".join(POINTS))
    args = parser.parse_args()
    kinds, points = args.kinds.split(","), args.points.split(",")
    started = not api_ready()
    shape = (12, 3)
    lifecycle.up("local", *shape)
    namespace = install(args.env, show=False, timeout="10m")
    rendered = rendering.render(args.env).objects
    cases = []
    try:
        with faultlib.Supervisor() as supervisor:
            for number, (kind, point) in enumerate((k, p) for k in kinds for p in points):
                cases.append(timed_case(kind, point, args.env, namespace, f"9.{int(time.time()) % 1000}.{number + 1}",
                                        rendered, shape, supervisor))
    finally:
        if started:
            lifecycle.down()
    print(table(cases, kinds, points))
    survived = sum(c.survived for c in cases)
    print(f"\n{survived} of {len(cases)} survived")
    return 0 if survived == len(cases) else 1


if __name__ == "__main__":
    sys.exit(main())
