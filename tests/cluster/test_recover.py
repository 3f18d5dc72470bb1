"""A helm killed mid-upgrade (SIGKILL once its pending revision exists, as a CI job's timeout does)
leaves the release `pending-upgrade`, and every later upgrade fails with "another operation is in
progress". `quikapp-charts recover` refuses while the pending revision is young (another helm may
still run), then rolls the release back to its last deployed revision; the next upgrade succeeds.

local's Python stack (its GPU services and their model claims), installed into a namespace of its
own, so that the other tests' release stays as it was; what is recovered is the release, whatever it holds.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

from clusterlib import HELM_TIMEOUT, helm, kubectl, kubectl_json, run, wait_at_floor, wait_until_namespace_gone
from quikapp_charts.cluster import install
from quikapp_charts.cluster.config import KUBECONFIG, RELEASE
from quikapp_charts.cluster.kube import tool_env
from quikapp_charts.cluster.storage import volumes_for_claims
from quikapp_charts.core import paths
from support import floors

pytestmark = pytest.mark.cluster

NAMESPACE = "quikapp-recover"
ENV = "local"
ONE_STACK = [f"{stack}.enabled=false" for stack in ("spring-boot", "nestjs", "elixir", "go")]


def chart_args(*sets: str) -> list[str]:
    args = [str(paths.UMBRELLA), "-f", str(paths.env_values_file(ENV)), "-n", NAMESPACE,
            "--set", f"global.namespace={NAMESPACE}"]
    for s in [*ONE_STACK, *sets]:
        args += ["--set", s]
    return args


def last_revision() -> dict:
    secrets = kubectl_json("get", "secrets", "-n", NAMESPACE, "-l", f"owner=helm,name={RELEASE}")["items"]
    if not secrets:
        return {}
    return max((s["metadata"]["labels"] for s in secrets), key=lambda labels: int(labels["version"]))


def images(namespace: str) -> set[str]:
    return {d["spec"]["template"]["spec"]["containers"][0]["image"].rsplit(":", 1)[1]
            for d in kubectl_json("get", "deployments", "-n", namespace)["items"]}


def kill_mid_upgrade(tag: str) -> None:
    """helm upgrade with a new image tag, SIGKILLed once its pending revision exists and it has
    applied a Deployment (the state the wait leaves it in)."""
    proc = subprocess.Popen([paths.tool("helm"), "--kubeconfig", str(KUBECONFIG), "upgrade", RELEASE,
                             *chart_args(f"global.image.tag={tag}"), "--wait", "--timeout", HELM_TIMEOUT],
                            env=tool_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while not (last_revision().get("status") == "pending-upgrade" and tag in images(NAMESPACE)):
            assert proc.poll() is None, f"helm upgrade ended ({proc.returncode}) before it could be killed"
            assert time.monotonic() < deadline, "no pending revision within 300s"
            time.sleep(0.2)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


def recover(*args: str) -> subprocess.CompletedProcess:
    return run(str(paths.CACHE / "venv" / "bin" / "quikapp-charts"), "recover", ENV, "-n", NAMESPACE,
               "--kubeconfig", str(KUBECONFIG), *args, check=False)


def test_recover_after_helm_was_killed_mid_upgrade(kube_cluster):
    rendered = install.render(ENV, NAMESPACE, [arg for s in ONE_STACK for arg in ("--set", s)])
    floor = floors(rendered)
    # The namespace of an earlier run on this cluster may still be terminating (see the end).
    wait_until_namespace_gone(NAMESPACE)
    kubectl("apply", "--server-side", "-f", "-", input=json.dumps(install.namespace_object(NAMESPACE)))
    try:
        claims = [o for o in rendered if o["kind"] == "PersistentVolumeClaim"]
        volumes_for_claims([dict(c, metadata=dict(c["metadata"], namespace=NAMESPACE)) for c in claims], NAMESPACE)
        helm("upgrade", "--install", RELEASE, *chart_args(), "--wait", "--timeout", HELM_TIMEOUT)
        volumes = {c["metadata"]["name"]: c["spec"]["volumeName"]
                   for c in kubectl_json("get", "pvc", "-n", NAMESPACE)["items"]}
        assert volumes, "the GPU services' model claims are bound"
        kill_mid_upgrade("v9.9.11")
        status = json.loads(helm("status", RELEASE, "-n", NAMESPACE, "-o", "json").stdout)
        assert status["info"]["status"] == "pending-upgrade"
        blocked = helm("upgrade", RELEASE, *chart_args("global.image.tag=v9.9.12"), check=False)
        assert blocked.returncode != 0 and "another operation" in blocked.stderr

        refused = run(str(paths.CACHE / "venv" / "bin" / "quikapp-charts"), "cluster", "install", ENV, "--namespace",
                      NAMESPACE, "--set", f"global.namespace={NAMESPACE}", check=False)
        assert refused.returncode == 2 and f"run `quikapp-charts recover {ENV} --kubeconfig" in refused.stderr

        young = recover()
        assert young.returncode == 1, young.stderr
        assert "another helm may still be running" in young.stderr and "Traceback" not in young.stderr
        assert last_revision()["status"] == "pending-upgrade"

        done = recover("--timeout", "0s")
        assert done.returncode == 0, done.stderr
        assert "found: release quikapp in quikapp-recover: revision 2 is pending-upgrade" in done.stdout
        assert "done: marked revision 2 failed" in done.stdout
        assert "done: rolled back to revision 1: revision 3 is deployed" in done.stdout
        history = json.loads(helm("history", RELEASE, "-n", NAMESPACE, "-o", "json").stdout)
        assert [(r["revision"], r["status"]) for r in history][-2:] == [(2, "failed"), (3, "deployed")]
        wait_at_floor(kube_cluster.kube_client, NAMESPACE, floor)
        assert "v9.9.11" not in images(NAMESPACE)
        assert recover().stdout.strip().endswith("revision 3 is deployed; nothing to recover")

        helm("upgrade", RELEASE, *chart_args("global.image.tag=v9.9.12"), "--wait", "--timeout", HELM_TIMEOUT,
             "--force-conflicts")
        assert last_revision()["status"] == "deployed" and images(NAMESPACE) == {"v9.9.12"}
        wait_at_floor(kube_cluster.kube_client, NAMESPACE, floor)
        assert {c["metadata"]["name"]: c["spec"]["volumeName"]
                for c in kubectl_json("get", "pvc", "-n", NAMESPACE)["items"]} == volumes
    finally:
        # Not waited for (20 s of the namespace controller's sweep): nothing after this test needs it gone.
        kubectl("delete", "namespace", NAMESPACE, "--ignore-not-found", "--wait=false", check=False)
