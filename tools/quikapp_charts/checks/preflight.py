"""What a target cluster must hold before an environment installs, checked against the
environment's render: its namespace with Pod Security labels, the Secrets Store CSI driver and its
SecretProviderClass CRD, the StorageClasses, IngressClasses and cert-manager ClusterIssuers the
objects name, GPU nodes (label, taint, enough nvidia.com/gpu for the floor), the PriorityClass
the pods name, the metrics APIs the HPAs read, room in the namespace's quotas, and the Key Vault
identity where an environment must name one.

The cluster is read with kubectl (get, never anything that writes), with --kubeconfig when given.
"""
from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from quikapp_charts.capacity import demand
from quikapp_charts.core import paths
from quikapp_charts.core.errors import CheckFailed
from quikapp_charts.core.inventory import pod_gpus, replica_floors
from quikapp_charts.core.resources import GPU, quantity

POD_SECURITY_LEVEL = "restricted"
SPC_CRD = "secretproviderclasses.secrets-store.csi.x-k8s.io"
ISSUER_CRD = "clusterissuers.cert-manager.io"
ISSUER_ANNOTATION = "cert-manager.io/cluster-issuer"
GPU_TAINT = GPU
# The APIService the HPA controller reads each type of metric from.
METRICS_APIS = {"Resource": "v1beta1.metrics.k8s.io", "ContainerResource": "v1beta1.metrics.k8s.io",
                "Pods": "v1beta1.custom.metrics.k8s.io", "Object": "v1beta1.custom.metrics.k8s.io",
                "External": "v1beta1.external.metrics.k8s.io"}
# Environments whose Key Vault identity must be filled in (the others may run without one).
IDENTITY_REQUIRED = ("staging", "live", "production")


class Missing(CheckFailed):
    """Something the install needs is not in the cluster or the values (exit 1)."""


@dataclass
class Check:
    check: str
    subject: str
    ok: bool
    detail: str

    def row(self) -> list[str]:
        return [self.check, self.subject, "ok" if self.ok else "MISSING", self.detail]


class Cluster:
    """kubectl get against one cluster; None for what the cluster does not have."""

    def __init__(self, kubeconfig: Path | None = None):
        self.base = [paths.tool("kubectl")] + (["--kubeconfig", str(kubeconfig)] if kubeconfig else [])

    def get(self, *args: str) -> dict | None:
        result = subprocess.run([*self.base, "get", *args, "-o", "json"], capture_output=True, text=True)
        return json.loads(result.stdout) if result.returncode == 0 else None

    def items(self, *args: str) -> list[dict]:
        return (self.get(*args) or {}).get("items") or []

    def reachable(self) -> tuple[bool, str]:
        result = subprocess.run([*self.base, "get", "--raw", "/readyz"], capture_output=True, text=True)
        reason = (result.stderr.strip().splitlines() or ["no answer"])[-1]
        return result.returncode == 0, "API server ready" if result.returncode == 0 else reason


def _of(objects: list[dict], kind: str) -> list[dict]:
    return [o for o in objects if o.get("kind") == kind]


def _pod_specs(objects: list[dict]) -> list[dict]:
    return [((d.get("spec") or {}).get("template") or {}).get("spec") or {} for d in _of(objects, "Deployment")]


def namespace(cluster: Cluster, name: str) -> list[Check]:
    found = cluster.get("namespace", name)
    if found is None:
        return [Check("namespace", name, False, "does not exist")]
    level = ((found.get("metadata") or {}).get("labels") or {}).get("pod-security.kubernetes.io/enforce")
    return [Check("namespace", name, True, "exists"),
            Check("pod security", name, level == POD_SECURITY_LEVEL,
                  f"enforce={level}" if level else f"no pod-security.kubernetes.io/enforce label ({POD_SECURITY_LEVEL})")]


def secrets_store(cluster: Cluster, objects: list[dict]) -> list[Check]:
    drivers = sorted({(v.get("csi") or {}).get("driver") for spec in _pod_specs(objects)
                      for v in spec.get("volumes") or [] if v.get("csi")})
    checks = []
    if _of(objects, "SecretProviderClass"):
        checks.append(Check("CRD", SPC_CRD, cluster.get("crd", SPC_CRD) is not None, "the Secrets Store CSI driver's"))
    for driver in drivers:
        checks.append(Check("CSI driver", driver, cluster.get("csidriver", driver) is not None,
                            "registered" if cluster.get("csidriver", driver) is not None else "not registered"))
    return checks


def storage(cluster: Cluster, objects: list[dict]) -> list[Check]:
    classes = {c["metadata"]["name"]: c for c in cluster.items("storageclass")}
    default = [n for n, c in classes.items()
               if ((c["metadata"].get("annotations") or {}).get("storageclass.kubernetes.io/is-default-class") == "true")]
    checks = []
    for name in sorted({(c.get("spec") or {}).get("storageClassName") or "" for c in _of(objects, "PersistentVolumeClaim")}):
        if name:
            checks.append(Check("StorageClass", name, name in classes,
                                classes[name].get("provisioner", "") if name in classes else "not in the cluster"))
        else:
            checks.append(Check("StorageClass", "(default)", bool(default), default[0] if default else "no default class"))
    return checks


def ingress(cluster: Cluster, objects: list[dict]) -> list[Check]:
    ingresses = _of(objects, "Ingress")
    checks = []
    for name in sorted({(i.get("spec") or {}).get("ingressClassName") or "" for i in ingresses} - {""}):
        found = cluster.get("ingressclass", name)
        checks.append(Check("IngressClass", name, found is not None,
                            (found.get("spec") or {}).get("controller", "") if found else "not in the cluster"))
    issuers = sorted({(i["metadata"].get("annotations") or {}).get(ISSUER_ANNOTATION) or "" for i in ingresses} - {""})
    if issuers and cluster.get("crd", ISSUER_CRD) is None:
        return checks + [Check("ClusterIssuer", name, False, "cert-manager is not installed (no ClusterIssuer CRD)")
                         for name in issuers]
    for name in issuers:
        found = cluster.get(ISSUER_CRD, name)
        checks.append(Check("ClusterIssuer", name, found is not None, "exists" if found else "not in the cluster"))
    return checks


def gpu_nodes(cluster: Cluster, objects: list[dict]) -> list[Check]:
    floors = replica_floors(objects)
    wanted = 0
    selectors: set[tuple[str, str]] = set()
    for deployment in _of(objects, "Deployment"):
        spec = ((deployment.get("spec") or {}).get("template") or {}).get("spec") or {}
        if pod_gpus(spec):
            wanted += pod_gpus(spec) * floors.get(deployment["metadata"]["name"], 1)
            selectors |= set((spec.get("nodeSelector") or {}).items())
    if not wanted:
        return []
    nodes = [n for n in cluster.items("nodes")
             if all((n["metadata"].get("labels") or {}).get(k) == v for k, v in selectors)]
    label = ", ".join(f"{k}={v}" for k, v in sorted(selectors))
    tainted = [n for n in nodes if any(t.get("key") == GPU_TAINT and t.get("effect") == "NoSchedule"
                                       for t in (n.get("spec") or {}).get("taints") or [])]
    have = sum(int(((n.get("status") or {}).get("allocatable") or {}).get(GPU, 0)) for n in nodes)
    return [
        Check("GPU nodes", label, bool(nodes), f"{len(nodes)} node(s) with the label"),
        Check("GPU taint", f"{GPU_TAINT}:NoSchedule", bool(nodes) and len(tainted) == len(nodes),
              f"{len(tainted)} of {len(nodes)} labelled node(s) tainted"),
        Check("GPUs", GPU, have >= wanted, f"{have} allocatable on those nodes, the floor needs {wanted}"),
    ]


def metrics_apis(cluster: Cluster, objects: list[dict]) -> list[Check]:
    """The metrics APIs the HPAs read (an HPA whose API is not served never scales, and Argo CD
    shows it Degraded): its APIService registered and Available."""
    wanted: dict[str, set[str]] = {}
    for hpa in _of(objects, "HorizontalPodAutoscaler"):
        for metric in (hpa.get("spec") or {}).get("metrics") or []:
            if metric.get("type") in METRICS_APIS:
                wanted.setdefault(METRICS_APIS[metric["type"]], set()).add(hpa["metadata"]["name"])
    checks = []
    for api, hpas in sorted(wanted.items()):
        found = cluster.get("apiservice", api)
        conditions = ((found or {}).get("status") or {}).get("conditions") or []
        available = any(c.get("type") == "Available" and c.get("status") == "True" for c in conditions)
        readers = ", ".join(sorted(hpas)) if len(hpas) <= 2 else f"{len(hpas)} HPAs"
        state = "available" if available else "not available" if found else "not registered"
        checks.append(Check("metrics API", api, available, f"{state}; read by {readers}"))
    return checks


def priority_classes(cluster: Cluster, objects: list[dict]) -> list[Check]:
    names = sorted({spec.get("priorityClassName") or "" for spec in _pod_specs(objects)} - {""})
    return [Check("PriorityClass", name, cluster.get("priorityclass", name) is not None,
                  "exists" if cluster.get("priorityclass", name) is not None else
                  "not in the cluster (kubectl apply -f deploy/priorityclasses.yaml)") for name in names]


def quota_room(cluster: Cluster, env: str, ns: str, objects: list[dict]) -> list[Check]:
    """Each quota of the namespace that this release does not render must leave room for the
    environment's floor with a rolling surge (what the release's own quota admits, `capacity` checks)."""
    ours = {q["metadata"]["name"] for q in _of(objects, "ResourceQuota")}
    need = demand.model(env, ns, objects).figures("floor", surge=True).total
    checks = []
    for quota in cluster.items("resourcequota", "-n", ns):
        name = quota["metadata"]["name"]
        if name in ours:
            continue
        status = quota.get("status") or {}
        short = []
        for key, hard in (status.get("hard") or (quota.get("spec") or {}).get("hard") or {}).items():
            used = quantity((status.get("used") or {}).get(key, 0))
            left = quantity(hard) - used
            wanted = need.get(demand.quota_key(key), Decimal(0))
            if wanted > left:
                short.append(f"{key} {demand.show(demand.quota_key(key), left)} left, "
                             f"needs {demand.show(demand.quota_key(key), wanted)}")
        checks.append(Check("quota room", f"{ns}/{name}", not short, "; ".join(short) or "admits the floor"))
    return checks


def key_vault(env: str, objects: list[dict], global_values: dict) -> list[Check]:
    classes = _of(objects, "SecretProviderClass")
    if not classes:
        return []
    parameters = (classes[0].get("spec") or {}).get("parameters") or {}
    missing = [key for key, param in (("tenantId", "tenantId"), ("clientId", "clientID")) if not parameters.get(param)]
    required = env in IDENTITY_REQUIRED or global_values.get("environment") in IDENTITY_REQUIRED
    detail = ("tenantId and clientId set" if not missing else
              f"global.keyVault.{' and '.join(missing)} empty" + ("" if required else " (not required here)"))
    # Every service's class names the same vault and identity: one check, named by the vault.
    return [Check("Key Vault identity", parameters.get("keyvaultName", ""), not (missing and required), detail)]


def run_all(cluster: Cluster, env: str, ns: str, objects: list[dict], global_values: dict) -> list[Check]:
    ok, detail = cluster.reachable()
    checks = [Check("cluster", "API server", ok, detail)]
    checks += key_vault(env, objects, global_values)
    if not ok:
        return checks
    for check in (namespace(cluster, ns), secrets_store(cluster, objects), storage(cluster, objects),
                  ingress(cluster, objects), gpu_nodes(cluster, objects), priority_classes(cluster, objects),
                  metrics_apis(cluster, objects), quota_room(cluster, env, ns, objects)):
        checks += check
    return checks
