"""What a platform team prepares on a real cluster before the environments install, done by
`cluster up` so that a plain `helm install quikapp charts/quikapp -f values/<env>.yaml` works on
the local cluster as it does on a prepared one: each environment's namespace with Pod Security
`restricted`, a volume for each model claim (the StorageClasses the claims name are static ones:
no provisioner runs, so the volumes exist beforehand and the claims bind to them), the `nginx`
IngressClass and the cert-manager ClusterIssuers the Ingresses name (a stand-in of cert-manager's
ClusterIssuer resource: nothing issues certificates), the tiers' PriorityClasses. No metrics API
is served (kwok runs no containers, so no metrics server): the HPAs stay at their floors.
`quikapp-charts preflight` checks the same."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import yaml

from quikapp_charts.cluster.install import namespace_object
from quikapp_charts.cluster.kube import apply, kubectl_json, say, wait_for
from quikapp_charts.cluster.storage import spare_volumes
from quikapp_charts.core import paths, rendering

ISSUER_CRD = "clusterissuers.cert-manager.io"
ISSUER_ANNOTATION = "cert-manager.io/cluster-issuer"
MANAGED = {"app.kubernetes.io/managed-by": "quikapp-charts-cluster"}


def issuer_crd() -> dict:
    return {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": ISSUER_CRD, "labels": MANAGED},
        "spec": {"group": "cert-manager.io", "scope": "Cluster",
                 "names": {"kind": "ClusterIssuer", "listKind": "ClusterIssuerList", "plural": "clusterissuers",
                           "singular": "clusterissuer"},
                 "versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {
                     "type": "object", "x-kubernetes-preserve-unknown-fields": True}}}]},
    }


def ingress_class(name: str) -> dict:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
            "metadata": {"name": name, "labels": MANAGED}, "spec": {"controller": "k8s.io/ingress-nginx"}}


def priority_classes() -> list[dict]:
    """The tiers' PriorityClasses, as deploy/priorityclasses.yaml has the platform apply them."""
    found = yaml.safe_load_all((paths.ROOT / "deploy" / "priorityclasses.yaml").read_text())
    return [{**obj, "metadata": {**obj["metadata"], "labels": MANAGED}} for obj in found if obj]


def _established(name: str) -> bool:
    conditions = (kubectl_json("get", "crd", name).get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Established" and c.get("status") == "True" for c in conditions)


def prepare_environments() -> None:
    """Namespaces, volumes, IngressClasses and ClusterIssuers for every environment's render."""
    envs = paths.environments()
    with ThreadPoolExecutor(max_workers=2) as pool:
        renders = dict(zip(envs, pool.map(lambda env: rendering.render(env).objects, envs), strict=True))
    namespaces = sorted({rendering.namespace_of(env) for env in envs})
    claims = [o for objects in renders.values() for o in objects if o.get("kind") == "PersistentVolumeClaim"]
    ingresses = [o for objects in renders.values() for o in objects if o.get("kind") == "Ingress"]
    classes = sorted({(i.get("spec") or {}).get("ingressClassName") for i in ingresses} - {None})
    issuers = sorted({(i["metadata"].get("annotations") or {}).get(ISSUER_ANNOTATION) for i in ingresses} - {None})
    say(f"preparing {len(envs)} environments: namespaces, {len(claims)} model volumes, "
        f"IngressClass {', '.join(classes)}, ClusterIssuer {', '.join(issuers)}")
    apply([namespace_object(ns) for ns in namespaces] + [ingress_class(c) for c in classes] + [issuer_crd()]
          + priority_classes())
    spare_volumes(claims)
    wait_for(f"CRD {ISSUER_CRD} established", lambda: _established(ISSUER_CRD), timeout=180)
    apply([{"apiVersion": "cert-manager.io/v1", "kind": "ClusterIssuer", "metadata": {"name": name, "labels": MANAGED},
            "spec": {"selfSigned": {}}} for name in issuers])
