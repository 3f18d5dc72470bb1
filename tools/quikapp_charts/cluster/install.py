"""`cluster install`: the namespace, the volumes for its claims, a capacity check, and
`helm upgrade --install --wait` of the umbrella chart for an environment."""
from __future__ import annotations

import time
from collections.abc import Sequence

import click

from quikapp_charts.cluster.config import GPUS_PER_NODE, KUBECONFIG, POD_SECURITY_LEVEL, RELEASE
from quikapp_charts.cluster.kube import api_ready, apply, helm, kubectl_json, say
from quikapp_charts.cluster.status import pods_table
from quikapp_charts.cluster.storage import volumes_for_claims
from quikapp_charts.core import paths, rendering
from quikapp_charts.core.errors import UserError
from quikapp_charts.core.helm import error as helm_error
from quikapp_charts.core.inventory import pod_gpus, replica_floors
from quikapp_charts.core.resources import GPU


def namespace_object(name: str) -> dict:
    labels = {"kubernetes.io/metadata.name": name}
    for mode in ("enforce", "warn", "audit"):
        labels[f"pod-security.kubernetes.io/{mode}"] = POD_SECURITY_LEVEL
        labels[f"pod-security.kubernetes.io/{mode}-version"] = "latest"
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def render(env: str, namespace: str, extra: Sequence[str] = ()) -> list[dict]:
    """ENV's objects as `helm template` renders them into NAMESPACE with the extra helm arguments."""
    return rendering.render(env, namespace=namespace, extra=list(extra)).objects


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
    namespace = namespace or rendering.namespace_of(env)
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
        if "another operation" in proc.stderr:
            # An earlier helm was interrupted and left its revision pending; only recover gets it out.
            raise UserError(f"helm upgrade --install {RELEASE} for {env} failed: the release is pending from an "
                            f"interrupted helm; run `quikapp-charts recover {env} --kubeconfig {paths.shown(KUBECONFIG)}`")
        raise UserError(f"helm upgrade --install {RELEASE} for {env} failed: {helm_error(proc.stderr)}"
                        f"{why_not_running(namespace)}")
    say(f"{env}: installed and ready in {time.monotonic() - start:.0f}s")
    if show:
        click.echo(pods_table([namespace]))
    return namespace


def check_capacity(env: str, rendered: list[dict], namespace: str) -> None:
    """Fail early, in one line, when the cluster's nodes cannot hold ENV at its replica floor."""
    replicas = replica_floors(rendered)
    deployments = [d for d in rendered if d.get("kind") == "Deployment"]
    need_gpus = sum(replicas[d["metadata"]["name"]] * pod_gpus(d["spec"]["template"]["spec"])
                    for d in deployments)
    nodes = [n for n in kubectl_json("get", "nodes")["items"] if not n["spec"].get("unschedulable")]
    total = sum(int(n.get("status", {}).get("allocatable", {}).get(GPU, 0)) for n in nodes)
    used = sum(pod_gpus(p["spec"]) for p in kubectl_json("get", "pods", "-A")["items"]
               if p["metadata"]["namespace"] != namespace
               and p.get("status", {}).get("phase") not in ("Succeeded", "Failed"))
    if need_gpus > total - used:
        raise UserError(f"{env} needs {need_gpus} {GPU} at its replica floor and the cluster has "
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
